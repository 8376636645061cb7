// What the specification does not pin down but Switchboard relies on:
// hash vectors, semver precedence, IPv6 ranges, DATE_* against the set's
// clock, fix/variable weights, and that evaluation allocates nothing.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <new>

#include "flags/evaluator.h"
#include "flags/ip_range.h"
#include "flags/js_number.h"
#include "flags/murmur3.h"
#include "flags/semver.h"

// Counts this thread's heap allocations (the whole test binary's operator new).
namespace {
thread_local size_t t_allocations = 0;
}
void* operator new(std::size_t n) {
  ++t_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// GCC cannot see that this binary's operator new is malloc.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace sb::flags {
namespace {

namespace bj = boost::json;

std::shared_ptr<const FlagSet> compile(const char* doc, const Clock& clock = Clock::system()) {
  auto r = FlagSet::compile(bj::parse(doc), clock);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : FlagSet::empty();
}

TEST(Murmur3, MatchesTheReferenceVectors) {
  EXPECT_EQ(murmur3_x86_32("", 0), 0u);
  EXPECT_EQ(murmur3_x86_32("", 1), 0x514E28B7u);
  EXPECT_EQ(murmur3_x86_32("hello", 0), 0x248BFA47u);
  EXPECT_EQ(murmur3_x86_32("The quick brown fox jumps over the lazy dog", 0), 0x2E4FF723u);
  Murmur3 split(kVariantSeed);
  split.update("grou");
  split.update("pId:us");
  split.update("er-1");
  EXPECT_EQ(split.finish(), murmur3_x86_32("groupId:user-1", kVariantSeed));
}

TEST(Semver, PrecedenceFollowsSemVer2) {
  const char* ordered[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                           "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"};
  for (size_t i = 0; i + 1 < std::size(ordered); ++i) {
    SemverView a, b;
    ASSERT_TRUE(parse_semver(ordered[i], a, false)) << ordered[i];
    ASSERT_TRUE(parse_semver(ordered[i + 1], b, false)) << ordered[i + 1];
    EXPECT_LT(compare(a, b), 0) << ordered[i] << " < " << ordered[i + 1];
    EXPECT_GT(compare(b, a), 0);
  }
  SemverView x, y;
  ASSERT_TRUE(parse_semver("1.2.3+build.5", x, false));
  ASSERT_TRUE(parse_semver("1.2.3", y, false));
  EXPECT_EQ(compare(x, y), 0) << "build metadata has no precedence";
  for (const char* bad : {"1.2", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "v1.2.3", "1.2.3.4", "a.b.c"})
    EXPECT_FALSE(parse_semver(bad, x, false)) << bad;
  EXPECT_TRUE(parse_semver("v1.2.3", x, true));
}

TEST(IpRange, ContainsIPv4AndIPv6) {
  IpRange r, a;
  ASSERT_TRUE(IpRange::parse("2001:db8::/32", r));
  ASSERT_TRUE(IpRange::parse("2001:db8:ffff::1", a));
  EXPECT_TRUE(r.contains(a));
  ASSERT_TRUE(IpRange::parse("2001:db9::1", a));
  EXPECT_FALSE(r.contains(a));
  ASSERT_TRUE(IpRange::parse("::ffff:10.1.2.3", a));
  ASSERT_TRUE(IpRange::parse("::ffff:10.0.0.0/104", r));
  EXPECT_TRUE(r.contains(a));
  ASSERT_TRUE(IpRange::parse("10.0.0.0/8", r));
  EXPECT_FALSE(r.contains(a)) << "families never mix";
  ASSERT_TRUE(IpRange::parse("10.200.3.4", a));
  EXPECT_TRUE(r.contains(a));
  ASSERT_TRUE(IpRange::parse("0.0.0.0/0", r));
  EXPECT_TRUE(r.contains(a));
  for (const char* bad : {"10.0.0", "10.0.0.256", "10.0.0.1/33", "1::2::3", "12345::", ":1", "1:", "::/129", "010.0.0.1"})
    EXPECT_FALSE(IpRange::parse(bad, r)) << bad;
}

TEST(JsNumber, ReadsWhatNumberReads) {
  double v = 0;
  EXPECT_TRUE(js_number(" 12.5 ", v) && v == 12.5);
  EXPECT_TRUE(js_number("0x1F", v) && v == 31);
  EXPECT_TRUE(js_number("-1e3", v) && v == -1000);
  EXPECT_TRUE(js_number("", v) && v == 0);
  EXPECT_TRUE(js_number(".5", v) && v == 0.5);
  for (const char* bad : {"12abc", "inf", "nan", "1,5", "--1", "0x"}) EXPECT_FALSE(js_number(bad, v)) << bad;
}

TEST(Constraints, DatesWithoutCurrentTimeUseTheSetsClock) {
  ManualClock clock(1'700'000'000'000);  // 2023-11-14T22:13:20Z
  auto set = compile(R"({"features":[{"name":"f","enabled":true,"strategies":[{"name":"default","constraints":[
      {"contextName":"currentTime","operator":"DATE_AFTER","value":"2024-01-01T00:00:00+01:00"}]}]}]})",
                     clock);
  EXPECT_FALSE(set->is_enabled("f", {}));
  clock.set_now_ms(1'704'067'200'000);  // 2024-01-01T00:00:00Z, an hour after the +01:00 midnight
  EXPECT_TRUE(set->is_enabled("f", {}));
  Context past;
  past.current_time = "2023-12-31T22:59:59.999Z";
  EXPECT_FALSE(set->is_enabled("f", past));
}

