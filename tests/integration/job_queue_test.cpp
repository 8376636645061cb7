// jobs::Queue on both engines, with a ManualClock: priority and FIFO order,
// leases, dedup, delays and backoff, dead letters, stalled recovery, queue
// controls, retention, long-polls and in-process workers.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <set>
#include <thread>

#include "core/clock.h"
#include "core/metrics.h"
#include "events/event_log.h"
#include "jobs/queue.h"
#include "test_databases.h"

namespace sb::jobs {
namespace {

using namespace std::chrono_literals;

NewJob job(std::string payload, int64_t priority = 0) {
  NewJob j;
  j.payload = std::move(payload);
  j.priority = priority;
  return j;
}

class JobQueueTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  JobQueueTest() : db(test::open_test_db(GetParam())), log(*db, clock, &metrics), queue(*db, log, clock, {}, &metrics) {}

  std::string enqueue_one(const std::string& q, NewJob j) {
    auto r = queue.enqueue(q, {std::move(j)});
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? r->front().id : "";
  }
  std::vector<Claimed> claim(const std::string& q, int max = 10, int64_t lease_ms = 30'000) {
    auto r = queue.claim(q, {max, lease_ms, 0});
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : std::vector<Claimed>{};
  }
  State state_of(const std::string& q, const std::string& id) {
    auto j = queue.get(q, id);
    EXPECT_TRUE(j.ok()) << j.status().to_string();
    return j.ok() ? j->state : State::kCancelled;
  }
  std::vector<std::string> event_types() {
    std::vector<std::string> out;
    auto r = log.read({"*", "", 0, 1000, {}});
    if (r.ok())
      for (auto& e : *r) out.push_back(e.type);
    return out;
  }

  ManualClock clock;
  test::TestDb db;
  metrics::Registry metrics;
  events::EventLog log;
  Queue queue;
};

TEST_P(JobQueueTest, ClaimsHighestPriorityFirstAndFifoWithinAPriority) {
  std::string low = enqueue_one("mail", job(R"({"n":"low"})", -5));
  std::string a = enqueue_one("mail", job(R"({"n":"a"})", 0));
  std::string b = enqueue_one("mail", job(R"({"n":"b"})", 0));
  std::string high = enqueue_one("mail", job(R"({"n":"high"})", 10));
  auto got = claim("mail", 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].id, high);
  EXPECT_EQ(got[1].id, a);
  EXPECT_EQ(got[2].id, b);
  EXPECT_EQ(got[0].payload, R"({"n":"high"})");
  EXPECT_EQ(got[0].attempt, 1);
  EXPECT_FALSE(got[0].lease.empty());
  EXPECT_EQ(got[0].lease_until_ms, clock.now_ms() + 30'000);
  auto info = queue.info("mail");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->counts.active, 3);
  EXPECT_EQ(info->counts.waiting, 1);
  EXPECT_EQ(claim("mail", 10).front().id, low);
  EXPECT_TRUE(claim("other").empty()) << "a queue nobody used is empty, not an error";
}

TEST_P(JobQueueTest, AckNeedsTheCurrentLeaseAndKeepsTheResult) {
  std::string id = enqueue_one("q", job("{}"));
  auto c = claim("q");
  ASSERT_EQ(c.size(), 1u);
  Status stale = queue.ack("q", {id, "not-the-lease", ""});
  EXPECT_EQ(stale.code(), Code::kConflict);
  EXPECT_EQ(queue.ack("q", {"0190aaaa-0000-7000-8000-000000000000", c[0].lease, ""}).code(), Code::kNotFound);
  EXPECT_EQ(queue.ack("other", {id, c[0].lease, ""}).code(), Code::kNotFound) << "the id belongs to another queue";
  ASSERT_TRUE(queue.ack("q", {id, c[0].lease, R"({"sent":true})"}));
  auto j = queue.get("q", id);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->state, State::kCompleted);
  EXPECT_EQ(j->result, R"({"sent":true})");
  EXPECT_EQ(queue.ack("q", {id, c[0].lease, ""}).code(), Code::kConflict) << "a second ack finds it completed";
}

