// The HTTP providers (sendgrid, mailgun, twilio, vonage, webhook) against a local
// stand-in, asserting the exact request each API documents — method, path,
// auth, content type, body fields — and the status mapping the chain relies
// on (5xx/429/timeouts retried, 401/403 and 4xx not).
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

bj::value list(std::initializer_list<const char*> names) {
  bj::array a;
  for (const char* n : names) a.emplace_back(n);
  return a;
}

class HttpProvidersTest : public ::testing::Test {
 protected:
  HttpProvidersTest()
      : config_(nullptr, nullptr),
        messaging_(config_, Clock::system(), nullptr, dir_.path(), {.sleeper = [](Millis) {}}) {}

  void set(const std::string& key, bj::value v) {
    Status s = config_.set(key, v, "test");
    ASSERT_TRUE(s) << s.to_string();
  }
  void set(const std::string& key, const std::string& v) { set(key, bj::value(v)); }
  void set(const std::string& key, const char* v) { set(key, bj::value(v)); }

  EmailMessage full_email() {
    EmailMessage m;
    m.from = "Acme <no-reply@acme.example>";
    m.to = {"Ada <ada@example.com>", "bob@example.com"};
    m.cc = {"carol@example.com"};
    m.bcc = {"audit@acme.example"};
    m.reply_to = "support@acme.example";
    m.subject = "Your receipt";
    m.text = "Thanks & goodbye";
    m.html = "<p>Thanks</p>";
    m.headers = {{"X-Campaign", "spring"}};
    return m;
  }

  test::TempDir dir_;
  test::HttpStandin api_;
  config::ConfigService config_;
  Messaging messaging_;
};

// ---- SendGrid ------------------------------------------------------------

class SendgridTest : public HttpProvidersTest {
 protected:
  void SetUp() override {
    set("email.sendgrid.api_key", "SG.test-key");
    set("email.sendgrid.base_url", api_.base_url());
    set("email.providers", list({"sendgrid"}));
    ASSERT_EQ(messaging_.email_chain(), (std::vector<std::string>{"sendgrid"}));
  }
};

TEST_F(SendgridTest, SendsTheDocumentedMailSendRequest) {
  api_.enqueue({.status = 202, .headers = {{"X-Message-Id", "sg-msg-1"}}});
  auto r = messaging_.send_email(full_email());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "sendgrid");
  EXPECT_EQ(r->message_id, "sg-msg-1");
  ASSERT_EQ(api_.request_count(), 1u);
  auto req = api_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v3/mail/send");
  EXPECT_EQ(req.header("Authorization"), "Bearer SG.test-key");
  EXPECT_EQ(req.header("Content-Type"), "application/json");
  bj::value body = bj::parse(req.body);
  bj::value want = bj::parse(R"({
    "personalizations": [{
      "to": [{"email": "ada@example.com", "name": "Ada"}, {"email": "bob@example.com"}],
      "cc": [{"email": "carol@example.com"}],
      "bcc": [{"email": "audit@acme.example"}]
    }],
    "from": {"email": "no-reply@acme.example", "name": "Acme"},
    "reply_to": {"email": "support@acme.example"},
    "subject": "Your receipt",
    "content": [{"type": "text/plain", "value": "Thanks & goodbye"},
                {"type": "text/html", "value": "<p>Thanks</p>"}],
    "headers": {"X-Campaign": "spring"}
  })");
  EXPECT_EQ(body, want) << req.body;
}

TEST_F(SendgridTest, OmitsEmptyOptionalFields) {
  api_.enqueue({.status = 202});
  EmailMessage m;
  m.to = {"ada@example.com"};
  m.subject = "Hi";
  m.html = "<b>hi</b>";
  ASSERT_TRUE(messaging_.send_email(m).ok());
  bj::object body = bj::parse(api_.requests()[0].body).as_object();
  EXPECT_FALSE(body["personalizations"].as_array()[0].as_object().contains("cc"));
  EXPECT_FALSE(body["personalizations"].as_array()[0].as_object().contains("bcc"));
  EXPECT_FALSE(body.contains("reply_to"));
  EXPECT_EQ(body["from"], bj::parse(R"({"email":"no-reply@localhost"})"));  // config email.from
  EXPECT_EQ(body["content"], bj::parse(R"([{"type":"text/html","value":"<b>hi</b>"}])"));
}

TEST_F(SendgridTest, RetriesServerErrorsAndRateLimitsThenSucceeds) {
  api_.fail_next(1, 503);
  api_.fail_next(1, 429);
  api_.enqueue({.status = 202, .headers = {{"X-Message-Id", "third"}}});
  auto r = messaging_.send_email(full_email());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(r->message_id, "third");
  EXPECT_EQ(api_.request_count(), 3u);
}

