// The event log on both engines: ordering, idempotency, outbox semantics,
// group commit under concurrency, live feed resume.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <set>
#include <thread>

#include "core/clock.h"
#include "core/metrics.h"
#include "events/event_log.h"
#include "events/live_feed.h"
#include "test_databases.h"

namespace sb::events {
namespace {

using sb::test::open_test_db;

Event make(const std::string& id, const std::string& type, const std::string& subject = "") {
  Event e;
  e.id = id;
  e.source = "/test";
  e.type = type;
  e.subject = subject;
  e.data_json = R"({"n":1})";
  return e;
}

class EventLogTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  EventLogTest() : db(open_test_db(GetParam())), log(*db, clock, &metrics) {}
  ManualClock clock;
  sb::test::TestDb db;
  metrics::Registry metrics;
  EventLog log;
};

TEST_P(EventLogTest, AppendsInOrderAndIsIdempotentOnSourceAndId) {
  auto first = log.publish({make("a", "user.registered", "u1"), make("b", "order.created")});
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_LT((*first)[0].sequence, (*first)[1].sequence);
  auto again = log.publish({make("a", "user.registered", "u1")});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)[0].duplicate);
  EXPECT_EQ((*again)[0].sequence, (*first)[0].sequence);
  Event other_source = make("a", "user.registered");
  other_source.source = "/elsewhere";
  auto third = log.publish({other_source});
  EXPECT_FALSE((*third)[0].duplicate);
  EXPECT_EQ(log.head(), (*third)[0].sequence);

  auto all = log.read({"*", "", 0, 100});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  auto users = log.read({"user.*", "", 0, 100});
  EXPECT_EQ(users->size(), 2u);
  auto by_subject = log.read({"*", "u1", 0, 100});
  ASSERT_EQ(by_subject->size(), 1u);
  EXPECT_NE(by_subject->front().envelope.find("\"subject\":\"u1\""), std::string::npos);
  auto after = log.read({"*", "", (*first)[1].sequence, 100});
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(after->front().sequence, (*third)[0].sequence);
  EXPECT_EQ(log.read({"*", "", 0, 2})->size(), 2u);
  EXPECT_NE(metrics.render().find("sb_events_appended_total 3"), std::string::npos);
}

TEST_P(EventLogTest, EventsShareTheCallersTransactionAndRollBackWithIt) {
  Status failed = db->write([&](store::Tx& tx) -> Status {
    SB_TRY(log.append(tx, make("x", "config.updated")));
    return Status::conflict("the state change failed");
  });
  EXPECT_EQ(failed.code(), Code::kConflict);
  EXPECT_TRUE(log.read({"*", "", 0, 100})->empty());
  EXPECT_EQ(log.head(), 0);
  Status ok = db->write([&](store::Tx& tx) -> Status {
    SB_TRY(tx.exec("INSERT INTO config_values (key, value, updated_at) VALUES ('k', '1', 0)"));
    return log.append(tx, make("y", "config.updated")).status();
  });
  ASSERT_TRUE(ok) << ok.to_string();
  EXPECT_EQ(log.read({"*", "", 0, 100})->size(), 1u);
}

TEST_P(EventLogTest, ConcurrentPublishersAllGetDistinctDurableSequences) {
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<int64_t> seqs;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = log.publish({make(std::to_string(t) + "-" + std::to_string(i), "load.test")});
        if (!r.ok()) {
          ++failures;
          continue;
        }
        std::lock_guard lock(mu);
        seqs.insert((*r)[0].sequence);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(seqs.size(), static_cast<size_t>(kThreads * kEach));
  // Reopen: everything acknowledged is still there, and in sequence order.
  db.reopen();
  EventLog reopened(*db, clock);
  EXPECT_EQ(reopened.head(), *seqs.rbegin());
  int64_t after = 0;
  size_t total = 0;
  for (;;) {
    auto page = reopened.read({"load.test", "", after, 1000});
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    for (auto& e : *page) {
      EXPECT_GT(e.sequence, after);
      after = e.sequence;
      ++total;
    }
  }
  EXPECT_EQ(total, seqs.size());
}

