// email.ses against a local stand-in: the SES v2 SendEmail request exactly
// as documented (method, path, content type, JSON body), signed with SigV4
// for "ses" so that the signature verifies over what was received (with and
// without a session token), and the error mapping the chain relies on:
// throttling (400 ThrottlingException, 429) retried with a fresh signature
// and then failed over, a rejected message (400) and expired credentials
// not retried, no secret in any error.
#include "aws_provider_fixture.h"

namespace sb::providers::aws_test {
namespace {

// ---- SES -------------------------------------------------------------------

class SesTest : public AwsProvidersTest {
 protected:
  void SetUp() override {
    set("email.ses.region", "eu-west-1");
    set("email.ses.access_key_id", kKeyId);
    set("email.ses.secret_access_key", kSecret);
    set("email.ses.endpoint", api_.base_url() + "/");
    set("email.providers", list({"ses"}));
    ASSERT_EQ(messaging_.email_chain(), (std::vector<std::string>{"ses"})) << messaging_.email_status().to_string();
  }

  static EmailMessage full_email() {
    EmailMessage m;
    m.from = "Acme <no-reply@acme.example>";
    m.to = {"Ada Lovelace <ada@example.com>", "bob@example.com"};
    m.cc = {"carol@example.com"};
    m.bcc = {"audit@acme.example"};
    m.reply_to = "support@acme.example";
    m.subject = "Your receipt – №1";
    m.text = "Thanks & goodbye";
    m.html = "<p>Thanks</p>";
    m.headers = {{"X-Campaign", "spring"}};
    return m;
  }
};

TEST_F(SesTest, SendsTheDocumentedSendEmailRequestSigned) {
  api_.enqueue({.status = 200,
                .headers = {{"Content-Type", "application/json"}},
                .body = R"({"MessageId":"0102018f-ses-1"})"});
  auto r = messaging_.send_email(full_email());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "ses");
  EXPECT_EQ(r->message_id, "0102018f-ses-1");
  ASSERT_EQ(api_.request_count(), 1u);
  auto req = api_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v2/email/outbound-emails");
  EXPECT_EQ(req.header("Content-Type"), "application/json");
  EXPECT_EQ(req.header("Host"), "127.0.0.1:" + std::to_string(api_.port()));
  EXPECT_EQ(req.header("X-Amz-Security-Token"), "");
  EXPECT_EQ(bj::parse(req.body), bj::parse(R"({
    "FromEmailAddress": "\"Acme\" <no-reply@acme.example>",
    "Destination": {
      "ToAddresses": ["\"Ada Lovelace\" <ada@example.com>", "bob@example.com"],
      "CcAddresses": ["carol@example.com"],
      "BccAddresses": ["audit@acme.example"]
    },
    "ReplyToAddresses": ["support@acme.example"],
    "Content": {"Simple": {
      "Subject": {"Data": "Your receipt – №1", "Charset": "UTF-8"},
      "Body": {"Text": {"Data": "Thanks & goodbye", "Charset": "UTF-8"},
               "Html": {"Data": "<p>Thanks</p>", "Charset": "UTF-8"}},
      "Headers": [{"Name": "X-Campaign", "Value": "spring"}]
    }}
  })")) << req.body;
  expect_signed(req, "eu-west-1", "ses", "content-type;host;x-amz-date");
}

TEST_F(SesTest, OmitsEmptyOptionalFields) {
  api_.enqueue({.status = 200, .body = R"({"MessageId":"m2"})"});
  EmailMessage m;
  m.to = {"ada@example.com"};
  m.subject = "Hi";
  m.html = "<b>hi</b>";
  ASSERT_TRUE(messaging_.send_email(m).ok());
  bj::object body = bj::parse(api_.requests().at(0).body).as_object();
  EXPECT_EQ(body["FromEmailAddress"], "no-reply@localhost");  // config email.from
  EXPECT_EQ(body["Destination"], bj::parse(R"({"ToAddresses":["ada@example.com"]})"));
  EXPECT_FALSE(body.contains("ReplyToAddresses"));
  EXPECT_EQ(body["Content"], bj::parse(R"({"Simple":{"Subject":{"Data":"Hi","Charset":"UTF-8"},
                                           "Body":{"Html":{"Data":"<b>hi</b>","Charset":"UTF-8"}}}})"));
}

