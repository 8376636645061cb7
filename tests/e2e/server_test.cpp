// The built binary, started as a user would, driven over HTTP.
#include <gtest/gtest.h>

#include <atomic>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "curl_client.h"
#include "server_process.h"

namespace sb::test {
namespace {

namespace bj = boost::json;
const std::string kJson = "Content-Type: application/json";

std::string event_json(const std::string& id, const std::string& type, const std::string& data = "{}") {
  return R"({"specversion":"1.0","id":")" + id + R"(","source":"/e2e","type":")" + type + R"(","data":)" + data + "}";
}

bj::value body_json(const HttpResult& r) { return bj::parse(r.body); }

class ServerE2E : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.start()) << server.output(); }
  HttpResult post(const std::string& path, const std::string& body, std::vector<std::string> h = {}) {
    h.push_back(server.auth_header());
    if (h.size() == 1) h.push_back(kJson);
    return http_request("POST", server.url(path), body, h);
  }
  HttpResult get(const std::string& path) { return http_request("GET", server.url(path), "", {server.auth_header()}); }
  int64_t count_events(const std::string& type) {
    auto r = get("/v1/events?limit=1000&type=" + type);
    return static_cast<int64_t>(body_json(r).at("events").as_array().size());
  }
  ServerProcess server;
};

