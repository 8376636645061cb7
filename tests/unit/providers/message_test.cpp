#include "providers/message.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "core/crypto.h"

#include "providers/address.h"
#include "providers/email/mime.h"
#include "providers/messaging.h"
#include "smtp_server.h"

namespace sb::providers {
namespace {

namespace bj = boost::json;

// field -> message, for asserting exactly which fields were named.
std::map<std::string, std::string> fields_of(const Status& s) {
  std::map<std::string, std::string> out;
  for (const auto& f : s.fields()) out[f.field] = f.message;
  return out;
}

EmailMessage valid_email() {
  EmailMessage m;
  m.from = "Acme <no-reply@acme.example>";
  m.to = {"ada@example.com"};
  m.subject = "Welcome";
  m.text = "Hello";
  return m;
}

TEST(EmailValidation, AcceptsAValidMessage) {
  EXPECT_TRUE(validate_email(valid_email(), true));
}

TEST(EmailValidation, NamesEveryBadField) {
  EmailMessage m;
  m.from = "not an address";
  m.to = {"ok@example.com", "nope"};
  m.cc = {"@example.com"};
  m.reply_to = "x@";
  m.headers = {{"Bcc", "spy@example.com"}, {"X-Bad Name", "v"}, {"X-Ok", "a\r\nBcc: spy@example.com"}};
  Status s = validate_email(m, true);
  ASSERT_EQ(s.code(), Code::kInvalidArgument);
  auto f = fields_of(s);
  EXPECT_EQ(f["/from"], "must be an email address");
  EXPECT_EQ(f["/to/1"], "must be an email address");
  EXPECT_EQ(f.count("/to/0"), 0u);
  EXPECT_EQ(f["/cc/0"], "must be an email address");
  EXPECT_EQ(f["/reply_to"], "must be an email address");
  EXPECT_EQ(f["/subject"], "is required");
  EXPECT_EQ(f["/text"], "text or html is required");
  EXPECT_EQ(f["/headers/Bcc"], "is set by Switchboard and cannot be overridden");
  EXPECT_EQ(f["/headers/X-Bad Name"], "is not a valid header name");
  EXPECT_EQ(f["/headers/X-Ok"], "must not contain line breaks");
}

TEST(EmailValidation, FromIsOptionalUntilRequired) {
  EmailMessage m = valid_email();
  m.from.clear();
  EXPECT_TRUE(validate_email(m, false));
  EXPECT_EQ(fields_of(validate_email(m, true))["/from"], "is required");
}

TEST(EmailValidation, RejectsHeaderInjectionInSubjectAndRecipients) {
  EmailMessage m = valid_email();
  m.subject = "Hi\r\nBcc: victim@example.com";
  m.to = {"ada@example.com\r\nBcc: victim@example.com"};
  auto f = fields_of(validate_email(m, true));
  EXPECT_EQ(f["/subject"], "must not contain line breaks");
  EXPECT_EQ(f["/to/0"], "must be an email address");
}

TEST(EmailValidation, LimitsRecipients) {
  EmailMessage m = valid_email();
  for (int i = 0; i < 101; ++i) m.bcc.push_back("u" + std::to_string(i) + "@example.com");
  EXPECT_NE(fields_of(validate_email(m, true))["/to"].find("at most 100"), std::string::npos);
}

TEST(SmsValidation, NamesBadFields) {
  SmsMessage m{.to = "0044 20 7946 0000", .from = "!!", .body = ""};
  auto f = fields_of(validate_sms(m, false));
  EXPECT_NE(f["/to"].find("E.164"), std::string::npos);
  EXPECT_NE(f["/from"].find("sender id"), std::string::npos);
  EXPECT_EQ(f["/body"], "is required");
  EXPECT_TRUE(validate_sms({.to = "+14155550100", .from = "Acme", .body = "code 1234"}, false));
  EXPECT_TRUE(validate_sms({.to = "+14155550100", .from = "", .body = "x"}, false));
  EXPECT_EQ(fields_of(validate_sms({.to = "+14155550100", .body = std::string(1601, 'a')}, false))["/body"],
            "must be at most 1600 characters");
  // 1600 multi-byte characters are still 1600 characters.
  std::string euros;
  for (int i = 0; i < 1600; ++i) euros += "\xe2\x82\xac";
  EXPECT_TRUE(validate_sms({.to = "+14155550100", .body = euros}, false));
}

TEST(Address, ParsesMailboxForms) {
  auto a = parse_mailbox("ada@example.com");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->address, "ada@example.com");
  EXPECT_EQ(a->name, "");
  auto b = parse_mailbox("Ada Lovelace <ada@example.com>");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->name, "Ada Lovelace");
  EXPECT_EQ(b->address, "ada@example.com");
  auto c = parse_mailbox("\"Lovelace, Ada\" <ada@example.com>");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "Lovelace, Ada");
  EXPECT_FALSE(parse_mailbox("ada@example..com"));
  EXPECT_FALSE(parse_mailbox("ada@-example.com"));
  EXPECT_FALSE(parse_mailbox(".ada@example.com"));
  EXPECT_FALSE(parse_mailbox("Ada <ada@example.com"));
  EXPECT_FALSE(parse_mailbox("ada example.com"));
  EXPECT_TRUE(parse_mailbox("no-reply@localhost"));
}