TEST_F(SendgridTest, BadKeyIsPermissionDeniedNotRetriedAndTheKeyIsNotInTheError) {
  api_.enqueue({.status = 401, .body = R"({"errors":[{"message":"The provided authorization grant is invalid"}]})"});
  auto r = messaging_.send_email(full_email());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_NE(r.status().message().find("HTTP 401"), std::string::npos);
  EXPECT_EQ(r.status().message().find("SG.test-key"), std::string::npos);
  EXPECT_EQ(api_.request_count(), 1u);
}

TEST_F(SendgridTest, BadRequestIsInvalidArgumentNotRetried) {
  api_.enqueue({.status = 400, .body = R"({"errors":[{"field":"from.email"}]})"});
  auto r = messaging_.send_email(full_email());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(api_.request_count(), 1u);
}

TEST_F(SendgridTest, TimeoutIsRetryableAndFailsOverToTheNextProvider) {
  set("email.timeout_ms", 300);
  set("email.retry.max_attempts", 1);
  set("email.providers", list({"sendgrid", "console"}));
  api_.enqueue({.hang = true});
  auto r = messaging_.send_email(full_email());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "console");
  EXPECT_EQ(r->failed_over_from, (std::vector<std::string>{"sendgrid"}));
}

TEST_F(SendgridTest, UnreachableApiIsUnavailable) {
  set("email.sendgrid.base_url", "http://127.0.0.1:" + std::to_string(test::free_port()));
  set("email.retry.max_attempts", 2);
  auto r = messaging_.send_email(full_email());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(api_.request_count(), 0u);
}

// ---- Mailgun -------------------------------------------------------------

TEST_F(HttpProvidersTest, MailgunSendsTheDocumentedFormPost) {
  set("email.mailgun.api_key", "key-123");
  set("email.mailgun.domain", "mg.acme.example");
  set("email.mailgun.base_url", api_.base_url() + "/");
  set("email.providers", list({"mailgun"}));
  api_.enqueue({.status = 200,
                .headers = {{"Content-Type", "application/json"}},
                .body = R"({"id":"<20240101.1@mg.acme.example>","message":"Queued. Thank you."})"});
  auto r = messaging_.send_email(full_email());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "mailgun");
  EXPECT_EQ(r->message_id, "20240101.1@mg.acme.example");
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v3/mg.acme.example/messages");
  EXPECT_EQ(req.header("Authorization"), "Basic " + crypto::base64_encode("api:key-123"));
  EXPECT_EQ(req.header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(req.form_values("from"), (std::vector<std::string>{"Acme <no-reply@acme.example>"}));
  EXPECT_EQ(req.form_values("to"), (std::vector<std::string>{"Ada <ada@example.com>", "bob@example.com"}));
  EXPECT_EQ(req.form_values("cc"), (std::vector<std::string>{"carol@example.com"}));
  EXPECT_EQ(req.form_values("bcc"), (std::vector<std::string>{"audit@acme.example"}));
  EXPECT_EQ(req.form_values("subject"), (std::vector<std::string>{"Your receipt"}));
  EXPECT_EQ(req.form_values("text"), (std::vector<std::string>{"Thanks & goodbye"}));
  EXPECT_EQ(req.form_values("html"), (std::vector<std::string>{"<p>Thanks</p>"}));
  EXPECT_EQ(req.form_values("h:Reply-To"), (std::vector<std::string>{"support@acme.example"}));
  EXPECT_EQ(req.form_values("h:X-Campaign"), (std::vector<std::string>{"spring"}));
}

TEST_F(HttpProvidersTest, MailgunNeedsKeyAndDomain) {
  set("email.mailgun.api_key", "key-123");
  set("email.providers", list({"mailgun"}));
  EXPECT_EQ(messaging_.email_chain(), (std::vector<std::string>{"console"}));
  EXPECT_EQ(messaging_.email_status().fields().at(0).field, "email.mailgun.domain");
}

// ---- Twilio --------------------------------------------------------------

class TwilioTest : public HttpProvidersTest {
 protected:
  void SetUp() override {
    set("sms.twilio.account_sid", "AC0123456789");
    set("sms.twilio.auth_token", "tw-token");
    set("sms.twilio.base_url", api_.base_url());
    set("sms.providers", list({"twilio"}));
    ASSERT_EQ(messaging_.sms_chain(), (std::vector<std::string>{"twilio"}));
  }
};

