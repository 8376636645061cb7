// Configuration layers, validation, runtime changes (stored + evented),
// watches and secret redaction, on both engines.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "config/config.h"
#include "events/event_log.h"
#include "test_databases.h"

namespace sb::config {
namespace {

namespace bj = boost::json;

const Key<std::string> kListen{"server.listen", "127.0.0.1:8080", "listen"};
const Key<int64_t> kMaxBody{"http.max_body_bytes", 1024, "limit", at_least(10)};
const Key<std::vector<std::string>> kProviders{"email.providers", {"console"}, "chain", hot};
const Family<std::string> kSendgrid{"email.sendgrid.{}", "", "sendgrid settings", hot};
const Key<std::string> kApiKey{"email.sendgrid.api_key", "", "key", secret, hot};
const Key<bool> kFeatureOn{"feature.on", false, "flag", hot};

class ConfigTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  ConfigTest() : db(sb::test::open_test_db(GetParam())), log(*db, clock), config(db.get(), &log, clock) {
    config.declare(kListen, kMaxBody, kProviders, kApiKey, kFeatureOn);
    config.declare(kSendgrid);
    EXPECT_TRUE(config.set_master_key(std::string(32, 'm')));
  }
  ManualClock clock;
  sb::test::TestDb db;
  events::EventLog log;
  ConfigService config;
  sb::test::TempDir dir;
};

TEST_P(ConfigTest, LayersApplyInOrderDefaultsFileEnvRuntime) {
  EXPECT_EQ(config.get(kListen), "127.0.0.1:8080");
  std::ofstream(dir.file("c.toml")) << "[server]\nlisten = \"0.0.0.0:1\"\n[http]\nmax_body_bytes = 2048\n";
  ASSERT_TRUE(config.load_file(dir.file("c.toml")));
  EXPECT_EQ(config.get(kListen), "0.0.0.0:1");
  EXPECT_EQ(config.entry("server.listen")->layer, Layer::kFile);
  std::vector<std::string> env_s = {"SWITCHBOARD_SERVER__LISTEN=1.2.3.4:5", "SWITCHBOARD_EMAIL__PROVIDERS=sendgrid, smtp",
                                    "SWITCHBOARD_ADMIN_KEY=ignored", "HOME=/root"};
  std::vector<char*> env;
  for (auto& s : env_s) env.push_back(s.data());
  env.push_back(nullptr);
  ASSERT_TRUE(config.load_env(env.data()));
  EXPECT_EQ(config.get(kListen), "1.2.3.4:5");
  EXPECT_EQ(config.get(kProviders), (std::vector<std::string>{"sendgrid", "smtp"}));
  EXPECT_EQ(config.get(kMaxBody), 2048);
  ASSERT_TRUE(config.set("server.listen", "9.9.9.9:9", "test"));
  EXPECT_EQ(config.get(kListen), "9.9.9.9:9");
  ASSERT_TRUE(config.unset("server.listen", "test"));
  EXPECT_EQ(config.get(kListen), "1.2.3.4:5");
  EXPECT_EQ(config.unset("server.listen", "test").code(), Code::kNotFound);
}

TEST_P(ConfigTest, RejectsUnknownKeysAndBadValuesNamingTheKey) {
  Status unknown = config.set("nope.key", 1, "t");
  ASSERT_EQ(unknown.code(), Code::kInvalidArgument);
  EXPECT_EQ(unknown.fields()[0].field, "nope.key");
  EXPECT_EQ(config.set("http.max_body_bytes", "big", "t").fields()[0].field, "http.max_body_bytes");
  EXPECT_FALSE(config.set("http.max_body_bytes", 5, "t"));  // custom validator
  EXPECT_FALSE(config.set("email.providers", bj::array{"a", 1}, "t"));
  EXPECT_TRUE(config.set("email.sendgrid.base_url", "http://127.0.0.1:1", "t"));  // family key
  std::ofstream(dir.file("bad.toml")) << "[http]\nmax_body_bytes = \"x\"\n[zzz]\nq = 1\n";
  Status file = config.load_file(dir.file("bad.toml"));
  ASSERT_FALSE(file);
  ASSERT_EQ(file.fields().size(), 2u);
  EXPECT_NE(file.message().find("bad.toml"), std::string::npos);
  std::ofstream(dir.file("broken.toml")) << "[http\n";
  EXPECT_NE(config.load_file(dir.file("broken.toml")).message().find("broken.toml:1"), std::string::npos);
  // Nothing invalid was stored or evented.
  EXPECT_EQ(log.read({"config.updated", "", 0, 100})->size(), 1u);
}

TEST_P(ConfigTest, RuntimeChangesPersistEmitEventsAndNotifyWatchers) {
  std::vector<std::string> seen;
  config.watch("email.", [&](const std::string& k) { seen.push_back(k); });
  ASSERT_TRUE(config.set("email.providers", bj::array{"sendgrid", "console"}, "admin-key:1"));
  ASSERT_TRUE(config.set("feature.on", true, "admin-key:1"));
  EXPECT_EQ(seen, (std::vector<std::string>{"email.providers"}));
  auto evs = log.read({"config.updated", "", 0, 100});
  ASSERT_EQ(evs->size(), 2u);
  auto data = bj::parse(evs->front().envelope).at("data");
  EXPECT_EQ(data.at("key").as_string(), "email.providers");
  EXPECT_EQ(data.at("actor").as_string(), "admin-key:1");

  // A second instance on the same Db sees the value at start and applies later changes from the log.
  ConfigService other(db.get(), &log, clock);
  other.declare(kProviders, kFeatureOn);
  ASSERT_TRUE(other.load_runtime());
  EXPECT_EQ(other.get(kProviders), (std::vector<std::string>{"sendgrid", "console"}));
  std::vector<std::string> other_seen;
  other.watch("feature.", [&](const std::string& k) { other_seen.push_back(k); });
  ASSERT_TRUE(config.set("feature.on", false, "t"));
  auto latest = log.read({"config.updated", "", evs->back().sequence, 10});
  ASSERT_EQ(latest->size(), 1u);
  other.apply_event(*events::parse_stored(latest->front().sequence, latest->front().envelope));
  EXPECT_FALSE(other.get(kFeatureOn));
  EXPECT_EQ(other_seen, (std::vector<std::string>{"feature.on"}));
}

TEST_P(ConfigTest, SecretsAreRedactedInListingsAndEvents) {
  ASSERT_TRUE(config.set("email.sendgrid.api_key", "SG.super-secret", "t"));
  EXPECT_EQ(config.get(kApiKey), "SG.super-secret");
  EXPECT_EQ(config.entry("email.sendgrid.api_key")->value.as_string(), "********");
  for (auto& e : config.list("email.")) {
    if (e.key == "email.sendgrid.api_key") {
      EXPECT_EQ(e.value.as_string(), "********");
    }
  }
  auto evs = log.read({"config.updated", "", 0, 100});
  ASSERT_EQ(evs->size(), 1u);
  EXPECT_EQ(evs->front().envelope.find("super-secret"), std::string::npos);
}

const char* kLimitsSchema = R"({"type":"object","required":["max"],"additionalProperties":false,
                                 "properties":{"max":{"type":"integer","minimum":1,"maximum":100}}})";