TEST_P(JobQueueTest, DedupKeyReturnsTheUnfinishedJobAndIsFreeAgainOnceItFinishes) {
  NewJob j = job(R"({"to":"a@example.com"})");
  j.dedup_key = "welcome:42";
  auto first = queue.enqueue("mail", {j});
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->front().duplicate);
  auto again = queue.enqueue("mail", {j, j});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].id, first->front().id);
  EXPECT_TRUE((*again)[0].duplicate);
  EXPECT_EQ((*again)[1].id, first->front().id);
  EXPECT_EQ(queue.info("mail")->counts.waiting, 1) << "no copy was stored";
  // Active still counts as unfinished.
  auto c = claim("mail");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(queue.enqueue("mail", {j})->front().duplicate);
  ASSERT_TRUE(queue.ack("mail", {c[0].id, c[0].lease, ""}));
  auto after = queue.enqueue("mail", {j});
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->front().duplicate);
  EXPECT_NE(after->front().id, first->front().id);
}

TEST_P(JobQueueTest, DelayedJobsWaitForTheirTime) {
  NewJob j = job("{}");
  j.delay_ms = 5000;
  std::string id = enqueue_one("q", j);
  EXPECT_EQ(state_of("q", id), State::kDelayed);
  EXPECT_EQ(queue.info("q")->counts.delayed, 1);
  EXPECT_TRUE(claim("q").empty());
  clock.advance(4999ms);
  EXPECT_TRUE(claim("q").empty());
  clock.advance(1ms);
  EXPECT_EQ(queue.info("q")->counts.waiting, 1) << "due: counted as waiting before anyone claims";
  auto c = claim("q");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, id);
}

TEST_P(JobQueueTest, NackBacksOffThenDeadLettersWithEveryError) {
  NewJob j = job("{}");
  j.max_attempts = 3;
  j.backoff = {Backoff::Type::kFixed, 2000, 60'000};
  std::string id = enqueue_one("q", j);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto c = claim("q");
    ASSERT_EQ(c.size(), 1u) << "attempt " << attempt;
    EXPECT_EQ(c[0].attempt, attempt);
    auto after = queue.nack("q", id, c[0].lease, "smtp said no " + std::to_string(attempt));
    ASSERT_TRUE(after.ok());
    if (attempt < 3) {
      EXPECT_EQ(*after, State::kDelayed);
      clock.advance(1999ms);
      EXPECT_TRUE(claim("q").empty()) << "still backing off";
      clock.advance(1ms);
    } else {
      EXPECT_EQ(*after, State::kDead);
    }
  }
  auto dead = queue.get("q", id);
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(dead->state, State::kDead);
  ASSERT_EQ(dead->errors.size(), 3u);
  EXPECT_EQ(dead->errors[0].message, "smtp said no 1");
  EXPECT_EQ(dead->errors[2].attempt, 3);
  EXPECT_EQ(queue.info("q")->counts.dead, 1);
  auto types = event_types();
  EXPECT_EQ(std::count(types.begin(), types.end(), "job.dead"), 1);

  ASSERT_TRUE(queue.retry("q", id));
  auto back = queue.get("q", id);
  EXPECT_EQ(back->state, State::kWaiting);
  EXPECT_EQ(back->attempts, 0);
  EXPECT_EQ(back->errors.size(), 3u) << "the history stays";
  EXPECT_EQ(claim("q").front().attempt, 1);
  EXPECT_EQ(queue.retry("q", id).code(), Code::kConflict) << "only dead or cancelled jobs";
}

