// Secret configuration values at rest, on both engines: sealed in the
// database (the raw files are searched for the text), opened again after a
// restart, refused under another master key, and rows an earlier version
// wrote in clear sealed at the next start.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "events/event_log.h"
#include "test_databases.h"

namespace sb::config {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;

const Key<std::string> kApiKey{"email.sendgrid.api_key", "", "key", secret, hot};
const Key<std::string> kFrom{"email.from", "", "from", hot};
const std::string kMasterKey(32, 'm');
const char* const kSecret = "SG.the-secret-text-4711";
const char* const kVisible = "visible-marker-0815";

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every byte the database keeps on disk: the SQLite file with its -wal and
// -shm, or PostgreSQL's whole data directory (heap files and WAL).
std::string raw_database_bytes(sb::test::TestDb& db) {
  std::string all;
  if (db.engine() == store::Engine::kSqlite) {
    fs::path file = db.url().substr(std::string("sqlite:").size());
    for (const auto& f : fs::directory_iterator(file.parent_path()))
      if (f.path().filename().string().starts_with(file.filename().string())) all += read_all(f.path());
    return all;
  }
  std::string dir;
  EXPECT_TRUE(db->read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SHOW data_directory"));
    dir = rows.at(0).text_at(0);
    return {};
  }));
  for (const auto& f : fs::recursive_directory_iterator(dir))
    if (f.is_regular_file()) all += read_all(f.path());
  return all;
}

class ConfigSecretsTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  ConfigSecretsTest() : db(sb::test::open_test_db(GetParam())) {}
  // A fresh instance on the same database, as after a restart.
  std::unique_ptr<ConfigService> start(const std::string& master_key, Status* loaded = nullptr) {
    auto c = std::make_unique<ConfigService>(db.get(), log.get(), clock);
    c->declare(kApiKey, kFrom);
    if (!master_key.empty()) {
      EXPECT_TRUE(c->set_master_key(master_key));
    }
    Status s = c->load_runtime();
    if (loaded) {
      *loaded = s;
    } else {
      EXPECT_TRUE(s) << s.to_string();
    }
    return c;
  }
  ManualClock clock;
  sb::test::TestDb db;
  std::unique_ptr<events::EventLog> log = std::make_unique<events::EventLog>(*db, clock);
};

TEST_P(ConfigSecretsTest, SecretValuesAreSealedAtRestAndOpenAfterARestart) {
  auto config = start(kMasterKey);
  ASSERT_TRUE(config->set("email.sendgrid.api_key", kSecret, "t"));
  ASSERT_TRUE(config->set("email.from", kVisible, "t"));
  EXPECT_EQ(config->get(kApiKey), kSecret);

  std::string bytes = raw_database_bytes(db);
  // The control: a plain value is there to find, so the search does look.
  EXPECT_NE(bytes.find(kVisible), std::string::npos);
  EXPECT_EQ(bytes.find(kSecret), std::string::npos) << "the secret is in the database files in clear";
  EXPECT_EQ(bytes.find("the-secret-text"), std::string::npos);

  // Restart: the value opens with the same master key.
  config.reset();
  log.reset();
  db.reopen();
  log = std::make_unique<events::EventLog>(*db, clock);
  auto restarted = start(kMasterKey);
  EXPECT_EQ(restarted->get(kApiKey), kSecret);
  EXPECT_EQ(restarted->entry("email.sendgrid.api_key")->value, bj::value("********"));
}

TEST_P(ConfigSecretsTest, AnotherMasterKeyRefusesToStartRatherThanRunWithoutTheSecret) {
  ASSERT_TRUE(start(kMasterKey)->set("email.sendgrid.api_key", kSecret, "t"));
  Status wrong;
  start(std::string(32, 'x'), &wrong);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.message().find("email.sendgrid.api_key"), std::string::npos) << wrong.message();
  EXPECT_NE(wrong.message().find("master_key"), std::string::npos) << wrong.message();
  Status none;
  start("", &none);
  EXPECT_FALSE(none);
}

TEST_P(ConfigSecretsTest, WithoutAMasterKeyASecretIsNotStoredAtAll) {
  auto config = start("");
  Status s = config->set("email.sendgrid.api_key", kSecret, "t");
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_EQ(raw_database_bytes(db).find(kSecret), std::string::npos);
  EXPECT_EQ(config->get(kApiKey), "");
}

TEST_P(ConfigSecretsTest, SecretsAnEarlierVersionWroteInClearAreSealedAtTheNextStart) {
  // Its own text: PostgreSQL tests share one data directory, and this one
  // writes the value in clear on purpose.
  const std::string legacy = "SG.legacy-clear-text-99";
  ASSERT_TRUE(db->write([&](store::Tx& tx) -> Status {
    SB_TRY(tx.exec("INSERT INTO config_values (key, value, updated_at) VALUES ($1, $2, 1)",
                   {"email.sendgrid.api_key", bj::serialize(bj::value(legacy))}));
    return {};
  }));
  auto config = start(kMasterKey);
  EXPECT_EQ(config->get(kApiKey), legacy);
  ASSERT_TRUE(db->read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT value, sealed FROM config_values WHERE key = $1", {"email.sendgrid.api_key"}));
    EXPECT_EQ(rows.at(0).int_at(1), 1);
    EXPECT_EQ(rows.at(0).text_at(0).find(legacy), std::string::npos);
    return {};
  }));
  EXPECT_EQ(start(kMasterKey)->get(kApiKey), legacy);
}

TEST_P(ConfigSecretsTest, OtherInstancesOpenASealedChangeFromTheLog) {
  auto a = start(kMasterKey);
  auto b = start(kMasterKey);
  ASSERT_TRUE(a->set("email.sendgrid.api_key", kSecret, "t"));
  auto evs = log->read({"config.updated", "", 0, 10});
  ASSERT_EQ(evs->size(), 1u);
  EXPECT_EQ(evs->front().envelope.find(kSecret), std::string::npos);
  b->apply_event(*events::parse_stored(evs->front().sequence, evs->front().envelope));
  EXPECT_EQ(b->get(kApiKey), kSecret);
}

INSTANTIATE_TEST_SUITE_P(Engines, ConfigSecretsTest, ::testing::ValuesIn(sb::test::all_engines()),
                         sb::test::engine_name);

}  // namespace
}  // namespace sb::config