TEST_P(ConfigTest, AppValuesKeepTheirSchemaAndLaterSetsMustSatisfyIt) {
  const std::string key = "app.checkout.limits";
  ASSERT_TRUE(config.set(key, bj::parse(R"({"max":5})"), "t", bj::parse(kLimitsSchema)));
  EXPECT_EQ(config.entry(key)->schema, bj::parse(kLimitsSchema));
  EXPECT_EQ(config.entry(key)->layer, Layer::kRuntime);

  Status over = config.set(key, bj::parse(R"({"max":500,"min":1})"), "t");
  ASSERT_EQ(over.code(), Code::kInvalidArgument);
  ASSERT_EQ(over.fields().size(), 2u);
  EXPECT_EQ(over.fields()[0].field, "/value/max");
  EXPECT_EQ(over.fields()[0].message, "must be at most 100");
  EXPECT_EQ(over.fields()[1].field, "/value/min");
  Status bad_schema = config.set(key, bj::parse(R"({"max":5})"), "t", bj::parse(R"({"type":"objekt"})"));
  EXPECT_EQ(bad_schema.fields().at(0).field, "/schema/type");
  EXPECT_EQ(config.set("feature.on", true, "t", bj::parse("{}")).fields().at(0).field, "/schema");
  EXPECT_EQ(config.get(kAppKeys, "checkout.limits"), bj::parse(R"({"max":5})"));  // nothing changed

  // A restarted instance has the schema and enforces it.
  ConfigService other(db.get(), &log, clock);
  ASSERT_TRUE(other.load_runtime());
  EXPECT_EQ(other.entry(key)->schema, bj::parse(kLimitsSchema));
  EXPECT_EQ(other.set(key, bj::parse(R"({"max":0})"), "t").fields().at(0).field, "/value/max");
  ASSERT_TRUE(other.set(key, bj::parse(R"({"max":99})"), "t"));

  // null removes the schema; unset removes value and schema.
  ASSERT_TRUE(config.set(key, bj::parse(R"({"max":500})"), "t", bj::value(nullptr)));
  EXPECT_TRUE(config.entry(key)->schema.is_null());
  ASSERT_TRUE(config.set(key, 1, "t", bj::parse(R"({"type":"integer"})")));
  ASSERT_TRUE(config.unset(key, "t"));
  EXPECT_EQ(config.entry(key).status().code(), Code::kNotFound);
  EXPECT_TRUE(config.set(key, "any text now", "t"));
}