TEST_F(ServerE2E, PrintsBootstrapKeyOnceAndServesHealthReadyMetrics) {
  EXPECT_FALSE(server.admin_key().empty()) << server.output();
  auto h = http_request("GET", server.url("/health"));
  EXPECT_EQ(h.status, 200);
  EXPECT_FALSE(h.headers["x-request-id"].empty());
  auto ready = http_request("GET", server.url("/ready"));
  EXPECT_EQ(ready.status, 200) << ready.body;
  auto rid = http_request("GET", server.url("/health"), "", {"X-Request-Id: my-trace-1"});
  EXPECT_EQ(rid.headers["x-request-id"], "my-trace-1");
  ASSERT_EQ(post("/v1/events", event_json("m1", "metric.test")).status, 201);
  auto m = http_request("GET", server.url("/metrics"));
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("sb_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"}"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("sb_events_appended_total"), std::string::npos);
  // The exposition format must satisfy Prometheus' own checker.
  TempDir dir;
  std::ofstream(dir.file("metrics.txt")) << m.body;
  std::string cmd = "promtool check metrics < " + dir.file("metrics.txt") + " > " + dir.file("promtool.out") + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream in(dir.file("promtool.out"));
  std::string out((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(rc, 0) << out;
  // A restart does not print a new key: one is already active.
  EXPECT_EQ(server.stop_graceful(), 0);
  ServerProcess again({}, {}, server.data_dir());
  ASSERT_TRUE(again.start());
  EXPECT_TRUE(again.admin_key().empty()) << again.output();
  EXPECT_EQ(http_request("GET", again.url("/v1/events"), "", {server.auth_header()}).status, 200);
}

TEST_F(ServerE2E, AdminRoutesRequireTheKey) {
  auto none = http_request("GET", server.url("/v1/events"));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers["content-type"], "application/problem+json");
  auto wrong = http_request("GET", server.url("/v1/events"), "", {"Authorization: Bearer sbk_wrong_key_123456"});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(http_request("DELETE", server.url("/health")).status, 405);
  EXPECT_EQ(http_request("GET", server.url("/nope")).status, 404);
}

TEST_F(ServerE2E, PublishIsIdempotentAndHistoryPagesBySequence) {
  auto first = post("/v1/events", event_json("a1", "user.registered", R"({"email":"a@example.com"})"));
  ASSERT_EQ(first.status, 201) << first.body;
  int64_t seq = body_json(first).at("sequence").as_int64();
  auto again = post("/v1/events", event_json("a1", "user.registered"));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(body_json(again).at("sequence").as_int64(), seq);
  EXPECT_TRUE(body_json(again).at("duplicate").as_bool());

  std::string batch = "[" + event_json("b1", "user.login") + "," + event_json("b2", "order.created") + "," +
                      event_json("b3", "user.mfa.enabled") + "]";
  auto br = post("/v1/events", batch, {"Content-Type: application/cloudevents-batch+json"});
  ASSERT_EQ(br.status, 201) << br.body;
  auto seqs = body_json(br).at("events").as_array();
  ASSERT_EQ(seqs.size(), 3u);
  EXPECT_LT(seqs[0].at("sequence").as_int64(), seqs[1].at("sequence").as_int64());

  auto users = body_json(get("/v1/events?type=user.*"));
  std::vector<std::string> ids;
  for (auto& e : users.at("events").as_array()) ids.emplace_back(e.at("id").as_string());
  EXPECT_EQ(ids, (std::vector<std::string>{"a1", "b1", "b3"}));
  auto page1 = body_json(get("/v1/events?type=user.*&limit=2"));
  ASSERT_EQ(page1.at("events").as_array().size(), 2u);
  int64_t next = page1.at("next_after").as_int64();
  auto page2 = body_json(get("/v1/events?type=user.*&limit=2&after=" + std::to_string(next)));
  ASSERT_EQ(page2.at("events").as_array().size(), 1u);
  EXPECT_EQ(page2.at("events").as_array()[0].at("id").as_string(), "b3");
  auto stored = users.at("events").as_array()[0];
  EXPECT_EQ(stored.at("data").at("email").as_string(), "a@example.com");
  EXPECT_EQ(stored.at("specversion").as_string(), "1.0");
}

TEST_F(ServerE2E, BadInputIsA4xxProblemNamingTheFieldAndChangesNothing) {
  int64_t before = count_events("*");
  auto malformed = post("/v1/events", "{\"id\": ");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.headers["content-type"], "application/problem+json");
  EXPECT_EQ(body_json(malformed).at("errors").as_array()[0].at("field").as_string(), "body");

  auto missing = post("/v1/events", R"({"specversion":"1.0","type":"x.y"})");
  ASSERT_EQ(missing.status, 400);
  std::set<std::string> fields;
  auto missing_body = body_json(missing);
  for (auto& e : missing_body.at("errors").as_array()) fields.insert(std::string(e.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"/id", "/source"}));

  auto wrong_type = post("/v1/events", R"({"specversion":"1.0","id":"x","source":"/s","type":42})");
  EXPECT_EQ(wrong_type.status, 400);
  auto batch_one_bad = post("/v1/events", "[" + event_json("ok1", "a.b") + R"(,{"specversion":"0.3","id":"z","source":"/s","type":"a.b"}])");
  ASSERT_EQ(batch_one_bad.status, 400);
  EXPECT_EQ(body_json(batch_one_bad).at("errors").as_array()[0].at("field").as_string(), "/1/specversion");

  auto text = post("/v1/events", event_json("t1", "a.b"), {"Content-Type: text/plain"});
  EXPECT_EQ(text.status, 400);
  std::string deep = R"({"specversion":"1.0","id":"d","source":"/s","type":"a.b","data":)" + std::string(70, '[') +
                     std::string(70, ']') + "}";
  EXPECT_EQ(post("/v1/events", deep).status, 400);
  std::string huge = event_json("h1", "a.b", "\"" + std::string(2 << 20, 'x') + "\"");
  EXPECT_EQ(post("/v1/events", huge).status, 413);
  EXPECT_EQ(get("/v1/events?type=user.**").status, 400);
  EXPECT_EQ(get("/v1/events?limit=0").status, 400);
  EXPECT_EQ(get("/v1/events?after=abc").status, 400);

  auto unknown_key = http_request("PUT", server.url("/v1/config/no.such.key"), R"({"value":1})", {server.auth_header(), kJson});
  EXPECT_EQ(unknown_key.status, 400);
  EXPECT_EQ(body_json(unknown_key).at("errors").as_array()[0].at("field").as_string(), "no.such.key");
  auto bad_value = http_request("PUT", server.url("/v1/config/http.access_log"), R"({"value":"yes"})", {server.auth_header(), kJson});
  EXPECT_EQ(bad_value.status, 400);

  EXPECT_EQ(count_events("*"), before);  // nothing half-written
}