TEST(Constraints, CaseInsensitiveAndInvertedAndIPv6Cidr) {
  auto set = compile(R"({"features":[
    {"name":"mail","enabled":true,"strategies":[{"name":"default","constraints":[
      {"contextName":"email","operator":"STR_ENDS_WITH","values":[" @Example.COM "],"caseInsensitive":true},
      {"contextName":"email","operator":"STR_STARTS_WITH","values":["test"],"inverted":true}]}]},
    {"name":"net","enabled":true,"strategies":[{"name":"default","constraints":[
      {"contextName":"remoteAddress","operator":"IN_CIDR","values":["2001:db8::/48","192.168.0.0/16"]}]}]},
    {"name":"ver","enabled":true,"strategies":[{"name":"default","constraints":[
      {"contextName":"appVersion","operator":"SEMVER_LT","value":"2.0.0"}]}]}]})");
  Context c;
  c.properties = {{"email", "ann@EXAMPLE.com"}};
  EXPECT_TRUE(set->is_enabled("mail", c));
  c.properties = {{"email", "test@example.com"}};
  EXPECT_FALSE(set->is_enabled("mail", c));
  c.remote_address = "2001:db8:0:ffff::2";
  EXPECT_TRUE(set->is_enabled("net", c));
  c.remote_address = "2001:db8:1::2";
  EXPECT_FALSE(set->is_enabled("net", c));
  c.remote_address = "192.168.44.1";
  EXPECT_TRUE(set->is_enabled("net", c));
  c.properties = {{"appVersion", "2.0.0-rc.1"}};
  EXPECT_TRUE(set->is_enabled("ver", c));
}

TEST(Constraints, ValueAndValuesStandInForEachOther) {
  // Single-value operators read `value`, list operators `values`; each falls
  // back to the other, as documents from older servers carry either.
  auto set = compile(R"({"features":[
    {"name":"num","enabled":true,"strategies":[{"name":"default","constraints":[
      {"contextName":"n","operator":"NUM_LTE","values":["12"]}]}]},
    {"name":"in","enabled":true,"strategies":[{"name":"default","constraints":[
      {"contextName":"userId","operator":"IN","value":"ann"}]}]},
    {"name":"both","enabled":true,"strategies":[{"name":"default","constraints":[
      {"contextName":"n","operator":"NUM_GT","value":"5","values":[]}]}]}]})");
  Context c;
  c.user_id = "ann";
  c.properties = {{"n", "11"}};
  EXPECT_TRUE(set->is_enabled("num", c));
  EXPECT_TRUE(set->is_enabled("in", c));
  EXPECT_TRUE(set->is_enabled("both", c));
  c.user_id = "bob";
  c.properties = {{"n", "13"}};
  EXPECT_FALSE(set->is_enabled("num", c));
  EXPECT_FALSE(set->is_enabled("in", c));
}

TEST(Constraints, LenientInvalidValuesAnswerNoWhichInvertedFlips) {
  auto r = FlagSet::compile(bj::parse(R"({"features":[
    {"name":"plain","enabled":true,"strategies":[{"name":"default","constraints":[
      {"contextName":"n","operator":"NUM_EQ","value":"twelve"}]}]},
    {"name":"inverted","enabled":true,"strategies":[{"name":"default","constraints":[
      {"contextName":"n","operator":"NUM_EQ","value":"twelve","inverted":true}]}]},
    {"name":"unknown-inverted","enabled":true,"strategies":[{"name":"default","constraints":[
      {"contextName":"n","operator":"NUM_ABOUT","value":"12","inverted":true}]}]}]})"),
                            Clock::system(), {.lenient = true});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  Context c;
  c.properties = {{"n", "12"}};
  EXPECT_FALSE((*r)->is_enabled("plain", c));
  EXPECT_TRUE((*r)->is_enabled("inverted", c));
  EXPECT_FALSE((*r)->is_enabled("unknown-inverted", c)) << "an unknown operator fails inverted or not";
}