// A batch larger than one insert statement (64 rows) that mixes events already
// in the log with new ones: the statement's row count is short, so the log
// must learn exactly which rows went in, give repeats their stored sequence,
// and count only the new ones.
TEST_P(EventLogTest, ABatchMixingLoggedAndNewEventsStoresOnlyTheNewOnes) {
  std::vector<Event> first;
  for (int i = 0; i < 10; ++i) first.push_back(make("old-" + std::to_string(i), "mix.old"));
  auto logged = log.publish(std::move(first));
  ASSERT_TRUE(logged.ok()) << logged.status().to_string();

  std::vector<Event> mixed;
  std::vector<int> repeat_of(80, -1);
  for (int i = 0; i < 80; ++i) {
    if (i % 8 == 3) {
      repeat_of[i] = i % 10;
      mixed.push_back(make("old-" + std::to_string(i % 10), "mix.old"));
    } else {
      mixed.push_back(make("new-" + std::to_string(i), "mix.new"));
    }
  }
  auto out = log.publish(std::move(mixed));
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ(out->size(), 80u);
  std::set<int64_t> fresh;
  for (int i = 0; i < 80; ++i) {
    if (repeat_of[i] >= 0) {
      EXPECT_TRUE((*out)[i].duplicate) << i;
      EXPECT_EQ((*out)[i].sequence, (*logged)[repeat_of[i]].sequence) << i;
    } else {
      EXPECT_FALSE((*out)[i].duplicate) << i;
      EXPECT_GT((*out)[i].sequence, (*logged)[9].sequence) << i;
      fresh.insert((*out)[i].sequence);
    }
  }
  EXPECT_EQ(fresh.size(), 70u);
  EXPECT_EQ(log.read({"mix.new", "", 0, 1000})->size(), 70u);
  EXPECT_EQ(log.read({"mix.old", "", 0, 1000})->size(), 10u);
  EXPECT_EQ(log.head(), *fresh.rbegin());
  EXPECT_NE(metrics.render().find("sb_events_appended_total 80"), std::string::npos);
}

// A log written under the schema before migration 0005 (which rebuilds the
// SQLite table around `sequence`) keeps every event, its sequence, its
// idempotency and its subject lookups after upgrading.
TEST(EventLogUpgrade, EventsWrittenBeforeMigration5SurviveIt) {
  for (store::Engine engine : sb::test::all_engines()) {
    SCOPED_TRACE(sb::test::engine_label(engine));
    auto db = sb::test::open_blank_test_db(engine);
    ASSERT_TRUE(store::migrate(*db, 4));
    ManualClock clock;
    std::vector<Appended> before;
    {
      EventLog old_log(*db, clock);
      auto r = old_log.publish({make("a", "user.registered", "u1"), make("b", "order.created"),
                                make("c", "user.deleted", "u1")});
      ASSERT_TRUE(r.ok()) << r.status().to_string();
      before = *r;
    }
    ASSERT_TRUE(store::migrate(*db));
    EventLog log(*db, clock);
    EXPECT_EQ(log.head(), before[2].sequence);
    auto again = log.publish({make("b", "order.created"), make("d", "order.created")});
    ASSERT_TRUE(again.ok()) << again.status().to_string();
    EXPECT_TRUE((*again)[0].duplicate);
    EXPECT_EQ((*again)[0].sequence, before[1].sequence);
    EXPECT_GT((*again)[1].sequence, before[2].sequence);
    auto by_subject = log.read({"*", "u1", 0, 100});
    ASSERT_TRUE(by_subject.ok());
    ASSERT_EQ(by_subject->size(), 2u);
    EXPECT_EQ((*by_subject)[0].sequence, before[0].sequence);
    EXPECT_EQ((*by_subject)[1].sequence, before[2].sequence);
    EXPECT_NE((*by_subject)[0].envelope.find("\"id\":\"a\""), std::string::npos);
    if (engine == store::Engine::kSqlite) {
      // The point of 0005 on SQLite: `sequence` is the rowid, with no second
      // index beside it.
      Status s = db->read([](store::Tx& tx) -> Status {
        SB_ASSIGN(auto rows, tx.query("SELECT COUNT(*) FROM sqlite_master WHERE tbl_name = 'events' AND "
                                      "name LIKE 'sqlite_autoindex%'"));
        EXPECT_EQ(rows[0].int_at(0), 0);
        return {};
      });
      EXPECT_TRUE(s) << s.to_string();
    }
  }
}

// Collects live deliveries; lets the test wait for a count without sleeping.
class Collector : public LiveSubscriber {
 public:
  bool deliver(const StoredEvent& e) override {
    std::lock_guard lock(mu);
    got.push_back(e.sequence);
    types.push_back(e.type);
    cv.notify_all();
    return true;
  }
  bool heartbeat() override {
    ++heartbeats;
    return true;
  }
  bool wait_for(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.size() >= n; });
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int64_t> got;
  std::vector<std::string> types;
  std::atomic<int> heartbeats{0};
};