// The problem's first errors[] field, or "" when the answer is not a problem.
std::string problem_field(const HttpResult& r) {
  if (r.headers.count("content-type") == 0 || r.headers.at("content-type") != "application/problem+json") return "";
  return std::string(body_json(r).at("errors").as_array()[0].at("field").as_string());
}

TEST_F(ServerE2E, NumbersBeyondADoubleAreRefusedAndHistoryStaysStrictJson) {
  auto inf = post("/v1/events", event_json("inf1", "num.x", R"({"x":1e400})"));
  EXPECT_EQ(inf.status, 400);
  EXPECT_EQ(problem_field(inf), "/data/x") << inf.body;
  auto batch = post("/v1/events", "[" + event_json("inf2", "num.x") + "," + event_json("inf3", "num.x", R"({"y":[-1e400]})") + "]");
  EXPECT_EQ(batch.status, 400);
  EXPECT_EQ(problem_field(batch), "/1/data/y/0") << batch.body;
  auto cfg = http_request("PUT", server.url("/v1/config/events.heartbeat_ms"), R"({"value":1e400})", {server.auth_header(), kJson});
  EXPECT_EQ(cfg.status, 400);
  EXPECT_EQ(problem_field(cfg), "/value") << cfg.body;

  ASSERT_EQ(post("/v1/events", event_json("max1", "num.x", R"({"x":1.7976931348623157e308,"y":-1e-400})")).status, 201);
  auto history = get("/v1/events?type=num.*");
  ASSERT_EQ(history.status, 200);
  boost::system::error_code ec;
  auto v = bj::parse(history.body, ec);  // strict RFC 8259: no Infinity, no NaN
  ASSERT_FALSE(ec) << history.body;
  ASSERT_EQ(v.at("events").as_array().size(), 1u);
  EXPECT_EQ(v.at("events").as_array()[0].at("data").at("x").as_double(), 1.7976931348623157e308);
}