TEST_F(SesTest, NonAsciiDisplayNamesAreEncodedWordsOnOneLine) {
  api_.enqueue({.status = 200, .body = R"({"MessageId":"m5"})"});
  EmailMessage m;
  m.from = "Zoë Ångström-Ölander und Söhne Gesellschaft für Übermittlung <no-reply@acme.example>";
  m.to = {"ada@example.com"};
  m.subject = "Hi";
  m.text = "hi";
  ASSERT_TRUE(messaging_.send_email(m).ok());
  std::string from(bj::parse(api_.requests().at(0).body).at("FromEmailAddress").as_string());
  EXPECT_EQ(from.rfind("=?UTF-8?B?", 0), 0u) << from;
  EXPECT_NE(from.find("?= =?UTF-8?B?"), std::string::npos) << from;  // long: several words
  EXPECT_EQ(from.find_first_of("\r\n"), std::string::npos) << from;
  EXPECT_TRUE(from.ends_with(" <no-reply@acme.example>")) << from;
}

TEST_F(SesTest, TemporaryCredentialsSendAndSignTheSessionToken) {
  set("email.ses.session_token", "FwoGZXIvYXdzEXAMPLE//token==");
  api_.enqueue({.status = 200, .body = R"({"MessageId":"m3"})"});
  ASSERT_TRUE(messaging_.send_email(full_email()).ok());
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.header("X-Amz-Security-Token"), "FwoGZXIvYXdzEXAMPLE//token==");
  expect_signed(req, "eu-west-1", "ses", "content-type;host;x-amz-date;x-amz-security-token");
}

TEST_F(SesTest, ThrottlingIsRetriedWithAFreshSignature) {
  api_.enqueue({.status = 400,
                .headers = {{"x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/"}},
                .body = R"({"message":"Maximum sending rate exceeded."})"});
  api_.enqueue({.status = 429, .body = R"({"__type":"TooManyRequestsException","message":"Too many requests"})"});
  api_.enqueue({.status = 200, .body = R"({"MessageId":"third"})"});
  auto r = messaging_.send_email(full_email());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(r->message_id, "third");
  ASSERT_EQ(api_.request_count(), 3u);
  for (const auto& req : api_.requests()) expect_signed(req, "eu-west-1", "ses", "content-type;host;x-amz-date");
}

TEST_F(SesTest, PersistentThrottlingFailsOverToTheNextProvider) {
  set("email.providers", list({"ses", "console"}));
  api_.set_default({.status = 400,
                    .headers = {{"x-amzn-ErrorType", "ThrottlingException"}},
                    .body = R"({"message":"Daily message quota exceeded."})"});
  auto r = messaging_.send_email(full_email());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "console");
  EXPECT_EQ(r->failed_over_from, (std::vector<std::string>{"ses"}));
  EXPECT_EQ(api_.request_count(), 3u);  // email.retry.max_attempts
}

TEST_F(SesTest, RejectedMessageIsInvalidArgumentNotRetried) {
  api_.enqueue({.status = 400,
                .headers = {{"x-amzn-ErrorType", "MessageRejected"}},
                .body = R"({"message":"Email address is not verified."})"});
  auto r = messaging_.send_email(full_email());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("MessageRejected"), std::string::npos) << r.status().to_string();
  EXPECT_EQ(api_.request_count(), 1u);
}

TEST_F(SesTest, ExpiredCredentialsArePermissionDeniedAndNoSecretIsInTheError) {
  set("email.ses.session_token", "the-session-token");
  api_.enqueue({.status = 400,
                .headers = {{"x-amzn-ErrorType", "ExpiredTokenException"}},
                .body = R"({"message":"The security token included in the request is expired"})"});
  auto r = messaging_.send_email(full_email());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(api_.request_count(), 1u);
  for (const char* secret : {kSecret, "the-session-token"})
    EXPECT_EQ(r.status().to_string().find(secret), std::string::npos) << secret;
}

TEST_F(SesTest, ServerErrorsAreRetried) {
  api_.fail_next(2, 500, R"({"message":"InternalFailure"})");
  api_.enqueue({.status = 200, .body = R"({"MessageId":"m4"})"});
  auto r = messaging_.send_email(full_email());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->attempts, 3);
}

TEST_F(AwsProvidersTest, SesNeedsRegionAndCredentials) {
  set("email.ses.access_key_id", kKeyId);
  set("email.ses.secret_access_key", kSecret);
  set("email.providers", list({"ses"}));
  EXPECT_EQ(messaging_.email_chain(), (std::vector<std::string>{"console"}));
  EXPECT_EQ(messaging_.email_status().fields().at(0).field, "email.ses.region");
  set("email.ses.region", "eu-west-1");
  set("email.ses.secret_access_key", "");
  set("email.providers", list({"ses", "console"}));
  EXPECT_EQ(messaging_.email_status().fields().at(0).field, "email.ses.secret_access_key");
  EXPECT_FALSE(config_.set("email.ses.region", bj::value("eu-west-1.evil.example/"), "test"));
  EXPECT_FALSE(config_.set("email.ses.endpoint", bj::value("file:///etc/passwd"), "test"));
}

}  // namespace
}  // namespace sb::providers::aws_test