TEST_P(JobQueueTest, ExponentialBackoffStaysUnderItsCap) {
  NewJob j = job("{}");
  j.max_attempts = 10;
  j.backoff = {Backoff::Type::kExponential, 1000, 60'000};
  std::string id = enqueue_one("q", j);
  for (int attempt = 1; attempt <= 4; ++attempt) {
    auto c = claim("q");
    ASSERT_EQ(c.size(), 1u);
    ASSERT_TRUE(queue.nack("q", id, c[0].lease, "x").ok());
    auto info = queue.get("q", id);
    int64_t wait = info->run_at_ms - clock.now_ms();
    EXPECT_GE(wait, 0);
    EXPECT_LE(wait, 1000LL << (attempt - 1)) << "full jitter below base * 2^(attempt-1)";
    clock.advance(std::chrono::milliseconds(1000LL << (attempt - 1)));
  }
}

TEST_P(JobQueueTest, AnExpiredLeaseIsDeliveredAgainAndTheOldLeaseIsRefused) {
  std::string id = enqueue_one("q", job("{}"));
  auto first = claim("q", 1, 10'000);
  ASSERT_EQ(first.size(), 1u);
  clock.advance(9'999ms);
  ASSERT_TRUE(queue.tick());
  EXPECT_TRUE(claim("q").empty()) << "the lease still runs";
  clock.advance(1ms);
  ASSERT_TRUE(queue.tick());
  auto second = claim("q");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, id);
  EXPECT_EQ(second[0].attempt, 2) << "the lost attempt counts";
  EXPECT_NE(second[0].lease, first[0].lease);
  EXPECT_EQ(queue.ack("q", {id, first[0].lease, "{}"}).code(), Code::kConflict);
  EXPECT_EQ(queue.nack("q", id, first[0].lease, "late").status().code(), Code::kConflict);
  ASSERT_TRUE(queue.ack("q", {id, second[0].lease, "{}"}));
  EXPECT_EQ(queue.get("q", id)->errors.front().message, "lease expired (the worker stopped answering)");
}

TEST_P(JobQueueTest, ExtendKeepsALongJobLeased) {
  std::string id = enqueue_one("q", job("{}"));
  auto c = claim("q", 1, 10'000);
  clock.advance(8'000ms);
  auto until = queue.extend("q", id, c[0].lease, 10'000);
  ASSERT_TRUE(until.ok());
  EXPECT_EQ(*until, clock.now_ms() + 10'000);
  clock.advance(5'000ms);  // past the first lease
  ASSERT_TRUE(queue.tick());
  EXPECT_EQ(state_of("q", id), State::kActive);
  ASSERT_TRUE(queue.progress("q", id, c[0].lease, R"({"pct":50})"));
  EXPECT_EQ(queue.get("q", id)->progress, R"({"pct":50})");
  EXPECT_EQ(queue.extend("q", id, "stale", 1000).status().code(), Code::kConflict);
}

TEST_P(JobQueueTest, LastAttemptLostToAnExpiredLeaseIsDead) {
  NewJob j = job("{}");
  j.max_attempts = 1;
  std::string id = enqueue_one("q", j);
  claim("q", 1, 1000);
  clock.advance(1000ms);
  ASSERT_TRUE(queue.tick());
  EXPECT_EQ(state_of("q", id), State::kDead);
}

TEST_P(JobQueueTest, PausedQueueHandsOutNothingUntilResumed) {
  enqueue_one("q", job("{}"));
  ASSERT_TRUE(queue.pause("q"));
  EXPECT_TRUE(queue.info("q")->settings.paused);
  EXPECT_TRUE(claim("q").empty());
  ASSERT_TRUE(queue.resume("q"));
  EXPECT_EQ(claim("q").size(), 1u);
  auto types = event_types();
  EXPECT_NE(std::find(types.begin(), types.end(), "queue.paused"), types.end());
  EXPECT_NE(std::find(types.begin(), types.end(), "queue.resumed"), types.end());
}

TEST_P(JobQueueTest, ConcurrencyLimitCountsActiveJobsOfEveryWorker) {
  for (int i = 0; i < 5; ++i) enqueue_one("q", job("{}"));
  QueueSettings s;
  s.concurrency = 2;
  ASSERT_TRUE(queue.configure("q", s));
  auto c = claim("q", 5);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_TRUE(claim("q", 5).empty());
  ASSERT_TRUE(queue.ack("q", {c[0].id, c[0].lease, ""}));
  EXPECT_EQ(claim("q", 5).size(), 1u);
}

TEST_P(JobQueueTest, RateLimitAllowsMaxClaimsPerInterval) {
  for (int i = 0; i < 10; ++i) enqueue_one("q", job("{}"));
  QueueSettings s;
  s.rate_max = 3;
  s.rate_interval_ms = 1000;
  ASSERT_TRUE(queue.configure("q", s));
  EXPECT_EQ(claim("q", 2).size(), 2u);
  EXPECT_EQ(claim("q", 5).size(), 1u);
  EXPECT_TRUE(claim("q", 5).empty());
  clock.advance(1000ms);
  EXPECT_EQ(claim("q", 5).size(), 3u);
}

TEST_P(JobQueueTest, RetentionKeepsTheNewestCompletedJobs) {
  QueueSettings s;
  s.keep_completed = 2;
  ASSERT_TRUE(queue.configure("q", s));
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(enqueue_one("q", job("{}")));
    auto c = claim("q");
    clock.advance(1ms);
    ASSERT_TRUE(queue.ack("q", {c[0].id, c[0].lease, ""}));
  }
  ASSERT_TRUE(queue.tick());
  EXPECT_EQ(queue.info("q")->counts.completed, 2);
  EXPECT_EQ(queue.get("q", ids[0]).status().code(), Code::kNotFound);
  EXPECT_TRUE(queue.get("q", ids[4]).ok());
  s.keep_completed_ms = 10'000;
  s.keep_completed = 100;
  ASSERT_TRUE(queue.configure("q", s));
  clock.advance(10'001ms);
  ASSERT_TRUE(queue.tick());
  EXPECT_EQ(queue.info("q")->counts.completed, 2) << "retention runs every 30 s, not every tick";
  clock.advance(20'000ms);
  ASSERT_TRUE(queue.tick());
  EXPECT_EQ(queue.info("q")->counts.completed, 0) << "older than keep_completed_ms";
}

TEST_P(JobQueueTest, EnqueueInTheCallersTransactionCommitsOrRollsBackWithIt) {
  Status failed = db->write([&](store::Tx& tx) -> Status {
    SB_TRY(queue.enqueue(tx, "q", {job(R"({"n":1})")}).status());
    return Status::invalid("x", "the caller's state change failed");
  });
  EXPECT_FALSE(failed);
  EXPECT_EQ(queue.info("q")->counts.waiting, 0);
  ASSERT_TRUE(db->write([&](store::Tx& tx) { return queue.enqueue(tx, "q", {job(R"({"n":2})")}).status(); }));
  auto c = claim("q");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].payload, R"({"n":2})");
}

TEST_P(JobQueueTest, CancelledJobsAreNotClaimed) {
  std::string id = enqueue_one("q", job("{}"));
  ASSERT_TRUE(queue.cancel("q", id));
  EXPECT_TRUE(claim("q").empty());
  EXPECT_EQ(queue.cancel("q", id).code(), Code::kConflict);
  EXPECT_EQ(queue.cancel("q", "nope").code(), Code::kNotFound);
}

TEST_P(JobQueueTest, LongPollIsAnsweredByTheNextEnqueueOrEmptyAtItsDeadline) {
  std::promise<Result<std::vector<Claimed>>> woken;
  queue.claim_async("q", {1, 30'000, 5'000}, [&](Result<std::vector<Claimed>> r) { woken.set_value(std::move(r)); });
  auto f = woken.get_future();
  ASSERT_EQ(f.wait_for(50ms), std::future_status::timeout) << "nothing to claim yet: it waits";
  std::string id = enqueue_one("q", job("{}"));
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready) << "the enqueue's commit woke the long-poll";
  auto got = f.get();
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().id, id);

  std::promise<Result<std::vector<Claimed>>> empty;
  queue.claim_async("q", {1, 30'000, 5'000}, [&](Result<std::vector<Claimed>> r) { empty.set_value(std::move(r)); });
  auto g = empty.get_future();
  clock.advance(5'000ms);
  ASSERT_TRUE(queue.tick());
  ASSERT_EQ(g.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(g.get()->empty());
}

TEST_P(JobQueueTest, InProcessWorkersRunEveryJobAndRetryFailures) {
  constexpr int kJobs = 300;
  std::mutex mu;
  std::condition_variable cv;
  std::multiset<std::string> seen;
  int failures_left = 5;
  auto worker = queue.work("w", 4, [&](const Claimed& c) -> Result<std::string> {
    std::lock_guard lock(mu);
    if (c.payload == R"({"fail":true})" && failures_left > 0) {
      --failures_left;
      return Status::unavailable("provider down");
    }
    seen.insert(c.id);
    cv.notify_all();
    return std::string(R"({"ok":true})");
  });
  std::vector<NewJob> batch;
  for (int i = 0; i < kJobs; ++i) {
    NewJob j = job(i == 7 ? R"({"fail":true})" : "{}");
    j.backoff = {Backoff::Type::kFixed, 0, 0};  // retried at once
    j.max_attempts = 10;
    batch.push_back(j);
  }
  ASSERT_TRUE(queue.enqueue("w", batch).ok());
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return seen.size() >= kJobs; })) << seen.size();
  }
  worker->stop();
  EXPECT_EQ(seen.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), static_cast<size_t>(kJobs)) << "none twice";
  auto info = queue.info("w");
  EXPECT_EQ(info->counts.completed, kJobs) << "every ack was durable by stop()";
  EXPECT_EQ(info->counts.active, 0);
}

TEST_P(JobQueueTest, ALocalWorkerGetsTheJobInsideTheEnqueueTransaction) {
  std::promise<Claimed> got;
  auto worker = queue.work("idle", 2, [&](const Claimed& c) -> Result<std::string> {
    got.set_value(c);
    return std::string();
  });
  EXPECT_EQ(queue.local_workers("idle"), 1u);
  // A rolled-back enqueue hands nothing over.
  EXPECT_FALSE(db->write([&](store::Tx& tx) -> Status {
    SB_TRY(queue.enqueue(tx, "idle", {job(R"({"n":0})")}).status());
    return Status::conflict("rolled back");
  }));
  EXPECT_EQ(queue.info("idle")->counts.waiting + queue.info("idle")->counts.active, 0);
  std::string id = enqueue_one("idle", job(R"({"n":1})"));
  auto f = got.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  Claimed c = f.get();
  EXPECT_EQ(c.id, id);
  EXPECT_EQ(c.attempt, 1);
  EXPECT_EQ(metrics.counter("sb_jobs_handed_over_total", "").value(), 1) << "claimed in the enqueue's transaction";
  worker->stop();
  EXPECT_EQ(queue.local_workers("idle"), 0u);
  EXPECT_EQ(queue.info("idle")->counts.completed, 1);
}

// The hand-over inserts new jobs straight into the active state only when a
// claim would have chosen them: never from a paused queue. (That it never
// overtakes a ready job is not asserted as an order here: the worker's own
// dispatcher may claim that job concurrently, and then either order is
// right.)
TEST_P(JobQueueTest, TheHandOverGivesNothingFromAPausedQueueAndLosesNothingAfter) {
  std::mutex mu;
  std::vector<std::string> order;
  std::condition_variable cv;
  NewJob later = job(R"({"n":"older"})");
  later.delay_ms = 1000;
  std::string older = enqueue_one("ho", later);
  ASSERT_TRUE(queue.pause("ho"));
  // One runner: the order it sees is the order the jobs were handed out.
  auto worker = queue.work("ho", 1, [&](const Claimed& c) -> Result<std::string> {
    std::lock_guard lock(mu);
    order.push_back(c.id);
    cv.notify_all();
    return std::string();
  });
  std::string paused_job = enqueue_one("ho", job(R"({"n":"paused"})"));
  EXPECT_EQ(metrics.counter("sb_jobs_handed_over_total", "").value(), 0) << "paused: nothing handed over";
  EXPECT_EQ(queue.info("ho")->counts.active, 0);
  ASSERT_TRUE(queue.resume("ho"));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return order.size() == 1; }));
    EXPECT_EQ(order[0], paused_job);
  }
  clock.advance(2000ms);  // the older job is due now, still in the delayed state
  std::string fresh = enqueue_one("ho", job(R"({"n":"fresh"})"));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return order.size() == 3; }));
    EXPECT_EQ(std::set<std::string>(order.begin() + 1, order.end()), (std::set<std::string>{older, fresh}))
        << "both ran, once each";
  }
  worker->stop();
  EXPECT_EQ(queue.info("ho")->counts.completed, 3);
}

