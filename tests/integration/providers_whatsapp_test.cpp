// The whatsapp providers against a local stand-in, asserting the exact
// request each API documents — Meta's Cloud API (POST
// /{version}/{phone_number_id}/messages, Bearer token, JSON template or text
// message) and Twilio's WhatsApp sender (the Messages form with whatsapp:
// addresses, ContentSid + ContentVariables) — and the error mapping the chain
// relies on: rate limits retried then failed over, rejected credentials not
// retried (PermissionDenied), an undeliverable message refused
// (InvalidArgument).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/crypto.h"
#include "http_standin.h"
#include "providers/messaging.h"
#include "temp_dir.h"

namespace sb::providers {
namespace {

namespace bj = boost::json;
using Form = std::vector<std::pair<std::string, std::string>>;

bj::value list(std::initializer_list<const char*> names) {
  bj::array a;
  for (const char* n : names) a.emplace_back(n);
  return a;
}

std::string meta_error(int code, const std::string& message) {
  bj::object err{{"message", "(#" + std::to_string(code) + ") " + message},
                 {"type", "OAuthException"},
                 {"code", code},
                 {"error_data", bj::object{{"messaging_product", "whatsapp"}, {"details", "details here"}}},
                 {"fbtrace_id", "Az8or2"}};
  return bj::serialize(bj::object{{"error", std::move(err)}});
}

class WhatsAppProvidersTest : public ::testing::Test {
 protected:
  WhatsAppProvidersTest()
      : config_(nullptr, nullptr),
        messaging_(config_, Clock::system(), nullptr, dir_.path(), {.sleeper = [](Millis) {}}) {}

  void set(const std::string& key, bj::value v) {
    Status s = config_.set(key, v, "test");
    ASSERT_TRUE(s) << s.to_string();
  }
  void set(const std::string& key, const char* v) { set(key, bj::value(v)); }