TEST(Strategies, RemoteAddressTakesIPv6RangesAndHostnameIsThisMachine) {
  auto set = compile(R"({"features":[
    {"name":"ip","enabled":true,"strategies":[{"name":"remoteAddress","parameters":{"IPs":"10.0.0.0/8, 2001:db8::/32"}}]},
    {"name":"host","enabled":true,"strategies":[{"name":"applicationHostname","parameters":{"hostNames":"not-this-one, elsewhere"}}]},
    {"name":"custom","enabled":true,"strategies":[{"name":"myOwnStrategy","parameters":{}}]}]})");
  Context c;
  c.remote_address = "2001:db8::7";
  EXPECT_TRUE(set->is_enabled("ip", c));
  c.remote_address = "11.0.0.1";
  EXPECT_FALSE(set->is_enabled("ip", c));
  EXPECT_FALSE(set->is_enabled("host", c));
  EXPECT_FALSE(set->is_enabled("custom", c)) << "an unknown strategy enables nothing";
}

TEST(Variants, FixAndVariableWeightsBucketIntoTheirShare) {
  auto set = compile(R"({"features":[{"name":"v","enabled":true,"strategies":[],"variants":[
      {"name":"small","weight":100,"weightType":"fix"},
      {"name":"rest","weight":900,"weightType":"variable","stickiness":"userId"}]}]})");
  int small = 0;
  Context c;
  for (int i = 0; i < 10000; ++i) {
    c.user_id = "user-" + std::to_string(i);
    small += set->variant("v", c).name == "small";
  }
  EXPECT_NEAR(small, 1000, 150);
  c.user_id.clear();
  EXPECT_EQ(set->variant("v", c).feature_enabled, true);
}

TEST(HotPath, EvaluationAllocatesNothing) {
  auto set = compile(R"({"segments":[{"id":1,"constraints":[{"contextName":"country","operator":"IN","values":["no","se"]}]}],
    "features":[
    {"name":"rollout","enabled":true,"strategies":[{"name":"flexibleRollout",
      "parameters":{"rollout":"50","stickiness":"default","groupId":"rollout"},
      "constraints":[{"contextName":"environment","operator":"IN","values":["production","staging"]},
                     {"contextName":"appVersion","operator":"SEMVER_GTE","value":"1.4.0-rc.1"},
                     {"contextName":"plan","operator":"STR_CONTAINS","values":["PRO"],"caseInsensitive":true},
                     {"contextName":"age","operator":"NUM_GT","value":"17"},
                     {"contextName":"currentTime","operator":"DATE_AFTER","value":"2020-01-01T00:00:00Z"},
                     {"contextName":"remoteAddress","operator":"IN_CIDR","values":["10.0.0.0/8","2001:db8::/32"]},
                     {"contextName":"userId","operator":"REGEX","value":"^user-.*[0-9]{2}$"}],
      "segments":[1]}]},
    {"name":"parent","enabled":true,"strategies":[]},
    {"name":"colour","enabled":true,"strategies":[],"dependencies":[{"feature":"parent"}],"variants":[
      {"name":"red","weight":334,"payload":{"type":"string","value":"#f00"},"overrides":[{"contextName":"userId","values":["vip"]}]},
      {"name":"green","weight":333},{"name":"blue","weight":333}]}]})");
  std::vector<Context> contexts(64);
  for (size_t i = 0; i < contexts.size(); ++i) {
    Context& c = contexts[i];
    c.user_id = "user-with-a-long-identifier-" + std::to_string(i * 7919);
    c.environment = i % 3 ? "production" : "dev";
    c.remote_address = i % 2 ? "10.1.2.3" : "2001:db8::1";
    c.current_time = i % 4 ? "" : "2026-05-01T12:00:00.000Z";
    c.properties = {{"appVersion", "1.4.0"}, {"plan", "Pro-annual"}, {"age", "30"}, {"country", "no"}};
  }
  Evaluator ev;
  ev.publish(set);
  // This thread's first read fills its cache slot; RE2 builds its DFA
  // states on first sight of the inputs and reuses them after.
  for (const Context& c : contexts) ev.is_enabled("rollout", c);
  size_t enabled = 0, before = t_allocations;
  for (int round = 0; round < 10; ++round) {
    for (const Context& c : contexts) {
      enabled += set->is_enabled("rollout", c);
      enabled += set->variant("colour", c).enabled;
      enabled += ev.is_enabled("rollout", c);
      enabled += set->is_enabled("no-such-flag-with-a-name-longer-than-sso", c);
    }
  }
  EXPECT_EQ(t_allocations - before, 0u);
  void* volatile probe = ::operator new(16);  // the counter does count
  ::operator delete(probe);
  EXPECT_EQ(t_allocations - before, 1u);
  EXPECT_GT(enabled, 640u) << "the contexts exercise both outcomes";
}

}  // namespace
}  // namespace sb::flags