TEST_P(EventLogTest, LiveFeedCatchesUpFromACursorThenDeliversNewEventsInOrder) {
  std::vector<int64_t> seqs;
  for (int i = 0; i < 5; ++i) seqs.push_back((*log.publish({make("h" + std::to_string(i), i % 2 ? "chat.msg" : "other.x")}))[0].sequence);
  LiveFeedOptions opts;
  opts.ring_size = 2;  // force the Db catch-up path
  opts.poll_ms = 50;
  LiveFeed feed(log, clock, opts);
  feed.start();
  auto all = std::make_shared<Collector>();
  auto chat = std::make_shared<Collector>();
  feed.subscribe("*", seqs[1], all);     // resume after the second event
  feed.subscribe("chat.*", 0, chat);
  ASSERT_TRUE(all->wait_for(3));
  EXPECT_EQ(all->got, (std::vector<int64_t>{seqs[2], seqs[3], seqs[4]}));
  auto live = log.publish({make("live", "chat.msg")});
  ASSERT_TRUE(all->wait_for(4));
  ASSERT_TRUE(chat->wait_for(3));
  EXPECT_EQ(all->got.back(), (*live)[0].sequence);
  EXPECT_EQ(chat->got, (std::vector<int64_t>{seqs[1], seqs[3], (*live)[0].sequence}));
  feed.stop();
}

// The feed reads only what its subscribers' patterns match. A subscriber
// with a new pattern restarts the ring: it catches up from the Db, and the
// subscribers already there neither miss nor repeat anything.
TEST_P(EventLogTest, LiveFeedWithANewPatternCatchesUpWithoutGapsOrRepeatsForOthers) {
  LiveFeedOptions opts;
  opts.poll_ms = 50;
  LiveFeed feed(log, clock, opts);
  feed.start();
  auto a = std::make_shared<Collector>();
  feed.subscribe("a.*", log.head(), a);
  std::vector<int64_t> a_seqs, b_seqs;
  for (int i = 0; i < 6; ++i) {
    auto r = log.publish({make("x" + std::to_string(i), i % 2 ? "b.evt" : "a.evt")});
    ASSERT_TRUE(r.ok());
    (i % 2 ? b_seqs : a_seqs).push_back((*r)[0].sequence);
  }
  ASSERT_TRUE(a->wait_for(3));
  // b.* was never read into the ring; the newcomer gets it from the Db.
  auto b = std::make_shared<Collector>();
  feed.subscribe("b.*", 0, b);
  ASSERT_TRUE(b->wait_for(3));
  EXPECT_EQ(b->got, b_seqs);
  for (int i = 6; i < 10; ++i) {
    auto r = log.publish({make("x" + std::to_string(i), i % 2 ? "b.evt" : "a.evt")});
    ASSERT_TRUE(r.ok());
    (i % 2 ? b_seqs : a_seqs).push_back((*r)[0].sequence);
  }
  ASSERT_TRUE(a->wait_for(5));
  ASSERT_TRUE(b->wait_for(5));
  EXPECT_EQ(a->got, a_seqs);
  EXPECT_EQ(b->got, b_seqs);
  for (auto& t : a->types) EXPECT_EQ(t, "a.evt");
  feed.stop();
}

TEST_P(EventLogTest, LiveFeedSendsHeartbeatsOnTheInjectedClock) {
  LiveFeedOptions opts;
  opts.poll_ms = 10;
  opts.heartbeat_ms = 1000;
  LiveFeed feed(log, clock, opts);
  feed.start();
  auto c = std::make_shared<Collector>();
  feed.subscribe("*", 0, c);
  clock.advance(std::chrono::milliseconds(999));
  // Wake the feed with an unrelated commit so it runs a round at this time.
  ASSERT_TRUE(log.publish({make("p1", "ping.x")}).ok());
  ASSERT_TRUE(c->wait_for(1));
  EXPECT_EQ(c->heartbeats.load(), 0);
  clock.advance(std::chrono::milliseconds(2000));
  for (int i = 0; i < 500 && c->heartbeats.load() == 0; ++i) std::this_thread::yield(), std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_GE(c->heartbeats.load(), 1);
  feed.stop();
}

INSTANTIATE_TEST_SUITE_P(Engines, EventLogTest, ::testing::ValuesIn(sb::test::all_engines()), sb::test::engine_name);

}  // namespace
}  // namespace sb::events