TEST(Address, PhoneNumbers) {
  EXPECT_TRUE(is_e164("+14155550100"));
  EXPECT_FALSE(is_e164("14155550100"));
  EXPECT_FALSE(is_e164("+04155550100"));
  EXPECT_FALSE(is_e164("+1415555010012345"));
  EXPECT_TRUE(is_sender_id("Acme 2"));
  EXPECT_FALSE(is_sender_id("12345"));
  EXPECT_FALSE(is_sender_id("TwelveChars!"));
}

TEST(Address, FormatsAndEncodesDisplayNames) {
  EXPECT_EQ(format_mailbox({"", "a@example.com"}), "a@example.com");
  EXPECT_EQ(format_mailbox({"Ada \"AL\" L", "a@example.com"}), "\"Ada \\\"AL\\\" L\" <a@example.com>");
  EXPECT_EQ(format_mailbox({"Zoë", "z@example.com"}), "=?UTF-8?B?Wm/Dqw==?= <z@example.com>");
  EXPECT_EQ(encode_header_text("plain"), "plain");
  // Long non-ASCII text is split into encoded-words of at most 75 characters,
  // never inside a UTF-8 sequence.
  std::string long_text;
  for (int i = 0; i < 40; ++i) long_text += "é";
  std::string enc = encode_header_text(long_text);
  size_t start = 0;
  std::string decoded;
  while (start < enc.size()) {
    size_t end = enc.find("\r\n ", start);
    std::string word = enc.substr(start, end == std::string::npos ? std::string::npos : end - start);
    EXPECT_LE(word.size(), 75u);
    ASSERT_EQ(word.substr(0, 10), "=?UTF-8?B?");
    auto raw = crypto::base64_decode(word.substr(10, word.size() - 12));
    ASSERT_TRUE(raw);
    EXPECT_EQ(static_cast<unsigned char>(raw->front()) & 0xC0, 0xC0);  // starts on a lead byte
    decoded += *raw;
    if (end == std::string::npos) break;
    start = end + 3;
  }
  EXPECT_EQ(decoded, long_text);
}

TEST(ParseEmail, AcceptsStringOrListAndHeaders) {
  auto m = parse_email(bj::parse(R"({"to":"ada@example.com","cc":["b@example.com","c@example.com"],
      "subject":"Hi","html":"<p>x</p>","headers":{"List-Unsubscribe":"<mailto:u@example.com>"}})"));
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->to, (std::vector<std::string>{"ada@example.com"}));
  EXPECT_EQ(m->cc.size(), 2u);
  EXPECT_EQ(m->from, "");
  ASSERT_EQ(m->headers.size(), 1u);
  EXPECT_EQ(m->headers[0].first, "List-Unsubscribe");
}

TEST(ParseEmail, NamesTypeErrorsUnknownFieldsAndInvalidValues) {
  auto m = parse_email(bj::parse(R"({"to":["ada@example.com", 7, "bad"],"subject":5,"text":"x","colour":"red"})"));
  ASSERT_FALSE(m.ok());
  auto f = fields_of(m.status());
  EXPECT_EQ(f["/to/1"], "must be a string");
  EXPECT_EQ(f["/to/2"], "must be an email address");  // index as in the JSON
  EXPECT_EQ(f["/subject"], "must be a string");        // not also "is required"
  EXPECT_EQ(f["/colour"], "is not a known field");
  EXPECT_EQ(f.size(), 4u);
  EXPECT_EQ(parse_email(bj::parse("[1]")).status().code(), Code::kInvalidArgument);
}

