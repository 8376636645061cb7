// /v1/queues over HTTP against the built binary: the contract (status codes,
// fields, problem+json), long-polls, two instances sharing one PostgreSQL
// queue, and kill -9 under load losing no acknowledged enqueue.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "curl_client.h"
#include "eventually.h"
#include "server_process.h"
#include "test_databases.h"

namespace sb::test {
namespace {

namespace bj = boost::json;
const std::string kJson = "Content-Type: application/json";
const std::string kKey = "sbk_jobs_e2e_0123456789abcdef01";

std::map<std::string, std::string> env() {
  // One master key: instances sharing a database open each other's sealed keys.
  return {{"SWITCHBOARD_ADMIN_KEY", kKey},
          {"SWITCHBOARD_IDENTITY__MASTER_KEY", "am9icy1lMmUtbWFzdGVyLWtleS0zMi1ieXRlcy0wMTI="},
          {"SWITCHBOARD_JOBS__TICK_MS", "50"},
          {"SWITCHBOARD_JOBS__MAX_PAYLOAD_BYTES", "1024"},
          {"SWITCHBOARD_JOBS__KEEP_COMPLETED", "1000000"},
          {"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_OPS", "1"},
          {"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_MEM_KIB", "64"},
          {"SWITCHBOARD_HTTP__ACCESS_LOG", "false"}};
}

HttpResult post(const ServerProcess& s, const std::string& path, const std::string& body, long timeout_ms = 10'000) {
  return http_request("POST", s.url(path), body, {s.auth_header(), kJson}, timeout_ms);
}
HttpResult get(const ServerProcess& s, const std::string& path) {
  return http_request("GET", s.url(path), "", {s.auth_header()});
}
bj::value parse(const HttpResult& r) { return bj::parse(r.body.empty() ? "null" : r.body); }
std::string str(const bj::value& v, const char* k) { return std::string(v.at(k).as_string()); }

std::string field_of(const HttpResult& r) {
  auto v = parse(r);
  return str(v.at("errors").at(0), "field");
}

TEST(JobsE2E, HttpContract) {
  ServerProcess s(env());
  ASSERT_TRUE(s.start()) << s.output();

  auto one = post(s, "/v1/queues/mail/jobs", R"({"payload":{"to":"a@example.com"},"priority":5,"dedup_key":"k1"})");
  ASSERT_EQ(one.status, 201) << one.body;
  std::string id = str(parse(one), "id");
  auto dup = post(s, "/v1/queues/mail/jobs", R"({"payload":{},"dedup_key":"k1"})");
  EXPECT_EQ(dup.status, 200) << dup.body;
  EXPECT_EQ(str(parse(dup), "id"), id);
  auto many = post(s, "/v1/queues/mail/jobs", R"([{"payload":1},{"payload":2,"delay_ms":60000}])");
  ASSERT_EQ(many.status, 201) << many.body;
  EXPECT_EQ(parse(many).at("ids").as_array().size(), 2u);

  auto q = parse(get(s, "/v1/queues/mail"));
  EXPECT_EQ(q.at("counts").at("waiting").as_int64(), 2);
  EXPECT_EQ(q.at("counts").at("delayed").as_int64(), 1);
  EXPECT_FALSE(q.at("paused").as_bool());

  auto claimed = post(s, "/v1/queues/mail/claim", R"({"max":1,"wait_ms":0,"lease_ms":30000})");
  ASSERT_EQ(claimed.status, 200) << claimed.body;
  auto c = parse(claimed).at("jobs").at(0);
  EXPECT_EQ(str(c, "id"), id) << "priority 5 first";
  EXPECT_EQ(c.at("payload").at("to").as_string(), "a@example.com");
  EXPECT_EQ(c.at("attempt").as_int64(), 1);
  std::string lease = str(c, "lease");

  EXPECT_EQ(post(s, "/v1/queues/mail/jobs/" + id + "/ack", R"({"lease":"stale"})").status, 409);
  auto missing = post(s, "/v1/queues/mail/jobs/0190aaaa-0000-7000-8000-000000000000/ack", R"({"lease":"x"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.headers["content-type"], "application/problem+json");
  auto ext = post(s, "/v1/queues/mail/jobs/" + id + "/extend", R"({"lease":")" + lease + R"(","lease_ms":60000})");
  EXPECT_EQ(ext.status, 200) << ext.body;
  auto ack = post(s, "/v1/queues/mail/jobs/" + id + "/ack", R"({"lease":")" + lease + R"(","result":{"msg":"ok"}})");
  ASSERT_EQ(ack.status, 200) << ack.body;
  auto job = parse(get(s, "/v1/queues/mail/jobs/" + id));
  EXPECT_EQ(str(job, "state"), "completed");
  EXPECT_EQ(job.at("result").at("msg").as_string(), "ok");
  EXPECT_EQ(job.at("attempts").as_int64(), 1);

  // Dead letters and retry over HTTP.
  auto d = post(s, "/v1/queues/dl/jobs", R"({"payload":{},"max_attempts":1})");
  std::string did = str(parse(d), "id");
  auto dc = parse(post(s, "/v1/queues/dl/claim", R"({"max":5})")).at("jobs").at(0);
  auto nack = post(s, "/v1/queues/dl/jobs/" + did + "/nack", R"({"lease":")" + str(dc, "lease") + R"(","error":"boom"})");
  ASSERT_EQ(nack.status, 200) << nack.body;
  EXPECT_EQ(str(parse(nack), "state"), "dead");
  auto dead = parse(get(s, "/v1/queues/dl/jobs/" + did));
  EXPECT_EQ(str(dead, "state"), "dead");
  EXPECT_EQ(dead.at("errors").at(0).at("message").as_string(), "boom");
  EXPECT_EQ(post(s, "/v1/queues/dl/jobs/" + did + "/retry", "").status, 200);
  EXPECT_EQ(parse(get(s, "/v1/queues/dl")).at("counts").at("waiting").as_int64(), 1);

  // Pause and resume.
  EXPECT_EQ(post(s, "/v1/queues/dl/pause", "").status, 200);
  EXPECT_TRUE(parse(get(s, "/v1/queues/dl")).at("paused").as_bool());
  EXPECT_EQ(parse(post(s, "/v1/queues/dl/claim", "{}")).at("jobs").as_array().size(), 0u);
  EXPECT_EQ(post(s, "/v1/queues/dl/resume", "").status, 200);
  EXPECT_EQ(parse(post(s, "/v1/queues/dl/claim", "{}")).at("jobs").as_array().size(), 1u);

  // Bad input: 4xx problem+json naming the field; nothing written.
  EXPECT_EQ(field_of(post(s, "/v1/queues/bad%20name/jobs", "{}")), "queue");
  EXPECT_EQ(field_of(post(s, "/v1/queues/mail/jobs", R"({"priority":"high"})")), "/priority");
  EXPECT_EQ(field_of(post(s, "/v1/queues/mail/jobs", R"({"priorty":1})")), "/priorty");
  EXPECT_EQ(field_of(post(s, "/v1/queues/mail/jobs", R"([{},{"delay_ms":-1}])")), "/1/delay_ms");
  EXPECT_EQ(field_of(post(s, "/v1/queues/mail/claim", R"({"wait_ms":3600000})")), "/wait_ms");
  EXPECT_EQ(field_of(post(s, "/v1/queues/mail/jobs", R"({"backoff":{"type":"linear"}})")), "/backoff/type");
  auto big = post(s, "/v1/queues/mail/jobs", R"({"payload":")" + std::string(2000, 'x') + R"("})");
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_EQ(parse(get(s, "/v1/queues/mail")).at("counts").at("waiting").as_int64(), 1) << "nothing half-written";
  EXPECT_EQ(http_request("POST", s.url("/v1/queues/mail/jobs"), "{}", {kJson}).status, 401);
}

// A user's role decides which side of a queue they may use: jobs:write
// enqueues, jobs:work claims and acks, jobs:admin inspects.
TEST(JobsE2E, PermissionsSeparateProducersWorkersAndOperators) {
  ServerProcess s(env());
  ASSERT_TRUE(s.start()) << s.output();
  auto as_admin = [&](const std::string& method, const std::string& path, const std::string& body) {
    return http_request(method, s.url(path), body, {s.auth_header(), kJson});
  };
  ASSERT_EQ(as_admin("PUT", "/v1/roles/producer", R"({"permissions":["jobs:write"]})").status, 200);
  const std::string pw = "correct horse battery staple";
  auto reg = http_request("POST", s.url("/v1/auth/register"), R"({"email":"p@example.com","password":")" + pw + R"("})",
                          {kJson});
  ASSERT_EQ(reg.status, 201) << reg.body;
  std::string user = str(parse(reg), "id");
  ASSERT_EQ(as_admin("PUT", "/v1/users/" + user + "/roles/producer", "").status, 200);
  auto login = http_request("POST", s.url("/v1/auth/login"), R"({"email":"p@example.com","password":")" + pw + R"("})",
                            {kJson});
  ASSERT_EQ(login.status, 200) << login.body;
  std::string bearer = "Authorization: Bearer " + str(parse(login), "access_token");
  auto as_user = [&](const std::string& method, const std::string& path, const std::string& body) {
    return http_request(method, s.url(path), body, {bearer, kJson});
  };
  EXPECT_EQ(as_user("POST", "/v1/queues/orders/jobs", R"({"payload":{"n":1}})").status, 201);
  EXPECT_EQ(as_user("POST", "/v1/queues/orders/claim", "{}").status, 403);
  EXPECT_EQ(as_user("GET", "/v1/queues/orders", "").status, 403);
  EXPECT_EQ(as_user("POST", "/v1/queues/orders/pause", "").status, 403);
  EXPECT_EQ(parse(as_admin("GET", "/v1/queues/orders", "")).at("counts").at("waiting").as_int64(), 1);
}

TEST(JobsE2E, LongPollClaimIsAnsweredByAnEnqueue) {
  ServerProcess s(env());
  ASSERT_TRUE(s.start()) << s.output();
  HttpResult claimed;
  std::thread waiter([&] { claimed = post(s, "/v1/queues/lp/claim", R"({"max":1,"wait_ms":20000})", 30'000); });
  // The claim is parked before the enqueue (or finds the job: either way it gets it).
  ASSERT_EQ(post(s, "/v1/queues/lp/jobs", R"({"payload":{"n":1}})").status, 201);
  waiter.join();
  ASSERT_EQ(claimed.status, 200) << claimed.body;
  ASSERT_EQ(parse(claimed).at("jobs").as_array().size(), 1u);
  auto empty = post(s, "/v1/queues/lp/claim", R"({"max":1,"wait_ms":100})");
  ASSERT_EQ(empty.status, 200);
  EXPECT_EQ(parse(empty).at("jobs").as_array().size(), 0u) << "the wait ended with nothing";
}

// Claims and acks `n` jobs' worth from `s` until the queue stays empty;
// returns the ids it completed.
std::vector<std::string> drain(const ServerProcess& s, const std::string& q, std::atomic<bool>& stop) {
  std::vector<std::string> done;
  while (!stop) {
    auto r = post(s, "/v1/queues/" + q + "/claim", R"({"max":8,"wait_ms":200,"lease_ms":5000})", 5000);
    if (r.status != 200) continue;
    auto jobs = parse(r).at("jobs").as_array();
    if (jobs.empty()) continue;
    std::string acks = R"({"acks":[)";
    for (size_t i = 0; i < jobs.size(); ++i)
      acks += (i ? "," : "") + std::string(R"({"id":")") + str(jobs[i], "id") + R"(","lease":")" +
              str(jobs[i], "lease") + R"("})";
    auto a = post(s, "/v1/queues/" + q + "/ack", acks + "]}", 5000);
    if (a.status != 200) continue;
    bj::value answered = parse(a);  // kept alive: a range-for over parse(...).at() would dangle
    for (auto& res : answered.at("results").as_array())
      if (res.at("status").as_int64() == 200) done.push_back(str(res, "id"));
  }
  return done;
}

TEST(JobsE2E, TwoInstancesOnOnePostgresCompleteEveryJobExactlyOnce) {
  auto db = std::make_unique<TestDb>(open_test_db(store::Engine::kPostgres));
  db->close();
  ServerProcess a(env(), {"--database", db->url()}), b(env(), {"--database", db->url()});
  ASSERT_TRUE(a.start()) << a.output();
  ASSERT_TRUE(b.start()) << b.output();
  constexpr int kJobs = 1000;
  for (int i = 0; i < kJobs; i += 250) {
    std::string batch = "[";
    for (int k = 0; k < 250; ++k) batch += (k ? "," : "") + std::string(R"({"payload":{"n":)") + std::to_string(i + k) + "}}";
    ASSERT_EQ(post(i % 500 ? a : b, "/v1/queues/shared/jobs", batch + "]").status, 201);
  }
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::multiset<std::string> completed;
  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w)
    workers.emplace_back([&, w] {
      auto done = drain(w % 2 ? a : b, "shared", stop);
      std::lock_guard lock(mu);
      completed.insert(done.begin(), done.end());
    });
  bool all = eventually([&] { return parse(get(a, "/v1/queues/shared")).at("counts").at("completed").as_int64() >= kJobs; },
                        std::chrono::seconds(60));
  stop = true;
  for (auto& t : workers) t.join();
  ASSERT_TRUE(all);
  EXPECT_EQ(completed.size(), static_cast<size_t>(kJobs)) << "every ack accepted once";
  EXPECT_EQ(std::set<std::string>(completed.begin(), completed.end()).size(), static_cast<size_t>(kJobs));
}

TEST(JobsE2E, Kill9UnderLoadLosesNoAcknowledgedEnqueue) {
  TempDir dir;
  std::string data = dir.file("data");
  auto server = std::make_unique<ServerProcess>(env(), std::vector<std::string>{}, data);
  ASSERT_TRUE(server->start()) << server->output();
  std::mutex mu;
  std::vector<std::string> acked_ids;  // enqueues answered 201
  std::atomic<bool> killed{false};
  std::atomic<int> acked{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < 3; ++p)
    producers.emplace_back([&, p] {
      for (int i = 0; !killed; ++i) {
        auto r = post(*server, "/v1/queues/durable/jobs",
                      R"({"payload":{"p":)" + std::to_string(p) + R"(},"dedup_key":"p)" + std::to_string(p) + "-" +
                          std::to_string(i) + R"("})", 3000);
        if (r.status != 201) continue;
        std::lock_guard lock(mu);
        acked_ids.push_back(str(parse(r), "id"));
        ++acked;
      }
    });
  std::atomic<bool> stop_worker{false};
  std::thread worker([&] { drain(*server, "durable", stop_worker); });
  ASSERT_TRUE(eventually([&] { return acked >= 300; }, std::chrono::seconds(30)));
  killed = true;
  server->kill9();
  stop_worker = true;
  for (auto& t : producers) t.join();
  worker.join();

  ServerProcess restarted(env(), {}, data);
  ASSERT_TRUE(restarted.start()) << restarted.output();
  // Jobs whose lease died with the process come back after lease_ms (5 s).
  std::atomic<bool> stop{false};
  std::thread w2([&] { drain(restarted, "durable", stop); });
  bool finished = eventually(
      [&] {
        auto c = parse(get(restarted, "/v1/queues/durable")).at("counts");
        return c.at("waiting").as_int64() + c.at("delayed").as_int64() + c.at("active").as_int64() == 0;
      },
      std::chrono::seconds(60));
  stop = true;
  w2.join();
  ASSERT_TRUE(finished);
  size_t missing = 0;
  for (auto& id : acked_ids) {
    auto j = get(restarted, "/v1/queues/durable/jobs/" + id);
    if (j.status != 200 || str(parse(j), "state") != "completed") ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acked_ids.size() << " acknowledged enqueues";
}

}  // namespace
}  // namespace sb::test
