// Strict compile refuses what Unleash's server would, and each error names
// the JSON pointer of the field at fault (the admin API shows it next to
// the input); check_feature names pointers relative to the flag.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "flags/evaluator.h"

namespace sb::flags {
namespace {

namespace bj = boost::json;

struct BadDoc {
  const char* what;
  const char* doc;
  const char* pointer;
};

// One flag "f" with `strategy` (JSON text) as its only strategy.
std::string with_strategy(const std::string& strategy) {
  return R"({"version":2,"features":[{"name":"f","enabled":true,"strategies":[)" + strategy + "]}]}";
}
std::string with_constraint(const std::string& constraint) {
  return with_strategy(R"({"name":"default","constraints":[{"contextName":"userId","operator":"IN","values":["a"]},)" +
                       constraint + "]}");
}

const std::string kDocs[][3] = {
    {"unknown operator", with_constraint(R"({"contextName":"x","operator":"LIKE","values":["a"]})"),
     "/features/0/strategies/0/constraints/1/operator"},
    {"invalid number", with_constraint(R"({"contextName":"x","operator":"NUM_GT","value":"ten"})"),
     "/features/0/strategies/0/constraints/1/value"},
    {"number operator without a value", with_constraint(R"({"contextName":"x","operator":"NUM_EQ"})"),
     "/features/0/strategies/0/constraints/1/value"},
    {"invalid date", with_constraint(R"({"contextName":"currentTime","operator":"DATE_AFTER","value":"yesterday"})"),
     "/features/0/strategies/0/constraints/1/value"},
    {"impossible date", with_constraint(R"({"contextName":"currentTime","operator":"DATE_BEFORE","value":"2025-02-30T00:00:00Z"})"),
     "/features/0/strategies/0/constraints/1/value"},
    {"invalid semver", with_constraint(R"({"contextName":"version","operator":"SEMVER_GT","value":"1.2"})"),
     "/features/0/strategies/0/constraints/1/value"},
    {"semver with a leading zero", with_constraint(R"({"contextName":"version","operator":"SEMVER_EQ","value":"1.02.3"})"),
     "/features/0/strategies/0/constraints/1/value"},
    {"invalid regex", with_constraint(R"({"contextName":"x","operator":"REGEX","value":"a(b"})"),
     "/features/0/strategies/0/constraints/1/value"},
    {"regex lookahead (RE2 has none)", with_constraint(R"J({"contextName":"x","operator":"REGEX","value":"(?=a)"})J"),
     "/features/0/strategies/0/constraints/1/value"},
    {"invalid CIDR", with_constraint(R"({"contextName":"remoteAddress","operator":"IN_CIDR","values":["10.0.0.0/8","10.0.0.0/33"]})"),
     "/features/0/strategies/0/constraints/1/values/1"},
    {"invalid IPv6", with_constraint(R"({"contextName":"remoteAddress","operator":"IN_CIDR","values":["2001:db8:::1"]})"),
     "/features/0/strategies/0/constraints/1/values/0"},
    {"inverted not a bool", with_constraint(R"({"contextName":"x","operator":"IN","values":[],"inverted":"yes"})"),
     "/features/0/strategies/0/constraints/1/inverted"},
    {"value not a string", with_constraint(R"({"contextName":"x","operator":"IN","values":[{"a":1}]})"),
     "/features/0/strategies/0/constraints/1/values/0"},
    {"rollout not a number",
     with_strategy(R"({"name":"flexibleRollout","parameters":{"rollout":"half","stickiness":"default"}})"),
     "/features/0/strategies/0/parameters/rollout"},
    {"rollout above 100", with_strategy(R"({"name":"flexibleRollout","parameters":{"rollout":"101"}})"),
     "/features/0/strategies/0/parameters/rollout"},
    {"invalid IP in remoteAddress", with_strategy(R"({"name":"remoteAddress","parameters":{"IPs":"10.0.0.1, 10.0.0"}})"),
     "/features/0/strategies/0/parameters/IPs"},
    {"segment not in the document", with_strategy(R"({"name":"default","segments":[7]})"),
     "/features/0/strategies/0/segments/0"},
    {"strategy variants above 1000",
     with_strategy(R"({"name":"default","variants":[{"name":"a","weight":600},{"name":"b","weight":600}]})"),
     "/features/0/strategies/0/variants/1/weight"},
    {"fix weights above 1000",
     R"({"features":[{"name":"f","enabled":true,"strategies":[],"variants":[
        {"name":"a","weight":0,"weightType":"variable"},{"name":"b","weight":700,"weightType":"fix"},
        {"name":"c","weight":400,"weightType":"fix"}]}]})",
     "/features/0/variants/2/weight"},
    {"negative weight", R"({"features":[{"name":"f","enabled":true,"strategies":[],"variants":[{"name":"a","weight":-1}]}]})",
     "/features/0/variants/0/weight"},
    {"unknown weightType",
     R"({"features":[{"name":"f","enabled":true,"strategies":[],"variants":[{"name":"a","weight":1000,"weightType":"all"}]}]})",
     "/features/0/variants/0/weightType"},
    {"json payload that is not JSON",
     R"({"features":[{"name":"f","enabled":true,"strategies":[],"variants":[{"name":"a","weight":1000,"payload":{"type":"json","value":"{"}}]}]})",
     "/features/0/variants/0/payload/value"},
    {"unknown payload type",
     R"({"features":[{"name":"f","enabled":true,"strategies":[],"variants":[{"name":"a","weight":1000,"payload":{"type":"xml","value":"<a/>"}}]}]})",
     "/features/0/variants/0/payload/type"},
    {"missing parent", R"({"features":[{"name":"f","enabled":true,"strategies":[],"dependencies":[{"feature":"nope"}]}]})",
     "/features/0/dependencies/0/feature"},
    {"cyclic dependency",
     R"({"features":[{"name":"a","enabled":true,"strategies":[]},
        {"name":"b","enabled":true,"strategies":[],"dependencies":[{"feature":"a"},{"feature":"c"}]},
        {"name":"c","enabled":true,"strategies":[],"dependencies":[{"feature":"b"}]}]})",
     "/features/1/dependencies/1/feature"},
    {"self dependency", R"({"features":[{"name":"a","enabled":true,"strategies":[],"dependencies":[{"feature":"a"}]}]})",
     "/features/0/dependencies/0/feature"},
    {"transitive dependency",
     R"({"features":[{"name":"a","enabled":true,"strategies":[]},
        {"name":"b","enabled":true,"strategies":[],"dependencies":[{"feature":"a"}]},
        {"name":"c","enabled":true,"strategies":[],"dependencies":[{"feature":"b"}]}]})",
     "/features/2/dependencies/0/feature"},
    {"duplicate flag", R"({"features":[{"name":"a","enabled":true,"strategies":[]},{"name":"a","enabled":false,"strategies":[]}]})",
     "/features/1/name"},
    {"flag without enabled", R"({"features":[{"name":"a","strategies":[]}]})", "/features/0/enabled"},
    {"flag without strategies", R"({"features":[{"name":"a","enabled":true}]})", "/features/0/strategies"},
    {"no features", R"({"version":2})", "/features"},
    {"segment constraint", R"({"features":[],"segments":[{"id":1,"constraints":[{"contextName":"x","operator":"NOPE"}]}]})",
     "/segments/0/constraints/0/operator"},
    {"duplicate segment id", R"({"features":[],"segments":[{"id":1,"constraints":[]},{"id":1,"constraints":[]}]})",
     "/segments/1/id"},
};