// A queue completing more than one retention batch (5,000) per interval is
// pruned again at the next tick instead of 30 s later: it cannot outgrow
// its retention.
TEST_P(JobQueueTest, RetentionThatFellBehindRunsAgainAtTheNextTick) {
  QueueSettings s;
  s.keep_completed_ms = 1000;
  ASSERT_TRUE(queue.configure("busy", s));
  constexpr int kJobs = 5001;
  std::vector<NewJob> many(kJobs, job("{}"));
  ASSERT_TRUE(queue.enqueue("busy", many).ok());
  for (int done = 0; done < kJobs;) {
    auto c = queue.claim("busy", {.max = 1000});
    ASSERT_TRUE(c.ok());
    ASSERT_FALSE(c->empty());
    std::vector<Ack> acks;
    for (auto& j : *c) acks.push_back({j.id, j.lease, ""});
    for (auto& st : queue.ack("busy", acks)) ASSERT_TRUE(st.is_ok()) << st.to_string();
    done += static_cast<int>(c->size());
  }
  clock.advance(2000ms);
  ASSERT_TRUE(queue.tick());
  EXPECT_EQ(queue.info("busy")->counts.completed, 1) << "one batch per pass";
  clock.advance(1000ms);
  ASSERT_TRUE(queue.tick());
  EXPECT_EQ(queue.info("busy")->counts.completed, 0) << "the next tick, not 30 s later";
}