TEST_F(TwilioTest, SendsTheDocumentedMessagesRequest) {
  set("sms.from", "+15005550006");
  api_.enqueue({.status = 201,
                .headers = {{"Content-Type", "application/json"}},
                .body = R"({"sid":"SM123","status":"queued"})"});
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "Your code is 123 456 & more"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "twilio");
  EXPECT_EQ(r->message_id, "SM123");
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/2010-04-01/Accounts/AC0123456789/Messages.json");
  EXPECT_EQ(req.header("Authorization"), "Basic " + crypto::base64_encode("AC0123456789:tw-token"));
  EXPECT_EQ(req.header("Content-Type"), "application/x-www-form-urlencoded");
  auto form = req.form();
  EXPECT_EQ(form, (std::vector<std::pair<std::string, std::string>>{
                      {"To", "+14155550100"}, {"From", "+15005550006"}, {"Body", "Your code is 123 456 & more"}}));
}

TEST_F(TwilioTest, UsesTheMessagingServiceWhenThereIsNoFrom) {
  set("sms.twilio.messaging_service_sid", "MG999");
  api_.enqueue({.status = 201, .body = R"({"sid":"SM2"})"});
  ASSERT_TRUE(messaging_.send_sms({.to = "+14155550100", .body = "hi"}).ok());
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.form_values("MessagingServiceSid"), (std::vector<std::string>{"MG999"}));
  EXPECT_TRUE(req.form_values("From").empty());
}

TEST_F(TwilioTest, WithoutAnySenderTheMessageIsRejectedBeforeAnyRequest) {
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "hi"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().fields().at(0).field, "/from");
  EXPECT_EQ(api_.request_count(), 0u);
}

TEST_F(TwilioTest, ServerErrorsFailOverToTheNextSmsProvider) {
  set("sms.from", "Acme");
  set("sms.providers", list({"twilio", "console"}));
  api_.set_default({.status = 500, .body = "oops"});
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "hi"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "console");
  EXPECT_EQ(r->attempts, 4);  // 3 on twilio + 1 on console
  EXPECT_EQ(api_.request_count(), 3u);
}

// ---- Vonage --------------------------------------------------------------

class VonageTest : public HttpProvidersTest {
 protected:
  void SetUp() override {
    set("sms.vonage.api_key", "vk-123");
    set("sms.vonage.api_secret", "vs-secret");
    set("sms.vonage.base_url", api_.base_url());
    set("sms.providers", list({"vonage"}));
    ASSERT_EQ(messaging_.sms_chain(), (std::vector<std::string>{"vonage"})) << messaging_.sms_status().to_string();
  }
  // Vonage answers 200 whatever the outcome; the verdict is the part's status.
  static std::string answer(const std::string& status, const std::string& error_text = "") {
    if (status == "0")
      return R"({"message-count":"1","messages":[{"to":"14155550100","message-id":"0A0000000123ABCD1",)"
             R"("status":"0","remaining-balance":"3.14","message-price":"0.03","network":"12345"}]})";
    return R"({"message-count":"1","messages":[{"status":")" + status + R"(","error-text":")" + error_text +
           R"("}]})";
  }
};

TEST_F(VonageTest, SendsTheDocumentedSmsRequest) {
  set("sms.from", "+15005550006");
  api_.enqueue({.status = 200, .headers = {{"Content-Type", "application/json"}}, .body = answer("0")});
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "Your code is 123 456 & more"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "vonage");
  EXPECT_EQ(r->message_id, "0A0000000123ABCD1");
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/sms/json");
  EXPECT_EQ(req.header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(req.header("Authorization"), "") << "the credentials go in the form";
  // Numbers without the leading '+'; GSM text needs no type.
  EXPECT_EQ(req.form(), (std::vector<std::pair<std::string, std::string>>{{"api_key", "vk-123"},
                                                                          {"api_secret", "vs-secret"},
                                                                          {"from", "15005550006"},
                                                                          {"to", "14155550100"},
                                                                          {"text", "Your code is 123 456 & more"}}));
}

TEST_F(VonageTest, TextOutsideGsm7IsSentAsUnicodeAndASenderIdAsIs) {
  set("sms.from", "Acme");
  api_.set_default({.status = 200, .body = answer("0")});
  // GSM 03.38 covers these, the euro and brackets from its extension table.
  ASSERT_TRUE(messaging_.send_sms({.to = "+4915112345678", .body = "Grüße, 5€ [ok] à Ñ Δ"}).ok());
  ASSERT_TRUE(messaging_.send_sms({.to = "+4915112345678", .body = "こんにちは"}).ok());
  ASSERT_TRUE(messaging_.send_sms({.to = "+4915112345678", .body = "ok `quoted`"}).ok());
  auto reqs = api_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].form_values("from"), (std::vector<std::string>{"Acme"}));
  EXPECT_TRUE(reqs[0].form_values("type").empty());
  EXPECT_EQ(reqs[1].form_values("type"), (std::vector<std::string>{"unicode"}));
  EXPECT_EQ(reqs[1].form_values("text"), (std::vector<std::string>{"こんにちは"}));
  EXPECT_EQ(reqs[2].form_values("type"), (std::vector<std::string>{"unicode"})) << "the backtick is not GSM";
}

