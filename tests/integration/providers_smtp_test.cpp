// email.smtp against a real SMTP server (aiosmtpd) on loopback: plain,
// STARTTLS, implicit TLS and AUTH. Each test reads the message the server
// received and checks envelope, headers and body.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/config.h"
#include "providers/messaging.h"
#include "smtp_server.h"
#include "temp_dir.h"

namespace sb::providers {
namespace {

namespace bj = boost::json;
using test::SmtpServer;
using test::SmtpServerOptions;
using Tls = SmtpServerOptions::Tls;

class SmtpTest : public ::testing::Test {
 protected:
  SmtpTest()
      : config_(nullptr, nullptr),
        messaging_(config_, Clock::system(), nullptr, dir_.path(), {.sleeper = [](Millis) {}}) {}

  void set(const std::string& key, bj::value v) {
    Status s = config_.set(key, v, "test");
    ASSERT_TRUE(s) << s.to_string();
  }
  void set(const std::string& key, const std::string& v) { set(key, bj::value(v)); }
  void set(const std::string& key, const char* v) { set(key, bj::value(v)); }

  // Points email.smtp at `server` and makes smtp the only provider.
  void use(const SmtpServer& server, const char* tls) {
    set("email.smtp.host", "127.0.0.1");
    set("email.smtp.port", server.port());
    set("email.smtp.tls", tls);
    set("email.timeout_ms", 10'000);
    set("email.providers", bj::array{"smtp"});
    ASSERT_EQ(messaging_.email_chain(), (std::vector<std::string>{"smtp"}));
  }

  EmailMessage message() {
    EmailMessage m;
    m.from = "Acme Billing <billing@acme.example>";
    m.to = {"Ada Lovelace <ada@example.com>"};
    m.cc = {"carol@example.com"};
    m.bcc = {"audit@acme.example"};
    m.subject = "Invoice #42 — paid";
    m.text = "Thank you for your payment.\n\n.\nA line with only a dot above.";
    m.html = "<p>Thank you for your <b>payment</b>.</p>";
    m.headers = {{"X-Invoice", "42"}};
    return m;
  }

  // The checks every successful delivery must pass.
  void expect_delivered(const SmtpServer& server, const Receipt& r, bool tls) {
    auto got = server.messages();
    ASSERT_EQ(got.size(), 1u);
    const auto& mail = got[0];
    EXPECT_EQ(r.provider, "smtp");
    EXPECT_EQ(mail.tls, tls);
    EXPECT_EQ(mail.mail_from, "billing@acme.example");
    EXPECT_EQ(mail.rcpt_tos,
              (std::vector<std::string>{"ada@example.com", "carol@example.com", "audit@acme.example"}));
    EXPECT_EQ(mail.header("From"), "\"Acme Billing\" <billing@acme.example>");
    EXPECT_EQ(mail.header("To"), "\"Ada Lovelace\" <ada@example.com>");
    EXPECT_EQ(mail.header("Cc"), "carol@example.com");
    EXPECT_EQ(mail.header("Bcc"), "");
    EXPECT_EQ(mail.raw.find("audit@acme.example"), std::string::npos);  // Bcc stays in the envelope
    EXPECT_EQ(mail.header("Subject"), "=?UTF-8?B?SW52b2ljZSAjNDIg4oCUIHBhaWQ=?=");
    EXPECT_EQ(mail.header("Message-ID"), "<" + r.message_id + ">");
    EXPECT_NE(r.message_id.find("@acme.example"), std::string::npos);
    EXPECT_FALSE(mail.header("Date").empty());
    EXPECT_EQ(mail.header("X-Invoice"), "42");
    EXPECT_EQ(mail.header("MIME-Version"), "1.0");
    EXPECT_EQ(mail.header("Content-Type").rfind("multipart/alternative;", 0), 0u);
    std::string body = test::decode_quoted_printable(mail.body());
    // The lone "." line survived SMTP dot-stuffing.
    EXPECT_NE(body.find("Thank you for your payment.\r\n\r\n.\r\nA line with only a dot above."),
              std::string::npos)
        << body;
    EXPECT_NE(body.find("<p>Thank you for your <b>payment</b>.</p>"), std::string::npos);
  }

  test::TempDir dir_;
  config::ConfigService config_;
  Messaging messaging_;
};

TEST_F(SmtpTest, PlainDelivery) {
  SmtpServer server;
  use(server, "none");
  auto r = messaging_.send_email(message());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->attempts, 1);
  expect_delivered(server, *r, /*tls=*/false);
}

TEST_F(SmtpTest, StartTlsVerifiedAgainstTheGivenCa) {
  SmtpServer server({.tls = Tls::kStartTls});
  use(server, "starttls");
  set("email.smtp.ca_file", server.cert_file());
  auto r = messaging_.send_email(message());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_delivered(server, *r, /*tls=*/true);
}

TEST_F(SmtpTest, StartTlsWithSelfSignedCertNeedsTrustOrTheInsecureOption) {
  SmtpServer server({.tls = Tls::kStartTls});
  use(server, "starttls");
  auto refused = messaging_.send_email(message());
  ASSERT_FALSE(refused.ok());
  EXPECT_FALSE(refused.status().retryable()) << refused.status().to_string();
  EXPECT_TRUE(server.messages().empty());

  set("email.smtp.insecure_skip_verify", true);
  auto r = messaging_.send_email(message());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_delivered(server, *r, /*tls=*/true);
}

TEST_F(SmtpTest, StartTlsIsRequiredNotOpportunistic) {
  SmtpServer server;  // offers no STARTTLS
  use(server, "starttls");
  auto r = messaging_.send_email(message());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(server.messages().empty());  // nothing went out in the clear
}

TEST_F(SmtpTest, ImplicitTls) {
  SmtpServer server({.tls = Tls::kImplicit});
  use(server, "tls");
  set("email.smtp.ca_file", server.cert_file());
  auto r = messaging_.send_email(message());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_delivered(server, *r, /*tls=*/true);
}

TEST_F(SmtpTest, AuthOverStartTls) {
  SmtpServer server({.tls = Tls::kStartTls, .username = "mailer", .password = "s3cret"});
  use(server, "starttls");
  set("email.smtp.ca_file", server.cert_file());
  set("email.smtp.username", "mailer");
  set("email.smtp.password", "s3cret");
  auto r = messaging_.send_email(message());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_delivered(server, *r, /*tls=*/true);
  auto got = server.messages();
  EXPECT_TRUE(got.at(0).authenticated);
  EXPECT_EQ(got.at(0).login, "mailer");
}

TEST_F(SmtpTest, AuthOnPlainConnectionWhenTheServerAllowsIt) {
  SmtpServer server({.username = "mailer", .password = "pw", .allow_plaintext_auth = true});
  use(server, "none");
  set("email.smtp.username", "mailer");
  set("email.smtp.password", "pw");
  auto r = messaging_.send_email(message());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(server.messages().at(0).authenticated);
}

TEST_F(SmtpTest, WrongPasswordIsPermissionDeniedAndNotRetried) {
  SmtpServer server({.tls = Tls::kStartTls, .username = "mailer", .password = "s3cret"});
  use(server, "starttls");
  set("email.smtp.insecure_skip_verify", true);
  set("email.smtp.username", "mailer");
  set("email.smtp.password", "wrong");
  auto r = messaging_.send_email(message());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied) << r.status().to_string();
  EXPECT_EQ(r.status().message().find("wrong"), std::string::npos);
  EXPECT_TRUE(server.messages().empty());
}

TEST_F(SmtpTest, MissingAuthIsRefusedByTheServer) {
  SmtpServer server({.tls = Tls::kStartTls, .username = "mailer", .password = "s3cret"});
  use(server, "starttls");
  set("email.smtp.insecure_skip_verify", true);
  auto r = messaging_.send_email(message());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied) << r.status().to_string();
  EXPECT_TRUE(server.messages().empty());
}

TEST_F(SmtpTest, DownRelayIsRetriedThenFailsOver) {
  set("email.smtp.host", "127.0.0.1");
  set("email.smtp.port", test::free_port());  // nothing listens there
  set("email.smtp.tls", "none");
  set("email.providers", bj::array{"smtp", "console"});
  auto r = messaging_.send_email(message());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "console");
  EXPECT_EQ(r->failed_over_from, (std::vector<std::string>{"smtp"}));
  EXPECT_EQ(r->attempts, 4);  // 3 connection attempts on smtp, then console
}

TEST_F(SmtpTest, TextOnlyMessageIsSinglePart) {
  SmtpServer server;
  use(server, "none");
  EmailMessage m;
  m.to = {"ada@example.com"};
  m.subject = "Plain";
  m.text = "Just text";
  auto r = messaging_.send_email(m);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  auto got = server.messages().at(0);
  EXPECT_EQ(got.mail_from, "no-reply@localhost");
  EXPECT_EQ(got.header("Subject"), "Plain");
  EXPECT_EQ(got.header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(got.body(), "Just text\r\n");
}

}  // namespace
}  // namespace sb::providers
