#include "providers/registry.h"

#include <gtest/gtest.h>

#include "fake_senders.h"
#include "providers/channel_keys.h"
#include "providers/keys.h"
#include "providers/messaging.h"

namespace sb::providers {
namespace {

using testing::fake_email;
using testing::Script;

TEST(Registry, ListsRegisteredNamesSortedWithDescriptions) {
  config::ConfigService config(nullptr, nullptr);
  Registry<EmailSender> r("email", config);
  auto s = std::make_shared<Script>();
  ASSERT_TRUE(r.add(fake_email("zeta", s)));
  ASSERT_TRUE(r.add(fake_email("alpha", s)));
  EXPECT_EQ(r.list(), (std::vector<std::string>{"alpha", "zeta"}));
  EXPECT_EQ(r.description("zeta"), "test fake zeta");
  EXPECT_TRUE(r.contains("alpha"));
  EXPECT_FALSE(r.contains("beta"));
}

TEST(Registry, DuplicateNameFails) {
  config::ConfigService config(nullptr, nullptr);
  Registry<EmailSender> r("email", config);
  auto s = std::make_shared<Script>();
  ASSERT_TRUE(r.add(fake_email("smtp", s)));
  Status dup = r.add(fake_email("smtp", s));
  EXPECT_EQ(dup.code(), Code::kAlreadyExists);
  EXPECT_NE(dup.message().find("smtp"), std::string::npos);
  EXPECT_EQ(r.list().size(), 1u);
}

TEST(Registry, UnknownNameIsNotFoundNamingItAndWhatExists) {
  config::ConfigService config(nullptr, nullptr);
  Registry<EmailSender> r("email", config);
  ASSERT_TRUE(r.add(fake_email("console", std::make_shared<Script>())));
  auto created = r.create("nope", config);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), Code::kNotFound);
  EXPECT_NE(created.status().message().find("\"nope\""), std::string::npos);
  EXPECT_NE(created.status().message().find("console"), std::string::npos);
}

TEST(Registry, CreateRunsTheFactory) {
  config::ConfigService config(nullptr, nullptr);
  Registry<EmailSender> r("email", config);
  auto s = std::make_shared<Script>();
  ASSERT_TRUE(r.add(fake_email("a", s)));
  auto sender = r.create("a", config);
  ASSERT_TRUE(sender.ok());
  EXPECT_EQ(s->alive(), 1);
  auto id = (*sender)->send(testing::email_to());
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "a-id-1");
}

TEST(Registry, DeclaresTheFactoryKeysIncludingSecrets) {
  config::ConfigService config(nullptr, nullptr);
  Registry<EmailSender> r("email", config);
  auto f = fake_email("acme", std::make_shared<Script>());
  const config::Key<std::string> api_key{"email.acme.api_key", "", "key", config::secret};
  const config::Key<std::string> base_url{"email.acme.base_url", "https://acme", "url", keys::kHttpUrl};
  f.keys = {api_key.spec(), base_url.spec()};
  ASSERT_TRUE(r.add(f));
  EXPECT_TRUE(config.is_secret("email.acme.api_key"));
  EXPECT_FALSE(config.is_secret("email.acme.base_url"));
  EXPECT_EQ(config.get(base_url), "https://acme");
  // The declared validator runs on set.
  Status bad = config.set("email.acme.base_url", "ftp://x", "test");
  EXPECT_EQ(bad.code(), Code::kInvalidArgument);
  ASSERT_FALSE(bad.fields().empty());
  EXPECT_EQ(bad.fields()[0].field, "email.acme.base_url");
}

TEST(Registry, RejectsKeysOutsideTheProvidersPrefixAndBadNames) {
  config::ConfigService config(nullptr, nullptr);
  Registry<EmailSender> r("email", config);
  auto f = fake_email("acme", std::make_shared<Script>());
  f.keys = {config::Key<std::string>{"email.other.api_key", "", "key", config::secret}.spec()};
  EXPECT_EQ(r.add(f).code(), Code::kInvalidArgument);
  EXPECT_EQ(r.add(fake_email("Bad Name", std::make_shared<Script>())).code(), Code::kInvalidArgument);
  EXPECT_TRUE(r.list().empty());
}

TEST(Registry, MessagingRegistersTheBuiltInProviders) {
  ManualClock clock;
  config::ConfigService config(nullptr, nullptr, clock);
  Messaging m(config, clock, nullptr, "/tmp");
  EXPECT_EQ(m.email_providers(), (std::vector<std::string>{"console", "discard", "mailgun", "sendgrid", "ses", "smtp"}));
  EXPECT_EQ(m.sms_providers(), (std::vector<std::string>{"console", "discard", "sns", "twilio", "vonage", "webhook"}));
  EXPECT_EQ(m.providers<WhatsAppKind>(), (std::vector<std::string>{"console", "discard", "meta", "twilio"}));
  EXPECT_TRUE(config.is_secret("email.sendgrid.api_key"));
  EXPECT_TRUE(config.is_secret("email.mailgun.api_key"));
  EXPECT_TRUE(config.is_secret("email.smtp.password"));
  EXPECT_TRUE(config.is_secret("sms.twilio.auth_token"));
  EXPECT_TRUE(config.is_secret("sms.webhook.token"));
  for (const char* key : {"email.ses.secret_access_key", "email.ses.session_token", "sms.sns.secret_access_key",
                          "sms.sns.session_token", "sms.vonage.api_secret", "whatsapp.meta.access_token",
                          "whatsapp.twilio.auth_token"})
    EXPECT_TRUE(config.is_secret(key)) << key;
  EXPECT_FALSE(config.is_secret("email.ses.access_key_id"));
  // The providers' keys are file-local constants: check the declared defaults.
  auto default_of = [&](const std::string& key) { return config.entry(key)->value; };
  EXPECT_EQ(default_of("email.sendgrid.base_url"), boost::json::value("https://api.sendgrid.com"));
  EXPECT_EQ(default_of("email.mailgun.base_url"), boost::json::value("https://api.mailgun.net"));
  EXPECT_EQ(default_of("sms.twilio.base_url"), boost::json::value("https://api.twilio.com"));
  EXPECT_EQ(config.get(kRetryMaxAttempts, "email"), 3);
  EXPECT_EQ(config.get(kConnectTimeoutMs, "email"), 5000);
  EXPECT_EQ(config.get(kTimeoutMs, "sms"), 15000);
}

}  // namespace
}  // namespace sb::providers