TEST_F(VonageTest, ThrottledIsRetriedThenFailsOver) {
  set("sms.from", "Acme");
  set("sms.providers", list({"vonage", "console"}));
  api_.set_default({.status = 200, .body = answer("1", "Throughput Rate Exceeded")});
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "hi"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "console");
  EXPECT_EQ(r->failed_over_from, (std::vector<std::string>{"vonage"}));
  EXPECT_EQ(api_.request_count(), 3u) << "sms.retry.max_attempts calls to vonage";
}

TEST_F(VonageTest, HttpRateLimitsAndServerErrorsAreRetried) {
  set("sms.from", "Acme");
  api_.fail_next(1, 429);
  api_.fail_next(1, 503);
  api_.set_default({.status = 200, .body = answer("0")});
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "hi"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->attempts, 3);
}

TEST_F(VonageTest, BadCredentialsArePermissionDeniedNotRetriedAndTheSecretIsNotInTheError) {
  set("sms.from", "Acme");
  for (const char* status : {"4", "8", "9"}) {
    api_.enqueue({.status = 200, .body = answer(status, "Bad Credentials")});
    auto r = messaging_.send_sms({.to = "+14155550100", .body = "hi"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kPermissionDenied) << status;
    EXPECT_EQ(r.status().message().find("vs-secret"), std::string::npos);
  }
  EXPECT_EQ(api_.request_count(), 3u) << "one call each";
}

TEST_F(VonageTest, RefusedMessagesAreInvalidArgumentNotRetried) {
  set("sms.from", "Acme");
  for (const char* status : {"2", "3", "6"}) {
    api_.enqueue({.status = 200, .body = answer(status, "Invalid To Number")});
    auto r = messaging_.send_sms({.to = "+14155550100", .body = "hi"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << status;
    EXPECT_NE(r.status().message().find("Invalid To Number"), std::string::npos);
  }
  EXPECT_EQ(api_.request_count(), 3u);
}

TEST_F(VonageTest, WithoutASenderTheMessageIsRejectedBeforeAnyRequest) {
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "hi"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().fields().at(0).field, "/from");
  EXPECT_EQ(api_.request_count(), 0u);
}

TEST_F(HttpProvidersTest, VonageNeedsKeyAndSecret) {
  set("sms.vonage.api_key", "vk");
  set("sms.providers", list({"vonage"}));
  EXPECT_EQ(messaging_.sms_chain(), (std::vector<std::string>{"console"}));
  EXPECT_EQ(messaging_.sms_status().fields().at(0).field, "sms.vonage.api_secret");
}

// ---- Webhook -------------------------------------------------------------

TEST_F(HttpProvidersTest, WebhookPostsJsonWithBearerToken) {
  set("sms.webhook.url", api_.base_url() + "/hooks/sms");
  set("sms.webhook.token", "hook-secret");
  set("sms.providers", list({"webhook"}));
  api_.enqueue({.status = 200, .body = R"({"id":"wh-1"})"});
  auto r = messaging_.send_sms({.to = "+14155550100", .from = "+15005550006", .body = "Hello"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "webhook");
  EXPECT_EQ(r->message_id, "wh-1");
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/hooks/sms");
  EXPECT_EQ(req.header("Authorization"), "Bearer hook-secret");
  EXPECT_EQ(req.header("Content-Type"), "application/json");
  EXPECT_EQ(bj::parse(req.body), bj::parse(R"({"to":"+14155550100","from":"+15005550006","body":"Hello"})"));
}

TEST_F(HttpProvidersTest, WebhookWithoutTokenSendsNoAuthorization) {
  set("sms.webhook.url", api_.base_url() + "/sms");
  set("sms.providers", list({"webhook"}));
  api_.enqueue({.status = 204});
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "Hello"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->message_id, "");
  EXPECT_EQ(api_.requests().at(0).header("Authorization"), "");
}

TEST_F(HttpProvidersTest, WebhookForbiddenIsPermissionDenied) {
  set("sms.webhook.url", api_.base_url() + "/sms");
  set("sms.providers", list({"webhook"}));
  api_.enqueue({.status = 403});
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "Hello"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(api_.request_count(), 1u);
}

}  // namespace
}  // namespace sb::providers
