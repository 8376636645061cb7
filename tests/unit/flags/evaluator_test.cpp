// Evaluator: a set published on one thread is what readers on others
// evaluate next, while they keep evaluating (no sleeps: the threads hand
// over through atomics).
#include "flags/evaluator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <thread>

namespace sb::flags {
namespace {

std::shared_ptr<const FlagSet> set_with(bool enabled, const char* variant) {
  std::string doc = std::string(R"({"features":[{"name":"f","enabled":)") + (enabled ? "true" : "false") +
                    R"(,"strategies":[],"variants":[{"name":")" + variant +
                    R"(","weight":1000,"payload":{"type":"string","value":")" + variant + R"("}}]}]})";
  auto r = FlagSet::compile(boost::json::parse(doc));
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return *r;
}

TEST(Evaluator, StartsEmpty) {
  Evaluator ev;
  EXPECT_FALSE(ev.is_enabled("f", {}));
  EXPECT_EQ(ev.variant("f", {}).name, "disabled");
  EXPECT_TRUE(ev.snapshot()->names().empty());
}

TEST(Evaluator, AReaderSeesEachPublishOnItsNextCall) {
  Evaluator ev;
  ev.publish(set_with(true, "one"));
  EXPECT_TRUE(ev.is_enabled("f", {}));
  EXPECT_EQ(ev.variant("f", {}).name, "one");
  ev.publish(set_with(false, "one"));
  EXPECT_FALSE(ev.is_enabled("f", {}));
  auto v = ev.variant("f", {});
  ev.publish(set_with(true, "two"));
  auto w = ev.variant("f", {});
  EXPECT_EQ(w.name, "two");
  ASSERT_TRUE(w.payload.has_value());
  EXPECT_EQ(w.payload->value, "two");
  EXPECT_EQ(v.name, "disabled") << "an owned variant outlives the set it came from";
}

TEST(Evaluator, EvaluatorsDoNotShareAThreadsCache) {
  Evaluator a, b;
  a.publish(set_with(true, "a"));
  b.publish(set_with(true, "b"));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a.variant("f", {}).name, "a");
    EXPECT_EQ(b.variant("f", {}).name, "b");
  }
  {
    Evaluator c;  // may reuse a's or b's address after they die; never their cache
    c.publish(set_with(true, "c"));
    EXPECT_EQ(c.variant("f", {}).name, "c");
  }
  Evaluator d;
  EXPECT_FALSE(d.is_enabled("f", {}));
}

TEST(Evaluator, ReadersKeepEvaluatingWhileAnotherThreadPublishes) {
  Evaluator ev;
  auto on = set_with(true, "on");
  auto off = set_with(false, "off");
  ev.publish(off);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads{0};
  std::atomic<bool> saw_on{false}, saw_off{false}, saw_bad_variant{false};
  std::atomic<int> finals_on{0};
  auto reader = [&] {
    Context ctx;
    ctx.user_id = "u";
    while (!stop.load(std::memory_order_acquire)) {
      bool e = ev.is_enabled("f", ctx);
      (e ? saw_on : saw_off).store(true, std::memory_order_relaxed);
      auto v = ev.variant("f", ctx);
      if (v.name != "on" && v.name != "disabled") saw_bad_variant = true;
      if (v.enabled != (v.name == "on")) saw_bad_variant = true;
      auto snap = ev.snapshot();
      if (!snap || !snap->contains("f")) saw_bad_variant = true;
      reads.fetch_add(1, std::memory_order_release);
    }
    // `stop` was set after the last publish: this thread's cached set must
    // give way to it.
    if (ev.is_enabled("f", ctx)) ++finals_on;
  };
  std::thread r1(reader), r2(reader);
  auto wait_reads = [&](uint64_t more) {
    uint64_t target = reads.load(std::memory_order_acquire) + more;
    while (reads.load(std::memory_order_acquire) < target) std::this_thread::yield();
  };
  wait_reads(10);
  for (int i = 0; i < 2000; ++i) {
    ev.publish(i % 2 ? off : set_with(true, "on"));  // fresh sets too: old ones die while read
    if (i % 100 == 0) wait_reads(2);
  }
  ev.publish(on);
  wait_reads(4);
  stop.store(true, std::memory_order_release);
  r1.join();
  r2.join();
  EXPECT_EQ(finals_on.load(), 2);
  EXPECT_TRUE(ev.is_enabled("f", {}));
  EXPECT_TRUE(saw_on.load());
  EXPECT_TRUE(saw_off.load());
  EXPECT_FALSE(saw_bad_variant.load());
}

TEST(Evaluator, PublishingNullMeansEmpty) {
  Evaluator ev;
  ev.publish(set_with(true, "x"));
  ev.publish(nullptr);
  EXPECT_FALSE(ev.is_enabled("f", {}));
  EXPECT_NE(ev.snapshot(), nullptr);
}

}  // namespace
}  // namespace sb::flags