TEST(CompileErrors, EachNamesThePointerOfTheFieldAtFault) {
  for (const auto& [what, doc, pointer] : kDocs) {
    auto r = FlagSet::compile(bj::parse(doc));
    ASSERT_FALSE(r.ok()) << what << " compiled";
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << what;
    ASSERT_EQ(r.status().fields().size(), 1u) << what;
    EXPECT_EQ(r.status().fields()[0].field, pointer) << what << ": " << r.status().to_string();
  }
}

TEST(CompileErrors, LenientCompileAcceptsWhatAnSdkSurvives) {
  // Everything above except the structural errors, which no SDK reads either.
  for (const auto& [what, doc, pointer] : kDocs) {
    std::string w = what;
    if (w == "inverted not a bool" || w == "value not a string" || w == "no features" ||
        w == "flag without enabled")
      continue;
    auto r = FlagSet::compile(bj::parse(doc), Clock::system(), {.lenient = true});
    EXPECT_TRUE(r.ok()) << what << ": " << r.status().to_string();
  }
}

TEST(CheckFeature, NamesPointersRelativeToTheFlag) {
  Status s = check_feature(bj::parse(R"({"name":"f","enabled":true,"strategies":[
      {"name":"default"},
      {"name":"default","constraints":[{"contextName":"a","operator":"IN","values":[]},
                                       {"contextName":"b","operator":"GREATER","value":"1"}]}]})"));
  ASSERT_FALSE(s.is_ok());
  ASSERT_EQ(s.fields().size(), 1u);
  EXPECT_EQ(s.fields()[0].field, "/strategies/1/constraints/1/operator");
}

TEST(CheckFeature, SkipsTheSetLevelChecks) {
  // A segment id and a parent resolve only against a whole document.
  EXPECT_TRUE(check_feature(bj::parse(R"({"name":"f","enabled":true,
      "strategies":[{"name":"default","segments":[3]}],"dependencies":[{"feature":"parent"}]})")).is_ok());
  Status s = check_feature(bj::parse(R"({"name":"f","enabled":true,"strategies":[{"name":"default","segments":["x"]}]})"));
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.fields()[0].field, "/strategies/0/segments/0");
}

TEST(CheckFeature, AcceptsAServerShapedFlag) {
  EXPECT_TRUE(check_feature(bj::parse(R"({"name":"checkout","enabled":true,"strategies":[
      {"name":"flexibleRollout","parameters":{"rollout":"25","stickiness":"userId","groupId":"checkout"},
       "constraints":[{"contextName":"appVersion","operator":"SEMVER_GTE","value":"2.1.0-rc.1"},
                      {"contextName":"email","operator":"STR_ENDS_WITH","values":["@example.com"],"caseInsensitive":true}],
       "variants":[{"name":"a","weight":500,"weightType":"variable","stickiness":"default"},
                   {"name":"b","weight":500,"weightType":"variable","payload":{"type":"json","value":"{\"k\":1}"}}]}],
      "variants":[]})"))
                  .is_ok());
}

}  // namespace
}  // namespace sb::flags