TEST_F(ServerE2E, CloudEventsOutsideTheSpecAreRefusedNamingTheAttribute) {
  int64_t before = count_events("*");
  auto with = [](const std::string& extra, const std::string& source = "/e2e") {
    return R"({"specversion":"1.0","id":"ce1","source":")" + source + R"(","type":"ce.x",)" + extra + "}";
  };
  struct Case {
    std::string body, field;
  } cases[] = {
      {with(R"("ratio":1.5)"), "/ratio"},                        // no CloudEvents type holds 1.5
      {with(R"("big":2147483648)"), "/big"},                     // Integer is 32-bit signed
      {with(R"("time":"2026-01-02 03:04:05Z")"), "/time"},       // RFC 3339 separates with 'T'
      {with(R"("dataschema":"schemas/order.json")"), "/dataschema"},  // must be absolute
      {with(R"("subject":"")"), "/subject"},                     // if present, non-empty
      {with(R"("datacontenttype":"not a media type")"), "/datacontenttype"},
      {with(R"("data":1)", "/my app"), "/source"},               // URI-reference: no spaces
  };
  for (auto& c : cases) {
    auto r = post("/v1/events", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(problem_field(r), c.field) << c.body << " -> " << r.body;
  }
  // application/cloudevents+json is one event; a batch has its own media type.
  std::string two = "[" + event_json("ce2", "ce.x") + "," + event_json("ce3", "ce.x") + "]";
  auto array_as_one = post("/v1/events", two, {"Content-Type: application/cloudevents+json"});
  EXPECT_EQ(array_as_one.status, 400);
  EXPECT_EQ(problem_field(array_as_one), "body") << array_as_one.body;
  auto one_as_batch = post("/v1/events", event_json("ce4", "ce.x"), {"Content-Type: application/cloudevents-batch+json"});
  EXPECT_EQ(one_as_batch.status, 400);
  EXPECT_EQ(count_events("*"), before);
  EXPECT_EQ(post("/v1/events", two, {"Content-Type: application/cloudevents-batch+json"}).status, 201);
}

TEST_F(ServerE2E, BinaryAndNonJsonDataAreStoredAndServedBack) {
  auto base = [](const std::string& id, const std::string& rest) {
    return R"({"specversion":"1.0","id":")" + id + R"(","source":"urn:e2e","type":"blob.stored",)" + rest + "}";
  };
  auto bin = post("/v1/events", base("bin1", R"("datacontenttype":"image/png","data_base64":"iVBORw0KGgo=")"),
                  {"Content-Type: application/cloudevents+json"});
  ASSERT_EQ(bin.status, 201) << bin.body;
  auto text = post("/v1/events", base("txt1", R"("datacontenttype":"text/plain; charset=utf-8","data":"hello, world")"));
  ASSERT_EQ(text.status, 201) << text.body;
  auto typed = post("/v1/events", base("ext1", R"("attempt":3,"replayed":false,"averylongextensionname":"x")"));
  ASSERT_EQ(typed.status, 201) << typed.body;

  auto events = body_json(get("/v1/events?type=blob.stored")).at("events").as_array();
  ASSERT_EQ(events.size(), 3u);
  const auto& b = events[0].as_object();
  EXPECT_EQ(b.at("data_base64").as_string(), "iVBORw0KGgo=");
  EXPECT_EQ(b.at("datacontenttype").as_string(), "image/png");
  EXPECT_FALSE(b.contains("data"));
  const auto& t = events[1].as_object();
  EXPECT_EQ(t.at("data").as_string(), "hello, world");
  EXPECT_EQ(t.at("datacontenttype").as_string(), "text/plain; charset=utf-8");
  const auto& x = events[2].as_object();
  EXPECT_EQ(x.at("attempt"), bj::value(3));  // an Integer stays a JSON number
  EXPECT_EQ(x.at("replayed"), bj::value(false));
}

TEST_F(ServerE2E, StreamResumesExactlyAfterLastEventIdAndDeliversLive) {
  std::vector<int64_t> seqs;
  for (int i = 0; i < 3; ++i) {
    auto r = post("/v1/events", event_json("s" + std::to_string(i), "chat.message"));
    seqs.push_back(body_json(r).at("sequence").as_int64());
  }
  ASSERT_EQ(post("/v1/events", event_json("other", "billing.charged")).status, 201);
  std::vector<std::string> got;
  std::atomic<bool> connected{false};
  std::thread publisher([&] {
    while (!connected) std::this_thread::yield();
    post("/v1/events", event_json("live1", "chat.message"));
  });
  auto r = read_sse(server.url("/v1/events/stream?type=chat.*"),
                    {server.auth_header(), "Last-Event-ID: " + std::to_string(seqs[0])},
                    [&](const SseEvent& e) {
                      got.push_back(std::string(bj::parse(e.data).at("id").as_string()));
                      EXPECT_EQ(e.event, "chat.message");
                      EXPECT_EQ(std::to_string(bj::parse(e.data).at("sequence").as_int64()), e.id);
                      if (got.size() == 2) connected = true;
                      return got.size() < 3;
                    });
  publisher.join();
  EXPECT_EQ(r.headers["content-type"], "text/event-stream");
  EXPECT_EQ(got, (std::vector<std::string>{"s1", "s2", "live1"}));
}

TEST_F(ServerE2E, ConfigChangesAtRuntimeAreStoredRedactedAndEvented) {
  auto put = http_request("PUT", server.url("/v1/config/events.heartbeat_ms"), R"({"value":5000})", {server.auth_header(), kJson});
  ASSERT_EQ(put.status, 200) << put.body;
  auto got = body_json(get("/v1/config/events.heartbeat_ms"));
  EXPECT_EQ(got.at("value").as_int64(), 5000);
  EXPECT_EQ(got.at("layer").as_string(), "runtime");
  auto evs = body_json(get("/v1/events?type=config.updated")).at("events").as_array();
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].at("subject").as_string(), "events.heartbeat_ms");
  EXPECT_EQ(http_request("DELETE", server.url("/v1/config/events.heartbeat_ms"), "", {server.auth_header()}).status, 204);
  EXPECT_EQ(body_json(get("/v1/config/events.heartbeat_ms")).at("layer").as_string(), "default");
  // Secret keys never come back in clear.
  auto db = body_json(get("/v1/config?prefix=store."));
  for (auto& e : db.at("entries").as_array()) {
    if (e.at("key").as_string() == "store.database" && !e.at("value").is_null()) {
      EXPECT_EQ(e.at("value").as_string(), "********");
    }
  }
}