TEST_P(ConfigTest, AnInstanceThatHasNotSeenANewSchemaYetStillEnforcesIt) {
  // The schema in force is read inside the write, not from memory: two
  // instances cannot race a value past a schema change.
  ConfigService stale(db.get(), &log, clock);
  ASSERT_TRUE(stale.load_runtime());
  ASSERT_TRUE(config.set("app.checkout.limits", bj::parse(R"({"max":5})"), "t", bj::parse(kLimitsSchema)));
  Status s = stale.set("app.checkout.limits", bj::parse(R"({"max":"lots"})"), "t");
  ASSERT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.fields().at(0).field, "/value/max");
  // Once it applies the change from the log it shows the schema too.
  auto evs = log.read({"config.updated", "", 0, 100});
  stale.apply_event(*events::parse_stored(evs->back().sequence, evs->back().envelope));
  EXPECT_EQ(stale.entry("app.checkout.limits")->schema, bj::parse(kLimitsSchema));
}

TEST_P(ConfigTest, RuntimeSetsOfBootKeysAreRefused) {
  const Key<std::string> data_dir{"server.data_dir", "./data", "dir", boot};
  config.declare(data_dir);
  Status s = config.set("server.data_dir", "/elsewhere", "t");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.fields().at(0).field, "server.data_dir");
  EXPECT_EQ(log.read({"config.updated", "", 0, 100})->size(), 0u);
  // A row an earlier version stored is ignored at start rather than shown as in force.
  ASSERT_TRUE(db->write([](store::Tx& tx) -> Status {
    SB_TRY(tx.exec("INSERT INTO config_values (key, value, updated_at) VALUES ('server.data_dir', '\"/old\"', 1)"));
    return {};
  }));
  ASSERT_TRUE(config.load_runtime());
  EXPECT_EQ(config.entry("server.data_dir")->layer, Layer::kDefault);
  EXPECT_EQ(config.get(data_dir), "./data");
}

INSTANTIATE_TEST_SUITE_P(Engines, ConfigTest, ::testing::ValuesIn(sb::test::all_engines()), sb::test::engine_name);

}  // namespace
}  // namespace sb::config
