// sms.sns against a local stand-in: the SNS Publish Query request exactly
// as documented (POST /, form fields Action / PhoneNumber / Message /
// MessageAttributes / Version), signed with SigV4 for "sns" so that the
// signature verifies over what was received, and the error mapping: XML
// <Code>Throttling</Code> (400) and ThrottledException (429) retried then
// failed over, InvalidParameter and a rejected signature not retried.
#include "aws_provider_fixture.h"

namespace sb::providers::aws_test {
namespace {

// ---- SNS -------------------------------------------------------------------

class SnsTest : public AwsProvidersTest {
 protected:
  void SetUp() override {
    set("sms.sns.region", "us-east-1");
    set("sms.sns.access_key_id", kKeyId);
    set("sms.sns.secret_access_key", kSecret);
    set("sms.sns.endpoint", api_.base_url());
    set("sms.providers", list({"sns"}));
    ASSERT_EQ(messaging_.sms_chain(), (std::vector<std::string>{"sns"})) << messaging_.sms_status().to_string();
  }

  static constexpr const char* kPublished =
      R"(<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>)"
      R"(<MessageId>567910cd-659e-55d4-8ccb-5aaf14679dc0</MessageId></PublishResult>)"
      R"(<ResponseMetadata><RequestId>d74b8436-ae13-5ab4-a9ff-ce54dfea72a0</RequestId></ResponseMetadata>)"
      R"(</PublishResponse>)";
  static std::string error_xml(const std::string& code) {
    return R"(<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>)" +
           code + "</Code><Message>nope</Message></Error><RequestId>r-1</RequestId></ErrorResponse>";
  }
};

TEST_F(SnsTest, SendsTheDocumentedPublishRequestSigned) {
  api_.enqueue({.status = 200, .headers = {{"Content-Type", "text/xml"}}, .body = kPublished});
  auto r = messaging_.send_sms({.to = "+14155550100", .from = "+15005550006", .body = "Your code is 123 456 & more"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "sns");
  EXPECT_EQ(r->message_id, "567910cd-659e-55d4-8ccb-5aaf14679dc0");
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/");
  EXPECT_EQ(req.header("Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(req.form(), (Form{{"Action", "Publish"},
                              {"PhoneNumber", "+14155550100"},
                              {"Message", "Your code is 123 456 & more"},
                              {"MessageAttributes.entry.1.Name", "AWS.MM.SMS.OriginationNumber"},
                              {"MessageAttributes.entry.1.Value.DataType", "String"},
                              {"MessageAttributes.entry.1.Value.StringValue", "+15005550006"},
                              {"Version", "2010-03-31"}}));
  expect_signed(req, "us-east-1", "sns", "content-type;host;x-amz-date");
}

TEST_F(SnsTest, SenderIdAndSmsTypeBecomeMessageAttributes) {
  set("sms.sns.sms_type", "Transactional");
  set("sms.from", "Acme");
  api_.enqueue({.status = 200, .body = kPublished});
  ASSERT_TRUE(messaging_.send_sms({.to = "+447700900123", .body = "hi"}).ok());
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.form_values("MessageAttributes.entry.1.Name"), (std::vector<std::string>{"AWS.SNS.SMS.SenderID"}));
  EXPECT_EQ(req.form_values("MessageAttributes.entry.1.Value.StringValue"), (std::vector<std::string>{"Acme"}));
  EXPECT_EQ(req.form_values("MessageAttributes.entry.2.Name"), (std::vector<std::string>{"AWS.SNS.SMS.SMSType"}));
  EXPECT_EQ(req.form_values("MessageAttributes.entry.2.Value.StringValue"),
            (std::vector<std::string>{"Transactional"}));
  EXPECT_FALSE(config_.set("sms.sns.sms_type", bj::value("transactional"), "test"));
}

TEST_F(SnsTest, WithoutASenderNoAttributeIsSent) {
  api_.enqueue({.status = 200, .body = kPublished});
  ASSERT_TRUE(messaging_.send_sms({.to = "+14155550100", .body = "hi"}).ok());
  auto form = api_.requests().at(0).form();
  EXPECT_EQ(form, (Form{{"Action", "Publish"}, {"PhoneNumber", "+14155550100"}, {"Message", "hi"},
                        {"Version", "2010-03-31"}}));
}

TEST_F(SnsTest, ThrottlingIsRetriedThenSucceeds) {
  api_.enqueue({.status = 400, .body = error_xml("Throttling")});
  api_.enqueue({.status = 200, .body = kPublished});
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "hi"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->attempts, 2);
  for (const auto& req : api_.requests()) expect_signed(req, "us-east-1", "sns", "content-type;host;x-amz-date");
}

TEST_F(SnsTest, PersistentThrottlingFailsOverToTheNextSmsProvider) {
  set("sms.providers", list({"sns", "console"}));
  api_.set_default({.status = 429, .body = error_xml("ThrottledException")});
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "hi"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "console");
  EXPECT_EQ(r->failed_over_from, (std::vector<std::string>{"sns"}));
  EXPECT_EQ(r->attempts, 4);  // 3 on sns + 1 on console
  EXPECT_EQ(api_.request_count(), 3u);
}

TEST_F(SnsTest, InvalidParameterIsNotRetried) {
  api_.enqueue({.status = 400, .body = error_xml("InvalidParameter")});
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "hi"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("InvalidParameter"), std::string::npos);
  EXPECT_EQ(api_.request_count(), 1u);
}

TEST_F(SnsTest, RejectedSignatureIsPermissionDeniedNotRetried) {
  api_.enqueue({.status = 403, .body = error_xml("SignatureDoesNotMatch")});
  auto r = messaging_.send_sms({.to = "+14155550100", .body = "hi"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(r.status().message().find(kSecret), std::string::npos);
  EXPECT_EQ(api_.request_count(), 1u);
}

TEST_F(AwsProvidersTest, SnsNeedsAnAccessKeyId) {
  set("sms.sns.region", "us-east-1");
  set("sms.sns.secret_access_key", kSecret);
  set("sms.providers", list({"sns"}));
  EXPECT_EQ(messaging_.sms_chain(), (std::vector<std::string>{"console"}));
  EXPECT_EQ(messaging_.sms_status().fields().at(0).field, "sms.sns.access_key_id");
}

}  // namespace
}  // namespace sb::providers::aws_test
