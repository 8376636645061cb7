// Unleash's client specification (npm @unleash/client-specification 6.1.0,
// installed into tests/e2e/unleash/node_modules by scripts/install-deps.sh):
// every file its index lists, every isEnabled case ("tests") and every
// getVariant case ("variantTests"). The documents carry entries a server
// should refuse (an unknown operator, a broken regex, a missing parent…) to
// check that SDKs survive them, so they are compiled leniently, as an SDK
// would; the strict compile is checked to refuse exactly those entries.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "spec_cases.h"

namespace sb::flags {
namespace {

namespace bj = boost::json;

const std::string kSpecDir =
    SB_SOURCE_DIR "/tests/e2e/unleash/node_modules/@unleash/client-specification/specifications/";

// Cases that cannot pass for a reason outside the evaluator: none.

// What strict compile refuses in each file (its first error), and why the
// file has it. A file not listed must compile strictly.
const std::map<std::string, std::string> kStrictRefusals = {
    {"06-remote-address-strategy.json", "/features/2/strategies/0/parameters/IPs"},             // "192.invalid"
    {"13-constraint-operators.json", "/features/19/strategies/0/constraints/0/operator"},       // NOT_A_VALID_OPERATOR
    {"14-constraint-semver-operators.json", "/features/10/strategies/0/constraints/0/value"},  // "v2.0.0"
    {"15-global-constraints.json", "/features/3/strategies/0/segments/0"},                     // segment 404
    {"17-dependent-features.json", "/features/6/dependencies/0/feature"},                      // a cycle
    {"21-regex-constraint-operators.json", "/features/1/strategies/0/constraints/0/value"},    // "(regex"
    {"22-cidr-constraint-operators.json", "/features/2/strategies/0/constraints/0/values/0"},  // "127.invalid"
};

bj::value read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return bj::parse(buf.str());
}

std::string payload_text(const Payload* p) {
  return p ? "{" + p->type + ": " + p->value + "}" : "none";
}

TEST(ClientSpecification, EveryCaseOfEveryFile) {
  std::ifstream index(kSpecDir + "index.json");
  ASSERT_TRUE(index.good()) << "Unleash's client specification is missing at " << kSpecDir
                            << ": run scripts/install-deps.sh (npm ci in tests/e2e/unleash)";
  bj::value files = read_json(kSpecDir + "index.json");
  ASSERT_GE(files.as_array().size(), 22u);
  size_t enabled_cases = 0, variant_cases = 0, failures = 0;
  for (const bj::value& f : files.as_array()) {
    std::string file(f.as_string());
    bj::value spec = read_json(kSpecDir + file);
    bj::value doc = testing::client_document(spec.at("state"));

    auto strict = FlagSet::compile(doc);
    auto refusal = kStrictRefusals.find(file);
    if (refusal == kStrictRefusals.end()) {
      EXPECT_TRUE(strict.ok()) << file << ": strict compile refused " << strict.status().to_string();
    } else if (strict.ok()) {
      ADD_FAILURE() << file << ": strict compile accepted an entry a server refuses at " << refusal->second;
    } else {
      ASSERT_FALSE(strict.status().fields().empty());
      EXPECT_EQ(strict.status().fields()[0].field, refusal->second) << file << ": " << strict.status().to_string();
    }

    auto compiled = FlagSet::compile(doc, Clock::system(), FlagSet::CompileOptions{.lenient = true});
    ASSERT_TRUE(compiled.ok()) << file << ": " << compiled.status().to_string();
    const FlagSet& set = **compiled;

    if (const bj::value* tests = spec.as_object().if_contains("tests")) {
      for (const bj::value& t : tests->as_array()) {
        ++enabled_cases;
        std::string_view toggle = t.at("toggleName").as_string();
        bool want = t.at("expectedResult").as_bool();
        bool got = set.is_enabled(toggle, testing::context_from(t.at("context")));
        if (got != want) ++failures;
        EXPECT_EQ(got, want) << file << ": " << t.at("description").as_string() << " (isEnabled " << toggle << ")";
      }
    }
    if (const bj::value* tests = spec.as_object().if_contains("variantTests")) {
      for (const bj::value& t : tests->as_array()) {
        ++variant_cases;
        std::string_view toggle = t.at("toggleName").as_string();
        const bj::object& want = t.at("expectedResult").as_object();
        Variant got = set.variant(toggle, testing::context_from(t.at("context")));
        std::string where = file + ": " + std::string(t.at("description").as_string()) + " (getVariant " +
                            std::string(toggle) + ")";
        bool ok = got.name == want.at("name").as_string() && got.enabled == want.at("enabled").as_bool();
        EXPECT_EQ(got.name, want.at("name").as_string()) << where;
        EXPECT_EQ(got.enabled, want.at("enabled").as_bool()) << where;
        if (const bj::value* fe = want.if_contains("feature_enabled")) {
          ok = ok && got.feature_enabled == fe->as_bool();
          EXPECT_EQ(got.feature_enabled, fe->as_bool()) << where;
        }
        const bj::value* payload = want.if_contains("payload");
        std::string want_payload = payload && !payload->is_null()
                                       ? "{" + std::string(payload->at("type").as_string()) + ": " +
                                             std::string(payload->at("value").as_string()) + "}"
                                       : "none";
        ok = ok && payload_text(got.payload) == want_payload;
        EXPECT_EQ(payload_text(got.payload), want_payload) << where;
        if (!ok) ++failures;
      }
    }
  }
  std::cout << "client specification: " << files.as_array().size() << " files, " << enabled_cases
            << " isEnabled cases, " << variant_cases << " getVariant cases, " << failures << " failed\n";
  EXPECT_GT(enabled_cases, 200u);
  EXPECT_GT(variant_cases, 50u);
}

}  // namespace
}  // namespace sb::flags