  test::TempDir dir_;
  test::HttpStandin api_;
  config::ConfigService config_;
  Messaging messaging_;
};

// ---- Meta WhatsApp Cloud API ---------------------------------------------

class MetaTest : public WhatsAppProvidersTest {
 protected:
  void SetUp() override {
    set("whatsapp.meta.access_token", "EAAG-token");
    set("whatsapp.meta.phone_number_id", "106540352242922");
    set("whatsapp.meta.base_url", api_.base_url().c_str());
    set("whatsapp.providers", list({"meta"}));
    ASSERT_EQ(messaging_.chain<WhatsAppKind>(), (std::vector<std::string>{"meta"}))
        << messaging_.status<WhatsAppKind>().to_string();
  }
  static constexpr const char* kSent =
      R"({"messaging_product":"whatsapp","contacts":[{"input":"14155550100","wa_id":"14155550100"}],)"
      R"("messages":[{"id":"wamid.HBgLMTQxNTU1NTAxMDAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA","message_status":"accepted"}]})";
};

TEST_F(MetaTest, SendsTheDocumentedTemplateMessage) {
  api_.enqueue({.status = 200, .headers = {{"Content-Type", "application/json"}}, .body = kSent});
  auto r = messaging_.send_whatsapp({.to = "+14155550100",
                                     .template_name = "order_shipped",
                                     .language = "en_US",
                                     .parameters = {"A-17", "Tuesday & Wednesday"}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "meta");
  EXPECT_EQ(r->message_id, "wamid.HBgLMTQxNTU1NTAxMDAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA");
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v23.0/106540352242922/messages");
  EXPECT_EQ(req.header("Authorization"), "Bearer EAAG-token");
  EXPECT_EQ(req.header("Content-Type"), "application/json");
  EXPECT_EQ(bj::parse(req.body), bj::parse(R"({"messaging_product":"whatsapp","to":"14155550100","type":"template",
      "template":{"name":"order_shipped","language":{"code":"en_US"},
                  "components":[{"type":"body","parameters":[{"type":"text","text":"A-17"},
                                                             {"type":"text","text":"Tuesday & Wednesday"}]}]}})"));
}

TEST_F(MetaTest, FreeFormTextIsATextMessage) {
  set("whatsapp.meta.api_version", "v24.0");
  api_.enqueue({.status = 200, .body = kSent});
  ASSERT_TRUE(messaging_.send_whatsapp({.to = "+4915112345678", .body = "Your table is ready.\nWelcome!"}).ok());
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.target, "/v24.0/106540352242922/messages");
  EXPECT_EQ(bj::parse(req.body), bj::parse(R"({"messaging_product":"whatsapp","to":"4915112345678","type":"text",
      "text":{"body":"Your table is ready.\nWelcome!"}})"));
}

TEST_F(MetaTest, ATemplateWithoutParametersHasNoComponentsAndParametersGoOnOneLine) {
  api_.set_default({.status = 200, .body = kSent});
  ASSERT_TRUE(messaging_.send_whatsapp({.to = "+14155550100", .template_name = "hello_world"}).ok());
  ASSERT_TRUE(messaging_.send_whatsapp(
      {.to = "+14155550100", .template_name = "digest", .parameters = {"Line one\n\nLine\ttwo     end  "}}).ok());
  auto reqs = api_.requests();
  EXPECT_EQ(bj::parse(reqs.at(0).body).at("template"), bj::parse(R"({"name":"hello_world","language":{"code":"en"}})"))
      << "whatsapp.default_language";
  // Meta refuses line breaks, tabs and long runs of spaces in a parameter.
  EXPECT_EQ(bj::parse(reqs.at(1).body).at("template").at("components").at(0).at("parameters").at(0).at("text"),
            "Line one Line two end");
}

TEST_F(MetaTest, RateLimitsAreRetriedThenFailOver) {
  set("whatsapp.providers", list({"meta", "console"}));
  api_.set_default({.status = 400, .body = meta_error(130429, "Rate limit hit")});
  auto r = messaging_.send_whatsapp({.to = "+14155550100", .template_name = "otp", .parameters = {"123456"}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "console");
  EXPECT_EQ(r->failed_over_from, (std::vector<std::string>{"meta"}));
  EXPECT_EQ(api_.request_count(), 3u) << "whatsapp.retry.max_attempts calls to meta";
}

TEST_F(MetaTest, PairRateLimitAndHttp429AreRetried) {
  api_.enqueue({.status = 400, .body = meta_error(131056, "(Business Account, Consumer Account) pair rate limit hit")});
  api_.enqueue({.status = 429, .body = "{}"});
  api_.enqueue({.status = 200, .body = kSent});
  auto r = messaging_.send_whatsapp({.to = "+14155550100", .body = "hi"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->attempts, 3);
}

TEST_F(MetaTest, AnExpiredTokenIsPermissionDeniedNotRetriedAndTheTokenIsNotInTheError) {
  api_.enqueue({.status = 401, .body = meta_error(190, "Error validating access token")});
  auto r = messaging_.send_whatsapp({.to = "+14155550100", .body = "hi"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_NE(r.status().message().find("190"), std::string::npos);
  EXPECT_EQ(r.status().message().find("EAAG-token"), std::string::npos);
  EXPECT_EQ(api_.request_count(), 1u);
}

TEST_F(MetaTest, AnUndeliverableMessageIsInvalidArgumentNotRetried) {
  api_.enqueue({.status = 400, .body = meta_error(131026, "Message undeliverable")});
  auto r = messaging_.send_whatsapp({.to = "+14155550100", .template_name = "otp", .parameters = {"1"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("undeliverable"), std::string::npos);
  EXPECT_EQ(api_.request_count(), 1u);
}

TEST_F(MetaTest, AServerErrorWithoutACodeIsRetried) {
  api_.fail_next(2, 503, "upstream connect error");
  api_.enqueue({.status = 200, .body = kSent});
  auto r = messaging_.send_whatsapp({.to = "+14155550100", .body = "hi"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->attempts, 3);
}

TEST_F(WhatsAppProvidersTest, MetaNeedsATokenAndAPhoneNumberId) {
  set("whatsapp.meta.access_token", "t");
  set("whatsapp.providers", list({"meta"}));
  EXPECT_EQ(messaging_.chain<WhatsAppKind>(), (std::vector<std::string>{"console"}));
  EXPECT_EQ(messaging_.status<WhatsAppKind>().fields().at(0).field, "whatsapp.meta.phone_number_id");
  EXPECT_FALSE(config_.set("whatsapp.meta.api_version", bj::value("23"), "test"));
}

// ---- Twilio WhatsApp -------------------------------------------------------

class TwilioWhatsAppTest : public WhatsAppProvidersTest {
 protected:
  void SetUp() override {
    set("whatsapp.twilio.account_sid", "AC0123456789");
    set("whatsapp.twilio.auth_token", "tw-token");
    set("whatsapp.twilio.from", "+14155238886");
    set("whatsapp.twilio.base_url", api_.base_url().c_str());
    set("whatsapp.providers", list({"twilio"}));
    ASSERT_EQ(messaging_.chain<WhatsAppKind>(), (std::vector<std::string>{"twilio"}))
        << messaging_.status<WhatsAppKind>().to_string();
  }
  static constexpr const char* kSid = "HXb5b62575e6e4ff6129ad7c8efe1f983e";
};

TEST_F(TwilioWhatsAppTest, SendsATemplateAsContentSidAndVariables) {
  api_.enqueue({.status = 201, .body = R"({"sid":"SM123","status":"queued"})"});
  auto r = messaging_.send_whatsapp({.to = "+14155550100", .template_name = kSid, .parameters = {"12/1", "3pm"}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "twilio");
  EXPECT_EQ(r->message_id, "SM123");
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/2010-04-01/Accounts/AC0123456789/Messages.json");
  EXPECT_EQ(req.header("Authorization"), "Basic " + crypto::base64_encode("AC0123456789:tw-token"));
  EXPECT_EQ(req.header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(req.form(), (Form{{"To", "whatsapp:+14155550100"},
                              {"From", "whatsapp:+14155238886"},
                              {"ContentSid", kSid},
                              {"ContentVariables", R"({"1":"12/1","2":"3pm"})"}}));
}

TEST_F(TwilioWhatsAppTest, FreeFormTextIsABody) {
  api_.enqueue({.status = 201, .body = R"({"sid":"SM124"})"});
  ASSERT_TRUE(messaging_.send_whatsapp({.to = "+14155550100", .body = "Your table is ready"}).ok());
  EXPECT_EQ(api_.requests().at(0).form(), (Form{{"To", "whatsapp:+14155550100"},
                                                {"From", "whatsapp:+14155238886"},
                                                {"Body", "Your table is ready"}}));
}

TEST_F(TwilioWhatsAppTest, ATemplateNameIsMappedToItsContentSidOrRefusedBeforeAnyRequest) {
  set("whatsapp.twilio.content_sids", bj::object{{"order_shipped", kSid}});
  api_.enqueue({.status = 201, .body = R"({"sid":"SM125"})"});
  ASSERT_TRUE(messaging_.send_whatsapp({.to = "+14155550100", .template_name = "order_shipped"}).ok());
  EXPECT_EQ(api_.requests().at(0).form_values("ContentSid"), (std::vector<std::string>{kSid}));
  EXPECT_TRUE(api_.requests().at(0).form_values("ContentVariables").empty());

  auto unknown = messaging_.send_whatsapp({.to = "+14155550100", .template_name = "welcome"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(unknown.status().fields().at(0).field, "/template/name");
  EXPECT_EQ(api_.request_count(), 1u);
  EXPECT_FALSE(config_.set("whatsapp.twilio.content_sids", bj::object{{"x", "not-a-sid"}}, "test"));
}

TEST_F(TwilioWhatsAppTest, RateLimitsAreRetriedAndBadCredentialsAreNot) {
  api_.fail_next(1, 429, R"({"code":20429,"message":"Too Many Requests","status":429})");
  api_.enqueue({.status = 201, .body = R"({"sid":"SM126"})"});
  auto ok = messaging_.send_whatsapp({.to = "+14155550100", .body = "hi"});
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(ok->attempts, 2);

  api_.enqueue({.status = 401, .body = R"({"code":20003,"message":"Authenticate","status":401})"});
  auto denied = messaging_.send_whatsapp({.to = "+14155550100", .body = "hi"});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(denied.status().message().find("tw-token"), std::string::npos);
  EXPECT_EQ(api_.request_count(), 3u);
}

TEST_F(TwilioWhatsAppTest, AMessagingServiceIsTheSenderWhenNoFromIsSet) {
  set("whatsapp.twilio.messaging_service_sid", "MG999");
  set("whatsapp.twilio.from", "");
  api_.enqueue({.status = 201, .body = R"({"sid":"SM127"})"});
  ASSERT_TRUE(messaging_.send_whatsapp({.to = "+14155550100", .body = "hi"}).ok());
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.form_values("MessagingServiceSid"), (std::vector<std::string>{"MG999"}));
  EXPECT_TRUE(req.form_values("From").empty());
}

TEST_F(WhatsAppProvidersTest, TwilioNeedsASender) {
  set("whatsapp.twilio.account_sid", "AC1");
  set("whatsapp.twilio.auth_token", "t");
  set("whatsapp.providers", list({"twilio"}));
  EXPECT_EQ(messaging_.chain<WhatsAppKind>(), (std::vector<std::string>{"console"}));
  EXPECT_EQ(messaging_.status<WhatsAppKind>().fields().at(0).field, "whatsapp.twilio.from");
}

}  // namespace
}  // namespace sb::providers