// Sends raw bytes and reads until the server closes (or 5 s pass).
std::string raw_exchange(int port, const std::string& bytes, int* waited_ms = nullptr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "connect failed";
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto start = std::chrono::steady_clock::now();
  if (!bytes.empty()) send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  if (waited_ms)
    *waited_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
  close(fd);
  return out;
}

TEST(ServerLimits, OversizedHeadersGet431AndIdleConnectionsAreClosed) {
  ServerProcess server(std::map<std::string, std::string>{{"SWITCHBOARD_HTTP__IDLE_TIMEOUT_MS", "300"}});
  ASSERT_TRUE(server.start()) << server.output();
  std::string big = "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
  std::string resp = raw_exchange(server.port(), big);
  EXPECT_EQ(resp.rfind("HTTP/1.1 431", 0), 0u) << resp.substr(0, 200);
  EXPECT_NE(resp.find("application/problem+json"), std::string::npos);
  std::string garbage = raw_exchange(server.port(), "NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(garbage.rfind("HTTP/1.1 400", 0), 0u) << garbage.substr(0, 200);
  int waited = 0;
  std::string idle = raw_exchange(server.port(), "", &waited);
  EXPECT_TRUE(idle.empty());
  EXPECT_LT(waited, 4000);  // closed by the server, not by our 5 s receive timeout
  // Keep-alive: two requests on one connection both answered.
  std::string two = raw_exchange(server.port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  size_t first = two.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(two.find("HTTP/1.1 200", first + 1), std::string::npos);
}

// Connects and sends `bytes` one at a time, `gap_ms` apart, until the server
// closes the connection or `give_up_ms` pass. Between bytes it waits for the
// close itself (poll), not a fixed sleep. Returns the ms until the close, or
// -1 if the connection was still open; what the server sent goes to `received`.
int trickle_until_closed(int port, const std::string& bytes, int gap_ms, int give_up_ms, std::string& received) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -2;
  }
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
  };
  int closed_at = -1;
  for (size_t next = 0; closed_at < 0 && elapsed() < give_up_ms;) {
    if (next < bytes.size() && send(fd, &bytes[next++], 1, MSG_NOSIGNAL) != 1) {
      closed_at = elapsed();
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, std::max(1, std::min(gap_ms, give_up_ms - elapsed()))) > 0) {
      char buf[512];
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) closed_at = elapsed();
      else received.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return closed_at;
}

TEST(ServerLimits, ReadTimeoutBoundsAHeaderTrickledByteByByte) {
  // The idle timeout stays at its 60 s default: only the read timeout can close this.
  ServerProcess server(std::map<std::string, std::string>{{"SWITCHBOARD_HTTP__READ_TIMEOUT_MS", "300"}});
  ASSERT_TRUE(server.start()) << server.output();
  // A header that never ends, one byte every 100 ms.
  std::string slow = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 'a');
  std::string received;
  int closed_at = trickle_until_closed(server.port(), slow, 100, 1500, received);
  EXPECT_GE(closed_at, 0) << "still open after 1.5 s (5x the read timeout)";
  EXPECT_LT(closed_at, 1500);
  EXPECT_TRUE(received.empty()) << received;
  // A request sent at once is still served on a fresh connection.
  std::string fine = raw_exchange(server.port(), "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(fine.rfind("HTTP/1.1 200", 0), 0u) << fine.substr(0, 200);
}

