// Runtime switching: config changes rebuild the chain off to the side and
// swap it in; invalid configurations are refused and the old chain stays;
// a send in flight finishes on the chain it started with.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "fake_senders.h"
#include "providers/messaging.h"
#include "temp_dir.h"

namespace sb::providers {
namespace {

using testing::email_to;
using testing::fake_email;
using testing::list;
using testing::Script;

class SwitchTest : public ::testing::Test {
 protected:
  SwitchTest()
      : config_(nullptr, nullptr, clock_),
        messaging_(config_, clock_, nullptr, dir_.path(), {.sleeper = [](Millis) {}}) {
    for (const char* n : {"a", "b"}) {
      scripts_[n] = std::make_shared<Script>();
      EXPECT_TRUE(messaging_.email_registry().add(fake_email(n, scripts_[n])));
    }
  }

  ManualClock clock_;
  test::TempDir dir_;
  config::ConfigService config_;
  Messaging messaging_;
  std::map<std::string, std::shared_ptr<Script>> scripts_;
};

TEST_F(SwitchTest, DefaultChainIsConsoleForBothChannels) {
  EXPECT_EQ(messaging_.email_chain(), (std::vector<std::string>{"console"}));
  EXPECT_EQ(messaging_.sms_chain(), (std::vector<std::string>{"console"}));
  auto r = messaging_.send_email(email_to());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "console");
}

TEST_F(SwitchTest, SettingProvidersSwapsTheChainWithoutRestart) {
  ASSERT_TRUE(config_.set("email.providers", list({"b", "a"}), "admin"));
  EXPECT_EQ(messaging_.email_chain(), (std::vector<std::string>{"b", "a"}));
  auto r = messaging_.send_email(email_to());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider, "b");
  ASSERT_TRUE(config_.set("email.providers", list({"a"}), "admin"));
  EXPECT_EQ(messaging_.send_email(email_to())->provider, "a");
  // Unsetting returns to the default.
  ASSERT_TRUE(config_.unset("email.providers", "admin"));
  EXPECT_EQ(messaging_.email_chain(), (std::vector<std::string>{"console"}));
}

TEST_F(SwitchTest, UnknownProviderIsRejectedByConfigNamingTheKey) {
  Status s = config_.set("email.providers", list({"a", "nope"}), "admin");
  ASSERT_EQ(s.code(), Code::kInvalidArgument);
  ASSERT_FALSE(s.fields().empty());
  EXPECT_EQ(s.fields()[0].field, "email.providers");
  EXPECT_NE(s.fields()[0].message.find("\"nope\""), std::string::npos);
  EXPECT_EQ(config_.set("email.providers", list({}), "admin").code(), Code::kInvalidArgument);
  EXPECT_EQ(config_.set("email.providers", list({"a", "a"}), "admin").code(), Code::kInvalidArgument);
  EXPECT_EQ(config_.set("sms.providers", list({"sendgrid"}), "admin").code(), Code::kInvalidArgument);
  EXPECT_EQ(messaging_.email_chain(), (std::vector<std::string>{"console"}));
}

TEST_F(SwitchTest, MissingApiKeyRefusesTheSwapAndKeepsTheOldChain) {
  ASSERT_TRUE(config_.set("email.providers", list({"a"}), "admin"));
  // The name is valid, so config accepts it; building the chain fails.
  ASSERT_TRUE(config_.set("email.providers", list({"sendgrid", "a"}), "admin"));
  EXPECT_EQ(messaging_.email_chain(), (std::vector<std::string>{"a"}));
  Status why = messaging_.email_status();
  ASSERT_EQ(why.code(), Code::kInvalidArgument);
  EXPECT_EQ(why.fields()[0].field, "email.sendgrid.api_key");
  EXPECT_EQ(messaging_.send_email(email_to())->provider, "a");
  EXPECT_EQ(messaging_.reload().code(), Code::kInvalidArgument);

  // Supplying the key fixes it: that change rebuilds and the swap goes through.
  ASSERT_TRUE(config_.set("email.sendgrid.api_key", "SG.test", "admin"));
  EXPECT_EQ(messaging_.email_chain(), (std::vector<std::string>{"sendgrid", "a"}));
  EXPECT_TRUE(messaging_.email_status());
}

TEST_F(SwitchTest, SmsWebhookWithoutUrlIsRefused) {
  ASSERT_TRUE(config_.set("sms.providers", list({"webhook"}), "admin"));
  EXPECT_EQ(messaging_.sms_chain(), (std::vector<std::string>{"console"}));
  EXPECT_EQ(messaging_.sms_status().fields()[0].field, "sms.webhook.url");
  ASSERT_TRUE(config_.set("sms.webhook.url", "http://127.0.0.1:9/sms", "admin"));
  EXPECT_EQ(messaging_.sms_chain(), (std::vector<std::string>{"webhook"}));
}