// A module whose own rows record its jobs' outcomes keeps no completed jobs:
// they are deleted at their ack, unless an operator set a retention.
TEST_P(JobQueueTest, AQueueKeepingNoCompletedJobsDeletesThemAtTheirAck) {
  queue.keep_completed_by_default("gone", 0);
  for (int i = 0; i < 3; ++i) enqueue_one("gone", job(R"({})"));
  auto claimed = queue.claim("gone", {.max = 3});
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 3u);
  std::vector<Ack> acks;
  for (auto& c : *claimed) acks.push_back({c.id, c.lease, ""});
  for (auto& st : queue.ack("gone", acks)) EXPECT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_EQ(queue.info("gone")->counts.completed, 0);
  EXPECT_EQ(queue.get("gone", (*claimed)[0].id).status().code(), Code::kNotFound) << "deleted, not kept";
  EXPECT_EQ(queue.ack("gone", acks[0]).code(), Code::kNotFound) << "a repeated ack finds nothing";

  QueueSettings keep = queue.info("gone")->settings;
  keep.keep_completed = 10;  // the operator's choice wins
  ASSERT_TRUE(queue.configure("gone", keep));
  std::string kept = enqueue_one("gone", job(R"({})"));
  auto again = queue.claim("gone", {.max = 1});
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_TRUE(queue.ack("gone", std::vector<Ack>{{kept, (*again)[0].lease, ""}}).front().is_ok());
  EXPECT_EQ(queue.info("gone")->counts.completed, 1);
}