TEST(ParseSms, ParsesAndValidates) {
  auto ok = parse_sms(bj::parse(R"({"to":"+14155550100","body":"Your code is 123456"})"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->body, "Your code is 123456");
  auto bad = parse_sms(bj::parse(R"({"to":"555","body":3})"));
  ASSERT_FALSE(bad.ok());
  auto f = fields_of(bad.status());
  EXPECT_NE(f["/to"].find("E.164"), std::string::npos);
  EXPECT_EQ(f["/body"], "must be a string");
}

TEST(Receipt, ToJson) {
  Receipt r{.provider = "smtp", .message_id = "m1", .attempts = 4, .failed_over_from = {"sendgrid"}};
  EXPECT_EQ(bj::serialize(to_json(r)),
            R"({"provider":"smtp","message_id":"m1","attempts":4,"failed_over_from":["sendgrid"]})");
}

TEST(Mime, RendersHeadersAndAlternativeParts) {
  EmailMessage m = valid_email();
  m.to = {"Ada <ada@example.com>", "bob@example.com"};
  m.cc = {"carol@example.com"};
  m.bcc = {"secret@example.com"};
  m.reply_to = "support@acme.example";
  m.subject = "Grüße";
  m.text = "Line one\nprice = 5€ ";
  m.html = "<p>Hello</p>";
  m.headers = {{"X-Campaign", "spring"}};
  std::string id = email::make_message_id("abc", m.from);
  EXPECT_EQ(id, "<abc@acme.example>");
  test::ReceivedMail r;
  r.raw = email::render_message(m, id, 1'700'000'000'000);
  EXPECT_EQ(r.header("Date"), "Tue, 14 Nov 2023 22:13:20 +0000");
  EXPECT_EQ(r.header("From"), "\"Acme\" <no-reply@acme.example>");
  EXPECT_EQ(r.header("To"), "\"Ada\" <ada@example.com>, bob@example.com");
  EXPECT_EQ(r.header("Cc"), "carol@example.com");
  EXPECT_EQ(r.header("Bcc"), "");
  EXPECT_EQ(r.raw.find("secret@example.com"), std::string::npos);
  EXPECT_EQ(r.header("Reply-To"), "support@acme.example");
  EXPECT_EQ(r.header("Subject"), "=?UTF-8?B?R3LDvMOfZQ==?=");
  EXPECT_EQ(r.header("Message-ID"), "<abc@acme.example>");
  EXPECT_EQ(r.header("X-Campaign"), "spring");
  EXPECT_EQ(r.header("MIME-Version"), "1.0");
  std::string ct = r.header("Content-Type");
  ASSERT_EQ(ct.rfind("multipart/alternative; boundary=\"", 0), 0u) << ct;
  std::string boundary = ct.substr(ct.find('"') + 1);
  boundary.pop_back();
  std::string body = r.body();
  size_t text_at = body.find("--" + boundary + "\r\nContent-Type: text/plain; charset=UTF-8");
  size_t html_at = body.find("--" + boundary + "\r\nContent-Type: text/html; charset=UTF-8");
  ASSERT_NE(text_at, std::string::npos);
  ASSERT_NE(html_at, std::string::npos);
  EXPECT_LT(text_at, html_at);  // plain first: the least preferred alternative
  EXPECT_NE(body.find("--" + boundary + "--\r\n"), std::string::npos);
  std::string decoded = test::decode_quoted_printable(body);
  EXPECT_NE(decoded.find("Line one\r\nprice = 5€ "), std::string::npos);
  for (size_t pos = 0, eol; (eol = r.raw.find("\r\n", pos)) != std::string::npos; pos = eol + 2)
    EXPECT_LE(eol - pos, 78u) << r.raw.substr(pos, eol - pos);
}

TEST(Mime, SinglePartWhenOnlyText) {
  EmailMessage m = valid_email();
  test::ReceivedMail r;
  r.raw = email::render_message(m, "<x@acme.example>", 0);
  EXPECT_EQ(r.header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(r.header("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(r.body(), "Hello\r\n");
}

TEST(Mime, QuotedPrintableRoundTripsAndWrapsLongLines) {
  std::string text(200, 'x');
  text += "=\ttrailing \nnext";
  std::string qp = email::quoted_printable(text);
  for (size_t pos = 0, eol; (eol = qp.find("\r\n", pos)) != std::string::npos; pos = eol + 2)
    EXPECT_LE(eol - pos, 76u);
  EXPECT_EQ(test::decode_quoted_printable(qp), std::string(200, 'x') + "=\ttrailing \r\nnext");
  EXPECT_NE(qp.find("=20\r\n"), std::string::npos);  // trailing space protected
}

}  // namespace
}  // namespace sb::providers
