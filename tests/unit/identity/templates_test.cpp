#include "identity/templates.h"

#include <gtest/gtest.h>

namespace sb::identity {
namespace {

TEST(RenderTemplate, FillsKnownPlaceholdersEverywhere) {
  EXPECT_EQ(render_template("Your {product} code is {code}; again {code}.", {{"code", "123456"}, {"product", "Acme"}}),
            "Your Acme code is 123456; again 123456.");
  EXPECT_EQ(render_template("{code}", {{"code", "1"}}), "1");
  EXPECT_EQ(render_template("", {{"code", "1"}}), "");
  EXPECT_EQ(render_template("no placeholders", {}), "no placeholders");
}

TEST(RenderTemplate, LeavesUnknownAndMalformedBracesAsIs) {
  TemplateValues v{{"code", "42"}};
  EXPECT_EQ(render_template("{x} {code} {Code} {}", v), "{x} 42 {Code} {}");
  EXPECT_EQ(render_template("open {code", v), "open {code");
  EXPECT_EQ(render_template("close code}", v), "close code}");
  EXPECT_EQ(render_template("{{code}}", v), "{42}");
  EXPECT_EQ(render_template("{ code }", v), "{ code }");
  EXPECT_EQ(render_template("trailing {", v), "trailing {");
}

TEST(RenderTemplate, DoesNotExpandPlaceholdersInsideValues) {
  EXPECT_EQ(render_template("{product}: {code}", {{"code", "7"}, {"product", "{code}"}}), "{code}: 7");
}

TEST(RenderTemplate, KeepsMultiByteText) {
  EXPECT_EQ(render_template("Código {code} — válido {minutes} min", {{"code", "9"}, {"minutes", "5"}}),
            "Código 9 — válido 5 min");
}

TEST(TemplateChecks, RequireTheirPlaceholder) {
  EXPECT_FALSE(check_sms_template("code: {code}").has_value());
  ASSERT_TRUE(check_sms_template("no code here").has_value());
  EXPECT_NE(check_sms_template("{Code}")->find("{code}"), std::string::npos);
  EXPECT_FALSE(check_email_template("{link}").has_value());
  EXPECT_FALSE(check_email_template("{token}").has_value());
  EXPECT_TRUE(check_email_template("{code} {product}").has_value());
  EXPECT_TRUE(has_placeholder("a {b} c", "b"));
  EXPECT_FALSE(has_placeholder("a {bc} c", "b"));
}

TEST(TemplateDefaults, PassTheirOwnChecks) {
  EXPECT_FALSE(check_sms_template(kDefaultOtpSms).has_value());
  EXPECT_FALSE(check_email_template(kDefaultVerifyEmailText).has_value());
  EXPECT_FALSE(check_email_template(kDefaultResetEmailText).has_value());
}

TEST(TemplateDefaults, RenderToTheBuiltInTexts) {
  EXPECT_EQ(render_template(kDefaultOtpSms, {{"code", "123456"}, {"product", "Switchboard"}, {"minutes", "5"}}),
            "Your Switchboard code is 123456. It expires in 5 min. Do not share it.");
  EXPECT_EQ(render_template(kDefaultVerifyEmailSubject, {{"product", "Switchboard"}}),
            "Switchboard: verify your email address");
  EXPECT_EQ(render_template(kDefaultResetEmailText, {{"link", "https://x/reset-password?token=T"},
                                                     {"token", "T"},
                                                     {"product", "Switchboard"},
                                                     {"expires", duration_text(30 * 60000)}}),
            "Open this link to choose a new password for Switchboard:\n\nhttps://x/reset-password?token=T\n\n"
            "or enter this token: T\n\nThe link expires in 30 minutes and works once. If you did not ask for it, "
            "ignore this email; your password is unchanged.\n");
}

TEST(DurationText, HoursWhenWholeElseMinutes) {
  EXPECT_EQ(duration_text(24 * 3600000LL), "24 hours");
  EXPECT_EQ(duration_text(30 * 60000), "30 minutes");
  EXPECT_EQ(duration_text(90 * 60000), "90 minutes");
  EXPECT_EQ(duration_text(10'000), "1 minutes");
}

}  // namespace
}  // namespace sb::identity
