// The whatsapp channel's messages: validation and the JSON of POST
// /v1/messages/whatsapp name each bad field; WhatsAppKind fills a template's
// language from whatsapp.default_language (and writes "de-AT" as Meta's
// "de_AT"); the console provider writes the outbox.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>

#include "config/config.h"
#include "providers/messaging.h"
#include "providers/whatsapp/whatsapp.h"
#include "temp_dir.h"

namespace sb::providers {
namespace {

namespace bj = boost::json;

std::map<std::string, std::string> fields_of(const Status& s) {
  std::map<std::string, std::string> out;
  for (const auto& f : s.fields()) out[f.field] = f.message;
  return out;
}

TEST(WhatsAppMessageTest, ParsesATemplateMessage) {
  auto m = parse_whatsapp(bj::parse(
      R"({"to":"+14155550100","template":{"name":"order_shipped","language":"en_US","parameters":["A-17","Tue"]}})"));
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->to, "+14155550100");
  EXPECT_TRUE(m->is_template());
  EXPECT_EQ(m->template_name, "order_shipped");
  EXPECT_EQ(m->language, "en_US");
  EXPECT_EQ(m->parameters, (std::vector<std::string>{"A-17", "Tue"}));
  EXPECT_EQ(m->body, "");
}

TEST(WhatsAppMessageTest, ParsesFreeFormText) {
  auto m = parse_whatsapp(bj::parse(R"({"to":"+4915112345678","body":"Your table is ready"})"));
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_FALSE(m->is_template());
  EXPECT_EQ(m->body, "Your table is ready");
}

TEST(WhatsAppMessageTest, BadInputNamesEachField) {
  auto bad = parse_whatsapp(bj::parse(
      R"({"to":"555","template":{"name":"has space","language":"e","parameters":["ok","",3]},"extra":1})"));
  ASSERT_FALSE(bad.ok());
  auto f = fields_of(bad.status());
  EXPECT_TRUE(f.count("/to")) << bad.status().to_string();
  EXPECT_TRUE(f.count("/extra"));
  EXPECT_TRUE(f.count("/template/name"));
  EXPECT_TRUE(f.count("/template/language"));
  EXPECT_EQ(f["/template/parameters/1"], "must not be empty");
  EXPECT_EQ(f["/template/parameters/2"], "must be a string");
  EXPECT_FALSE(f.count("/template/parameters/0"));

  EXPECT_EQ(fields_of(parse_whatsapp(bj::parse(R"({"to":"+14155550100"})")).status())["/body"],
            "body or template is required");
  auto both = parse_whatsapp(bj::parse(R"({"to":"+14155550100","body":"x","template":{"name":"t"}})"));
  EXPECT_TRUE(fields_of(both.status()).count("/body"));
  // A template without its name says so, not that the body is missing.
  auto nameless = fields_of(parse_whatsapp(bj::parse(R"({"to":"+14155550100","template":{}})")).status());
  EXPECT_EQ(nameless, (std::map<std::string, std::string>{{"/template/name", "is required"}}));
  EXPECT_TRUE(fields_of(parse_whatsapp(bj::parse(R"({"to":"+14155550100","template":"t"})")).status())
                  .count("/template"));
  EXPECT_TRUE(fields_of(parse_whatsapp(bj::parse(R"({"to":"+1415555010","body":")" + std::string(4097, 'x') +
                                                  R"("})"))
                            .status())
                  .count("/body"));
}

class WhatsAppChannelTest : public ::testing::Test {
 protected:
  WhatsAppChannelTest() : config_(nullptr, nullptr), messaging_(config_, Clock::system(), nullptr, dir_.path()) {}

  test::TempDir dir_;
  config::ConfigService config_;
  Messaging messaging_;
};

TEST_F(WhatsAppChannelTest, ConsoleIsTheDefaultAndWritesTheOutboxWithTheDefaultLanguage) {
  EXPECT_EQ(messaging_.chain<WhatsAppKind>(), (std::vector<std::string>{"console"}));
  EXPECT_EQ(messaging_.providers<WhatsAppKind>(), (std::vector<std::string>{"console", "discard", "meta", "twilio"}));
  ASSERT_TRUE(config_.set("whatsapp.default_language", bj::value("de"), "test"));
  auto r = messaging_.send_whatsapp({.to = "+4915112345678", .template_name = "otp", .parameters = {"123456"}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "console");
  ASSERT_TRUE(messaging_.send_whatsapp({.to = "+4915112345678", .body = "Hallo"}).ok());
  std::ifstream in(dir_.path() + "/outbox/whatsapp.log");
  std::string first, second;
  ASSERT_TRUE(std::getline(in, first));
  ASSERT_TRUE(std::getline(in, second));
  auto a = bj::parse(first).as_object();
  EXPECT_EQ(a.at("id").as_string(), r->message_id);
  EXPECT_EQ(a.at("to").as_string(), "+4915112345678");
  EXPECT_EQ(a.at("template"), bj::parse(R"({"name":"otp","language":"de","parameters":["123456"]})"));
  EXPECT_EQ(bj::parse(second).as_object().at("body").as_string(), "Hallo");
}

TEST_F(WhatsAppChannelTest, ALocaleTagBecomesMetasLanguageCodeAndBadMessagesAreRefusedBeforeAnyProvider) {
  auto r = messaging_.send_whatsapp({.to = "+4915112345678", .template_name = "otp", .language = "de-AT"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  std::ifstream in(dir_.path() + "/outbox/whatsapp.log");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(bj::parse(line).at("template").at("language").as_string(), "de_AT");

  auto bad = messaging_.send_whatsapp({.to = "+4915112345678"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(config_.set("whatsapp.default_language", bj::value("not a code"), "test"));
}

}  // namespace
}  // namespace sb::providers