TEST_F(SwitchTest, PolicyChangesTakeEffectOnTheNextSend) {
  ASSERT_TRUE(config_.set("email.providers", list({"a", "b"}), "admin"));
  scripts_["a"]->fail_always(Status::unavailable("down"));
  EXPECT_EQ(messaging_.send_email(email_to())->attempts, 4);  // 3 on a + 1 on b
  ASSERT_TRUE(config_.set("email.retry.max_attempts", 1, "admin"));
  EXPECT_EQ(messaging_.send_email(email_to())->attempts, 2);
  EXPECT_EQ(config_.set("email.retry.max_attempts", 0, "admin").code(), Code::kInvalidArgument);
}

TEST_F(SwitchTest, EachRebuildMakesFreshSendersAndReleasesOldOnes) {
  ASSERT_TRUE(config_.set("email.providers", list({"a"}), "admin"));
  EXPECT_EQ(scripts_["a"]->alive(), 1);
  ASSERT_TRUE(config_.set("email.providers", list({"b"}), "admin"));
  EXPECT_EQ(scripts_["a"]->alive(), 0);
  EXPECT_EQ(scripts_["b"]->alive(), 1);
}

TEST_F(SwitchTest, SendInFlightFinishesOnTheOldChain) {
  ASSERT_TRUE(config_.set("email.providers", list({"a"}), "admin"));
  auto a = scripts_["a"];
  {
    std::lock_guard lock(a->mu);
    a->block = true;
  }
  Result<Receipt> in_flight = Status::internal("not run");
  std::thread sender([&] { in_flight = messaging_.send_email(email_to("first@example.com")); });
  a->wait_entered();  // the send is inside provider "a" now

  ASSERT_TRUE(config_.set("email.providers", list({"b"}), "admin"));
  EXPECT_EQ(messaging_.email_chain(), (std::vector<std::string>{"b"}));
  // New sends use the new chain while the old one is still busy.
  auto during = messaging_.send_email(email_to("second@example.com"));
  ASSERT_TRUE(during.ok());
  EXPECT_EQ(during->provider, "b");
  EXPECT_EQ(a->alive(), 1);  // the old chain is kept alive by the send using it

  a->release();
  sender.join();
  ASSERT_TRUE(in_flight.ok()) << in_flight.status().to_string();
  EXPECT_EQ(in_flight->provider, "a");
  EXPECT_EQ(a->alive(), 0);  // released with the last send that held it
  EXPECT_EQ(a->recipients, (std::vector<std::string>{"first@example.com"}));
}

TEST_F(SwitchTest, ConsoleProvidersWriteTheOutbox) {
  EmailMessage m = email_to();
  m.html = "<p>Hi</p>";
  auto r = messaging_.send_email(m);
  ASSERT_TRUE(r.ok());
  std::string eml = dir_.path() + "/outbox/" + r->message_id.substr(0, r->message_id.find('@')) + ".eml";
  ASSERT_TRUE(std::filesystem::exists(eml)) << eml;
  std::ifstream in(eml);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("Message-ID: <" + r->message_id + ">\r\n"), std::string::npos);
  EXPECT_NE(text.find("From: no-reply@localhost\r\n"), std::string::npos);
  EXPECT_NE(text.find("To: ada@example.com\r\n"), std::string::npos);
  EXPECT_NE(text.find("multipart/alternative"), std::string::npos);

  auto s1 = messaging_.send_sms({.to = "+14155550100", .body = "code 111111"});
  auto s2 = messaging_.send_sms({.to = "+14155550101", .from = "Acme", .body = "code 222222"});
  ASSERT_TRUE(s1.ok() && s2.ok());
  EXPECT_EQ(s1->provider, "console");
  std::ifstream log(dir_.path() + "/outbox/sms.log");
  std::string l1, l2;
  std::getline(log, l1);
  std::getline(log, l2);
  auto j1 = boost::json::parse(l1).as_object();
  auto j2 = boost::json::parse(l2).as_object();
  EXPECT_EQ(j1["to"].as_string(), "+14155550100");
  EXPECT_EQ(j1["body"].as_string(), "code 111111");
  EXPECT_EQ(j1["id"].as_string(), s1->message_id);
  EXPECT_EQ(j2["from"].as_string(), "Acme");
}

}  // namespace
}  // namespace sb::providers