TEST_P(JobQueueTest, RepeatableJobEnqueuesOncePerTickAcrossInstances) {
  events::EventLog log2(*db, clock);
  Queue other(*db, log2, clock);
  Schedule s;
  s.name = "digest";
  s.queue = "cron";
  s.every_ms = 60'000;
  s.job = job(R"({"kind":"digest"})");
  ASSERT_TRUE(queue.add_schedule(s));
  ASSERT_TRUE(queue.tick());
  EXPECT_EQ(queue.info("cron")->counts.waiting, 0) << "not due yet";
  for (int tick = 1; tick <= 3; ++tick) {
    clock.advance(60'000ms);
    ASSERT_TRUE(other.tick());
    ASSERT_TRUE(queue.tick());
    EXPECT_EQ(queue.info("cron")->counts.waiting, tick) << "one job per tick, whichever instance ticked";
  }
  auto c = claim("cron");
  EXPECT_EQ(c.front().payload, R"({"kind":"digest"})");
  Schedule bad = s;
  bad.every_ms = 0;
  bad.cron = "61 * * * *";
  EXPECT_EQ(queue.add_schedule(bad).fields().front().field, "cron");
  bad.cron = "0 9 * * MON";
  bad.tz = "Mars/Olympus";
  EXPECT_EQ(queue.add_schedule(bad).fields().front().field, "tz");
}

TEST_P(JobQueueTest, BadInputNamesTheField) {
  EXPECT_EQ(queue.enqueue("bad name", {job("{}")}).status().fields().front().field, "queue");
  EXPECT_EQ(queue.enqueue(std::string(65, 'q'), {job("{}")}).status().fields().front().field, "queue");
  NewJob j = job("{}");
  j.priority = 2'000'000'000;
  EXPECT_EQ(queue.enqueue("q", {j}).status().fields().front().field, "/priority");
  j = job("{}");
  j.max_attempts = 0;
  EXPECT_EQ(queue.enqueue("q", {job("{}"), j}).status().fields().front().field, "/1/max_attempts");
  EXPECT_EQ(queue.info("q")->counts.waiting, 0) << "nothing of a refused batch is written";
  j = job(std::string(300 * 1024, ' '));
  EXPECT_EQ(queue.enqueue("q", {j}).status().fields().front().field, "/payload");
}

INSTANTIATE_TEST_SUITE_P(Engines, JobQueueTest, ::testing::ValuesIn(test::all_engines()), test::engine_name);

// Two instances on one database claim concurrently: no job is held by two
// workers at once, and every job is completed exactly once.
TEST(JobQueueConcurrency, TwoInstancesNeverClaimTheSameJob) {
  for (auto engine : test::all_engines()) {
    SCOPED_TRACE(test::engine_name({engine, 0}));
    auto db = test::open_test_db(engine);
    auto db2 = store::open(db.url());
    ASSERT_TRUE(db2.ok());
    Clock& clock = Clock::system();
    events::EventLog log1(*db, clock), log2(**db2, clock);
    Queue q1(*db, log1, clock), q2(**db2, log2, clock);
    constexpr int kJobs = 600;
    std::vector<NewJob> batch(kJobs, job("{}"));
    ASSERT_TRUE(q1.enqueue("shared", batch).ok());
    std::mutex mu;
    std::multiset<std::string> done;
    auto claimer = [&](Queue& q) {
      while (true) {
        auto c = q.claim("shared", {7, 60'000, 0});
        ASSERT_TRUE(c.ok()) << c.status().to_string();
        if (c->empty()) return;
        std::vector<Ack> acks;
        for (auto& j : *c) acks.push_back({j.id, j.lease, ""});
        for (auto& s : q.ack("shared", acks)) ASSERT_TRUE(s) << s.to_string();
        std::lock_guard lock(mu);
        for (auto& j : *c) done.insert(j.id);
      }
    };
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) threads.emplace_back(claimer, i % 2 ? std::ref(q1) : std::ref(q2));
    for (auto& t : threads) t.join();
    EXPECT_EQ(done.size(), static_cast<size_t>(kJobs));
    EXPECT_EQ(std::set<std::string>(done.begin(), done.end()).size(), static_cast<size_t>(kJobs));
    EXPECT_EQ(q1.info("shared")->counts.completed, kJobs);
    q2.stop();
    (*db2)->close();
  }
}

}  // namespace
}  // namespace sb::jobs