TEST(ServerLifecycle, EnvAdminKeyIsUsedAndNothingPrinted) {
  ServerProcess server(std::map<std::string, std::string>{{"SWITCHBOARD_ADMIN_KEY", "sbk_from_env_0123456789abcdef"}});
  ASSERT_TRUE(server.start()) << server.output();
  EXPECT_EQ(server.output().find("bootstrap admin API key"), std::string::npos);
  EXPECT_EQ(http_request("GET", server.url("/v1/events"), "", {"Authorization: Bearer sbk_from_env_0123456789abcdef"}).status, 200);
}

TEST(ServerLifecycle, SigtermFinishesGracefully) {
  ServerProcess server;
  ASSERT_TRUE(server.start()) << server.output();
  EXPECT_EQ(server.stop_graceful(), 0) << server.output();
  EXPECT_NE(server.output().find("switchboard stopped"), std::string::npos);
}

TEST(ServerLifecycle, AdminKeyRotateRevokesTheOldKey) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  std::string old_key = server.admin_key();
  std::string out;
  ASSERT_EQ(run_cli({"admin-key", "rotate", "--data-dir", server.data_dir()}, out), 0) << out;
  auto pos = out.find("sbk_");
  ASSERT_NE(pos, std::string::npos) << out;
  std::string new_key = out.substr(pos, out.find_first_of(" \n", pos) - pos);
  // The server re-checks cached keys within 5 s; poll until the old key is refused.
  long status = 0;
  for (int i = 0; i < 100 && status != 401; ++i) {
    status = http_request("GET", server.url("/v1/events"), "", {"Authorization: Bearer " + old_key}).status;
    if (status != 401) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 401);
  EXPECT_EQ(http_request("GET", server.url("/v1/events"), "", {"Authorization: Bearer " + new_key}).status, 200);
}

TEST(ServerLifecycle, CliConfigSetReachesTheRunningServer) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  std::string out;
  ASSERT_EQ(run_cli({"config", "set", "events.poll_ms", "250", "--data-dir", server.data_dir()}, out), 0) << out;
  int64_t seen = 0;
  for (int i = 0; i < 100 && seen != 250; ++i) {
    auto r = http_request("GET", server.url("/v1/config/events.poll_ms"), "", {server.auth_header()});
    seen = bj::parse(r.body).at("value").as_int64();
    if (seen != 250) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(seen, 250);
  EXPECT_NE(run_cli({"config", "set", "no.such", "1", "--data-dir", server.data_dir()}, out), 0);
  EXPECT_NE(out.find("no.such"), std::string::npos);
}

// kill -9 at an arbitrary moment never loses an event whose publish returned 201.
TEST(Durability, Kill9LosesNoAcknowledgedEvent) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  std::mutex mu;
  std::vector<std::string> acked;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !stop; ++i) {
        std::string id = "k" + std::to_string(c) + "-" + std::to_string(i);
        auto r = http_request("POST", server.url("/v1/events"), event_json(id, "durable.test"),
                              {server.auth_header(), kJson}, 5000);
        if (r.status == 201) {
          std::lock_guard lock(mu);
          acked.push_back(id);
        }
      }
    });
  }
  // Let real traffic build up, then kill mid-flight.
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard lock(mu);
      if (acked.size() >= 300) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server.kill9();
  stop = true;
  for (auto& t : clients) t.join();
  ASSERT_GE(acked.size(), 100u);

  ServerProcess restarted({}, {}, server.data_dir());
  ASSERT_TRUE(restarted.start()) << restarted.output();
  std::set<std::string> stored;
  int64_t after = 0;
  for (;;) {
    auto r = http_request("GET", restarted.url("/v1/events?type=durable.test&limit=1000&after=" + std::to_string(after)),
                          "", {server.auth_header()});
    auto v = bj::parse(r.body);
    auto& evs = v.at("events").as_array();
    for (auto& e : evs) stored.insert(std::string(e.at("id").as_string()));
    if (evs.empty()) break;
    after = v.at("next_after").as_int64();
  }
  size_t lost = 0;
  for (auto& id : acked) lost += stored.count(id) == 0;
  EXPECT_EQ(lost, 0u) << "of " << acked.size() << " acknowledged";
}

}  // namespace
}  // namespace sb::test
