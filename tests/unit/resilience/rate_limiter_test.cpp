#include "resilience/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace sb::resilience {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

const std::string kField = "/rate_limits/login";

RateLimit parse_ok(std::string_view text) {
  auto r = parse_rate_limit(text, kField);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().to_string();
  return r.ok() ? *r : RateLimit{-1, -1};
}

// ---- parse_rate_limit -------------------------------------------------------

TEST(ParseRateLimit, AcceptsTheDocumentedForms) {
  EXPECT_EQ(parse_ok("10/1m"), (RateLimit{10, 60'000}));
  EXPECT_EQ(parse_ok("3/10m"), (RateLimit{3, 600'000}));
  EXPECT_EQ(parse_ok("100/s"), (RateLimit{100, 1'000}));
  EXPECT_EQ(parse_ok("5/30s"), (RateLimit{5, 30'000}));
  EXPECT_EQ(parse_ok("1000/1h"), (RateLimit{1000, 3'600'000}));
  EXPECT_EQ(parse_ok("5/1d"), (RateLimit{5, 86'400'000}));
  EXPECT_EQ(parse_ok("20/500ms"), (RateLimit{20, 500}));
  EXPECT_EQ(parse_ok("  10/1m\t"), (RateLimit{10, 60'000}));
  EXPECT_EQ(parse_ok("1000000000/30d"), (RateLimit{kMaxRateCount, kMaxRatePeriodMs}));
  RateLimit off = parse_ok("off");
  EXPECT_FALSE(off.enabled());
  EXPECT_EQ(off.count, 0);
}

TEST(ParseRateLimit, RejectsEverythingElseNamingTheField) {
  for (std::string_view bad :
       {"", "   ", "10", "10/", "/1m", "10/60", "0/1m", "-1/1m", "+5/1m", "10/0m", "10/-1m",
        "10/1y", "10/1M", "10/1min", "ten/1m", "10/m5", "10 /1m", "10/ 1m", "1.5/1m", "10/1.5m",
        "OFF", "off/1m", "99999999999999999999/1m", "10/99999999999999999999s", "1000000001/1h",
        "10/31d", "10/2592000001ms", "10/1m/1h"}) {
    auto r = parse_rate_limit(bad, kField);
    ASSERT_FALSE(r.ok()) << "accepted \"" << bad << "\"";
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    ASSERT_EQ(r.status().fields().size(), 1u) << bad;
    EXPECT_EQ(r.status().fields()[0].field, kField) << bad;
    EXPECT_NE(r.status().message().find(kField), std::string::npos) << r.status().message();
  }
}

TEST(ParseRateLimit, ErrorsSayWhatIsWrong) {
  auto msg = [](std::string_view t) { return parse_rate_limit(t, kField).status().message(); };
  EXPECT_NE(msg("0/1m").find("at least 1"), std::string::npos) << msg("0/1m");
  EXPECT_NE(msg("10/1y").find("unknown unit \"y\""), std::string::npos) << msg("10/1y");
  EXPECT_NE(msg("99999999999999999999/1m").find("too large"), std::string::npos);
  EXPECT_NE(msg("2000000000/1m").find("at most 1000000000"), std::string::npos);
  EXPECT_NE(msg("10/0s").find("positive"), std::string::npos);
  EXPECT_NE(msg("10/31d").find("too long"), std::string::npos);
  EXPECT_NE(msg("10/99999999999999999999s").find("too long"), std::string::npos);
  EXPECT_NE(msg("banana").find("\"banana\""), std::string::npos);
}

TEST(ParseRateLimit, FormatRoundTrips) {
  EXPECT_EQ(format_rate_limit({10, 60'000}), "10/1m");
  EXPECT_EQ(format_rate_limit({100, 1'000}), "100/1s");
  EXPECT_EQ(format_rate_limit({5, 30'000}), "5/30s");
  EXPECT_EQ(format_rate_limit({1000, 3'600'000}), "1000/1h");
  EXPECT_EQ(format_rate_limit({3, 90'000}), "3/90s");
  EXPECT_EQ(format_rate_limit({3, 1'500}), "3/1500ms");
  EXPECT_EQ(format_rate_limit({}), "off");
  for (std::string_view s : {"10/1m", "3/10m", "5/30s", "1000/1h", "7/2d", "20/500ms"})
    EXPECT_EQ(parse_ok(format_rate_limit(parse_ok(s))), parse_ok(s)) << s;
}

// ---- GCRA behaviour ---------------------------------------------------------

const RateLimit k10PerMin{10, 60'000};  // T = 6s

TEST(RateLimiter, AllowsTheFullBurstThenDeniesWithExactRetryAfter) {
  ManualClock clock;
  RateLimiter rl(clock);
  for (int i = 0; i < 10; ++i) {
    Decision d = rl.take("login", k10PerMin, "1.2.3.4");
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 10);
    EXPECT_EQ(d.remaining, 9 - i);
    EXPECT_EQ(d.reset_ms, 6'000 * (i + 1));
    EXPECT_EQ(d.retry_after_ms, 0);
    EXPECT_EQ(d.window_ms, 60'000);
  }
  Decision d = rl.take("login", k10PerMin, "1.2.3.4");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(d.retry_after_ms, 6'000);
  EXPECT_EQ(d.reset_ms, 60'000);
  // A denied call spends nothing: asking again gives the same answer.
  clock.advance(Millis(1'000));
  d = rl.take("login", k10PerMin, "1.2.3.4");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 5'000);
  EXPECT_EQ(d.reset_ms, 59'000);
}

TEST(RateLimiter, ReplenishesOneUnitPerEmissionInterval) {
  ManualClock clock;
  RateLimiter rl(clock);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(rl.take("r", k10PerMin, "k").allowed);
  clock.advance(Millis(5'999));
  Decision d = rl.take("r", k10PerMin, "k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 1);
  clock.advance(Millis(1));
  d = rl.take("r", k10PerMin, "k");
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_FALSE(rl.take("r", k10PerMin, "k").allowed);

  clock.advance(Millis(18'000));  // three intervals: exactly three more
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(rl.take("r", k10PerMin, "k").allowed) << i;
  d = rl.take("r", k10PerMin, "k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 6'000);

  clock.advance(Millis(60'000));  // fully replenished, never more than count
  d = rl.take("r", k10PerMin, "k", 0);
  EXPECT_EQ(d.remaining, 10);
  EXPECT_EQ(d.reset_ms, 0);
  clock.advance(Millis(3'600'000));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(rl.take("r", k10PerMin, "k").allowed) << i;
  EXPECT_FALSE(rl.take("r", k10PerMin, "k").allowed);
}

TEST(RateLimiter, RemainingTracksPartialRefillAndCostZeroPeeks) {
  ManualClock clock;
  RateLimiter rl(clock);
  Decision peek = rl.take("r", k10PerMin, "k", 0);
  EXPECT_TRUE(peek.allowed);
  EXPECT_EQ(peek.remaining, 10);
  EXPECT_EQ(rl.size(), 0u);  // peeking a missing key stores nothing
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(rl.take("r", k10PerMin, "k").allowed);
  clock.advance(Millis(31'000));  // 5 units and 1/6 of one back
  peek = rl.take("r", k10PerMin, "k", 0);
  EXPECT_TRUE(peek.allowed);
  EXPECT_EQ(peek.remaining, 5);
  EXPECT_EQ(peek.reset_ms, 29'000);
  peek = rl.take("r", k10PerMin, "k", -3);  // negative cost = peek
  EXPECT_EQ(peek.remaining, 5);
}

TEST(RateLimiter, CostAboveOneSpendsSeveralUnits) {
  ManualClock clock;
  RateLimiter rl(clock);
  Decision d = rl.take("r", k10PerMin, "k", 4);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 6);
  EXPECT_EQ(d.reset_ms, 24'000);
  EXPECT_EQ(rl.take("r", k10PerMin, "k", 4).remaining, 2);
  d = rl.take("r", k10PerMin, "k", 4);  // needs 2 more units back: 12s
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 2);
  EXPECT_EQ(d.retry_after_ms, 12'000);
  d = rl.take("r", k10PerMin, "k", 2);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  clock.advance(Millis(12'000));
  EXPECT_TRUE(rl.take("r", k10PerMin, "k", 2).allowed);
}

TEST(RateLimiter, CostAboveCountNeverFitsAndSpendsNothing) {
  ManualClock clock;
  RateLimiter rl(clock);
  Decision d = rl.take("r", k10PerMin, "k", 11);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 60'000);
  EXPECT_EQ(d.remaining, 10);
  EXPECT_EQ(rl.size(), 0u);
  EXPECT_TRUE(rl.take("r", k10PerMin, "k", 10).allowed);
}

TEST(RateLimiter, KeysAndRulesAreIndependent) {
  ManualClock clock;
  RateLimiter rl(clock);
  const RateLimit two{2, 60'000};
  EXPECT_TRUE(rl.take("login", two, "a").allowed);
  EXPECT_TRUE(rl.take("login", two, "a").allowed);
  EXPECT_FALSE(rl.take("login", two, "a").allowed);
  EXPECT_TRUE(rl.take("login", two, "b").allowed);    // other key
  EXPECT_TRUE(rl.take("signup", two, "a").allowed);   // other rule, same key
  EXPECT_EQ(rl.take("signup", two, "a").remaining, 0);
  // (rule, key) is a pair, not a concatenation.
  EXPECT_TRUE(rl.take("ab", {1, 60'000}, "c").allowed);
  EXPECT_TRUE(rl.take("a", {1, 60'000}, "bc").allowed);
  EXPECT_FALSE(rl.take("ab", {1, 60'000}, "c").allowed);
  EXPECT_EQ(rl.size(), 5u);
}

TEST(RateLimiter, CountsThatDoNotDivideThePeriod) {
  ManualClock clock;
  RateLimiter rl(clock);
  const RateLimit seven{7, 1'000};  // T = 142.857ms
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(rl.take("r", seven, "k").allowed) << i;
  Decision d = rl.take("r", seven, "k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 143);  // rounded up
  EXPECT_EQ(d.reset_ms, 1'000);
  clock.advance(Millis(142));
  EXPECT_FALSE(rl.take("r", seven, "k").allowed);
  clock.advance(Millis(1));
  EXPECT_TRUE(rl.take("r", seven, "k").allowed);
  clock.advance(Millis(1'000));
  for (int i = 0; i < 7; ++i) EXPECT_TRUE(rl.take("r", seven, "k").allowed) << i;
  EXPECT_FALSE(rl.take("r", seven, "k").allowed);
}

TEST(RateLimiter, DisabledLimitAllowsEverythingAndStoresNothing) {
  ManualClock clock;
  RateLimiter rl(clock);
  for (RateLimit off : {RateLimit{}, RateLimit{0, 60'000}, RateLimit{10, 0}, RateLimit{-1, 1}}) {
    for (int i = 0; i < 100; ++i) {
      Decision d = rl.take("r", off, "k");
      ASSERT_TRUE(d.allowed);
      EXPECT_EQ(d.limit, 0);
      EXPECT_EQ(d.retry_after_ms, 0);
    }
  }
  EXPECT_EQ(rl.size(), 0u);
}

TEST(RateLimiter, ResetForgetsOneKey) {
  ManualClock clock;
  RateLimiter rl(clock);
  const RateLimit one{1, 3'600'000};
  EXPECT_TRUE(rl.take("r", one, "a").allowed);
  EXPECT_TRUE(rl.take("r", one, "b").allowed);
  EXPECT_FALSE(rl.take("r", one, "a").allowed);
  rl.reset("r", "a");
  rl.reset("r", "missing");
  EXPECT_EQ(rl.size(), 1u);
  EXPECT_TRUE(rl.take("r", one, "a").allowed);
  EXPECT_FALSE(rl.take("r", one, "b").allowed);
}

// ---- hot reload ---------------------------------------------------------------

TEST(RateLimiter, RaisingTheLimitRefillsAtTheNewRate) {
  ManualClock clock;
  RateLimiter rl(clock);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(rl.take("r", k10PerMin, "k").allowed);
  const RateLimit k20PerMin{20, 60'000};  // T = 3s
  // The stored state is time: an empty bucket stays empty, but refills twice as fast.
  Decision d = rl.take("r", k20PerMin, "k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.limit, 20);
  EXPECT_EQ(d.retry_after_ms, 3'000);
  clock.advance(Millis(6'000));
  EXPECT_TRUE(rl.take("r", k20PerMin, "k").allowed);
  EXPECT_TRUE(rl.take("r", k20PerMin, "k").allowed);
  EXPECT_FALSE(rl.take("r", k20PerMin, "k").allowed);
  // And a full bucket under the old limit is a full bucket under the new one.
  clock.advance(Millis(60'000));
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(rl.take("r", k20PerMin, "k").allowed) << i;
  EXPECT_FALSE(rl.take("r", k20PerMin, "k").allowed);
}

TEST(RateLimiter, LoweringTheLimitAppliesToTheNextCall) {
  ManualClock clock;
  RateLimiter rl(clock);
  const RateLimit k100PerMin{100, 60'000};  // T = 600ms
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(rl.take("r", k100PerMin, "k").allowed);  // 6s spent
  const RateLimit k5PerMin{5, 60'000};  // T = 12s: 6s spent is half a unit
  Decision d = rl.take("r", k5PerMin, "k", 0);
  EXPECT_EQ(d.remaining, 4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(rl.take("r", k5PerMin, "k").allowed) << i;
  d = rl.take("r", k5PerMin, "k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 6'000);
}

TEST(RateLimiter, ShorteningThePeriodNeverLocksOutLongerThanTheNewPeriod) {
  ManualClock clock;
  RateLimiter rl(clock);
  const RateLimit hourly{1, 3'600'000};
  EXPECT_TRUE(rl.take("r", hourly, "k").allowed);
  EXPECT_FALSE(rl.take("r", hourly, "k").allowed);
  const RateLimit per_sec{1, 1'000};
  Decision d = rl.take("r", per_sec, "k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 1'000);
  EXPECT_EQ(d.reset_ms, 1'000);
  clock.advance(Millis(1'000));
  EXPECT_TRUE(rl.take("r", per_sec, "k").allowed);
}

// ---- memory bound -------------------------------------------------------------

TEST(RateLimiter, EvictionKeepsTheBoundAndAlwaysAdmitsFreshKeys) {
  ManualClock clock;
  RateLimiter rl(clock, 4);  // at most 16 * 4 entries
  const RateLimit hourly{1, 3'600'000};
  for (int i = 0; i < 5'000; ++i) {
    ASSERT_TRUE(rl.take("r", hourly, "key-" + std::to_string(i)).allowed) << i;
    ASSERT_LE(rl.size(), RateLimiter::kShards * 4);
  }
  EXPECT_GT(rl.size(), 0u);
}

TEST(RateLimiter, EvictionDropsReplenishedEntriesFirst) {
  ManualClock clock;
  RateLimiter rl(clock, 64);
  const RateLimit hourly{1, 3'600'000};
  // A stream of short-lived keys (each full again a second later) with a few
  // long-lived ones among them: only the replenished ones may be forgotten.
  int victims = 0;
  for (int i = 0; i < 20'000; ++i) {
    if (i % 500 == 0) {
      ASSERT_TRUE(rl.take("login", hourly, "victim-" + std::to_string(victims++)).allowed);
    }
    ASSERT_TRUE(rl.take("burst", {1, 1'000}, "k" + std::to_string(i)).allowed);
    if (i % 10 == 9) clock.advance(Millis(1'000));
  }
  ASSERT_LE(rl.size(), RateLimiter::kShards * 64);
  for (int v = 0; v < victims; ++v)
    EXPECT_FALSE(rl.take("login", hourly, "victim-" + std::to_string(v)).allowed) << v;
}

TEST(RateLimiter, EvictionDropsEntriesClosestToFullBeforeOthers) {
  ManualClock clock;
  RateLimiter rl(clock, 64);
  const RateLimit hourly{1, 3'600'000};
  // Frozen clock, all live: each flood entry is full again in 3.6s, each victim
  // in 1h. Victims arrive interleaved with the flood, so insertion order (or
  // hash-table order) says nothing about which entries must survive.
  int victims = 0;
  for (int i = 0; i < 20'000; ++i) {
    if (i >= 15'000 && i % 50 == 0) {
      ASSERT_TRUE(rl.take("login", hourly, "victim-" + std::to_string(victims++)).allowed);
    }
    ASSERT_TRUE(rl.take("flood", {1000, 3'600'000}, "k" + std::to_string(i)).allowed);
  }
  ASSERT_LE(rl.size(), RateLimiter::kShards * 64);
  for (int v = 0; v < victims; ++v)
    EXPECT_FALSE(rl.take("login", hourly, "victim-" + std::to_string(v)).allowed) << v;
}

// ---- concurrency --------------------------------------------------------------

TEST(RateLimiter, ConcurrentTakersNeverExceedTheCountOnAFrozenClock) {
  ManualClock clock;
  RateLimiter rl(clock);
  const RateLimit limit{1000, 3'600'000};
  constexpr int kThreads = 8;
  constexpr int kPerThread = 2'000;
  std::atomic<int> allowed{0};
  std::atomic<int> allowed_other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (rl.take("hot", limit, "one-key").allowed) allowed.fetch_add(1);
        // Other keys churning in the same limiter, some in the same shard.
        if (rl.take("hot", {50, 3'600'000}, "k" + std::to_string((t * 7 + i) % 32)).allowed)
          allowed_other.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 1000);
  EXPECT_EQ(allowed_other.load(), 32 * 50);
  EXPECT_FALSE(rl.take("hot", limit, "one-key").allowed);
}

// ---- headers ------------------------------------------------------------------

TEST(RateLimitHeaders, AllowedCarriesLimitRemainingResetAndPolicy) {
  Decision d{.allowed = true, .limit = 10, .remaining = 9, .reset_ms = 6'000,
             .retry_after_ms = 0, .window_ms = 60'000};
  EXPECT_EQ(rate_limit_headers(d), (Headers{{"RateLimit-Limit", "10"},
                                            {"RateLimit-Remaining", "9"},
                                            {"RateLimit-Reset", "6"},
                                            {"RateLimit-Policy", "10;w=60"}}));
}

TEST(RateLimitHeaders, DeniedAddsRetryAfterRoundedUp) {
  Decision d{.allowed = false, .limit = 3, .remaining = 0, .reset_ms = 600'001,
             .retry_after_ms = 200'001, .window_ms = 600'000};
  EXPECT_EQ(rate_limit_headers(d), (Headers{{"RateLimit-Limit", "3"},
                                            {"RateLimit-Remaining", "0"},
                                            {"RateLimit-Reset", "601"},
                                            {"RateLimit-Policy", "3;w=600"},
                                            {"Retry-After", "201"}}));
  d.retry_after_ms = 1;
  d.reset_ms = 1;
  Headers h = rate_limit_headers(d);
  EXPECT_EQ(h[2], (std::pair<std::string, std::string>{"RateLimit-Reset", "1"}));
  EXPECT_EQ(h.back(), (std::pair<std::string, std::string>{"Retry-After", "1"}));
  d.retry_after_ms = 0;  // never "Retry-After: 0" on a denial
  EXPECT_EQ(rate_limit_headers(d).back().second, "1");
}

TEST(RateLimitHeaders, FromARealDecisionAndEmptyWhenDisabled) {
  ManualClock clock;
  RateLimiter rl(clock);
  const RateLimit seven{7, 1'000};
  for (int i = 0; i < 7; ++i) rl.take("r", seven, "k");
  EXPECT_EQ(rate_limit_headers(rl.take("r", seven, "k")),
            (Headers{{"RateLimit-Limit", "7"},
                     {"RateLimit-Remaining", "0"},
                     {"RateLimit-Reset", "1"},
                     {"RateLimit-Policy", "7;w=1"},
                     {"Retry-After", "1"}}));
  EXPECT_TRUE(rate_limit_headers(rl.take("r", RateLimit{}, "k")).empty());
  EXPECT_TRUE(rate_limit_headers(Decision{}).empty());
}

}  // namespace
}  // namespace sb::resilience
