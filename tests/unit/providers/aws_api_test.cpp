// aws_api: where an AWS answer names its error (REST-JSON header, JSON
// body, Query XML), how codes map onto the chain's rule, and the settings
// (required keys, default regional endpoint).
#include "providers/aws_api.h"

#include <gtest/gtest.h>

namespace sb::providers::aws {
namespace {

HttpResponse answer(long status, std::string body, HeaderList headers = {}) {
  return {.status = status, .headers = std::move(headers), .body = std::move(body)};
}

TEST(AwsApi, FindsTheErrorCodeWhereverTheProtocolPutsIt) {
  EXPECT_EQ(error_code(answer(400, R"({"message":"x"})",
                              {{"x-amzn-errortype", "ThrottlingException:http://internal.amazon.com/coral/"}})),
            "ThrottlingException");
  EXPECT_EQ(error_code(answer(400, R"({"__type":"com.amazonaws.sesv2#TooManyRequestsException"})")),
            "TooManyRequestsException");
  EXPECT_EQ(error_code(answer(400, R"({"code":"BadRequestException","message":"x"})")), "BadRequestException");
  EXPECT_EQ(error_code(answer(400, "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                                   "<Message>Rate exceeded</Message></Error></ErrorResponse>")),
            "Throttling");
  EXPECT_EQ(error_code(answer(502, "<html>Bad gateway</html>")), "");
  EXPECT_EQ(error_code(answer(400, R"({"message":"no code"})")), "");
}

TEST(AwsApi, ThrottlingIsRetryableWhateverTheStatus) {
  Status s = check_response("ses", answer(400, R"({"__type":"ThrottlingException","message":"Maximum sending rate"})"));
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_NE(s.message().find("ThrottlingException"), std::string::npos);
  EXPECT_EQ(check_response("sns", answer(400, "<Error><Code>Throttling</Code></Error>")).code(), Code::kUnavailable);
  EXPECT_EQ(check_response("sns", answer(429, "")).code(), Code::kUnavailable);
  EXPECT_EQ(check_response("ses", answer(503, "")).code(), Code::kUnavailable);
}

TEST(AwsApi, OtherClientErrorsAreNotRetried) {
  EXPECT_EQ(check_response("ses", answer(400, "", {{"x-amzn-errortype", "MessageRejected"}})).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(check_response("sns", answer(400, "<Error><Code>InvalidParameter</Code></Error>")).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(check_response("ses", answer(400, "", {{"x-amzn-errortype", "ExpiredTokenException"}})).code(),
            Code::kPermissionDenied);
  EXPECT_EQ(check_response("sns", answer(403, "<Error><Code>SignatureDoesNotMatch</Code></Error>")).code(),
            Code::kPermissionDenied);
  EXPECT_EQ(check_response("ses", answer(200, "{}")).code(), Code::kOk);
}

TEST(AwsApi, RegionsAndEndpointsAreChecked) {
  EXPECT_FALSE(check_region(""));
  EXPECT_FALSE(check_region("eu-west-1"));
  EXPECT_TRUE(check_region("eu-west-1.attacker.example"));
  EXPECT_TRUE(check_region("EU-WEST-1"));
  EXPECT_FALSE(check_endpoint(""));
  EXPECT_FALSE(check_endpoint("http://127.0.0.1:4566"));
  EXPECT_TRUE(check_endpoint("email.eu-west-1.amazonaws.com"));
}

const config::Key<std::string> kRegion{"x.aws.region", "", "r", kRegionCheck};
const config::Key<std::string> kKeyId{"x.aws.access_key_id", "", "k"};
const config::Key<std::string> kSecret{"x.aws.secret_access_key", "", "s", config::secret};
const config::Key<std::string> kToken{"x.aws.session_token", "", "t", config::secret};
const config::Key<std::string> kEndpoint{"x.aws.endpoint", "", "e", kEndpointCheck};

TEST(AwsApi, SettingsNeedRegionAndKeysAndDefaultToTheRegionalEndpoint) {
  config::ConfigService c(nullptr, nullptr);
  c.declare(kRegion, kKeyId, kSecret, kToken, kEndpoint);
  const Keys keys{kRegion, kKeyId, kSecret, kToken, kEndpoint};
  auto field = [&] { return read_settings(c, keys, "x", "aws", "email").status().fields().at(0).field; };
  EXPECT_EQ(field(), "x.aws.region");
  ASSERT_TRUE(c.set("x.aws.region", boost::json::value("eu-west-1"), "test"));
  EXPECT_EQ(field(), "x.aws.access_key_id");
  ASSERT_TRUE(c.set("x.aws.access_key_id", boost::json::value("AKID"), "test"));
  EXPECT_EQ(field(), "x.aws.secret_access_key");
  ASSERT_TRUE(c.set("x.aws.secret_access_key", boost::json::value("secret"), "test"));
  auto s = read_settings(c, keys, "x", "aws", "email");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->endpoint, "https://email.eu-west-1.amazonaws.com");
  EXPECT_EQ(s->credentials.session_token, "");
  ASSERT_TRUE(c.set("x.aws.region", boost::json::value("cn-north-1"), "test"));
  EXPECT_EQ(read_settings(c, keys, "x", "aws", "sns")->endpoint, "https://sns.cn-north-1.amazonaws.com.cn");
  ASSERT_TRUE(c.set("x.aws.endpoint", boost::json::value("http://127.0.0.1:4566/"), "test"));
  EXPECT_EQ(read_settings(c, keys, "x", "aws", "sns")->endpoint, "http://127.0.0.1:4566");
}

}  // namespace
}  // namespace sb::providers::aws
