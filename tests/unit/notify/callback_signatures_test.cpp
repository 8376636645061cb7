// The providers' callback signatures against their published examples, and
// refusals: a tampered body, a wrong key, a stale timestamp.
#include <gtest/gtest.h>

#include "notify/callback_signatures.h"
#include "notify/callbacks.h"
#include "callback_signing.h"

namespace sb::notify::signatures {
namespace {

// sendgrid-nodejs / sendgrid-python's EventWebhook tests (the key, signature
// and timestamp SendGrid published with the feature).
constexpr const char* kSgKey =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/"
    "1FwCM/QmGUhA==";
constexpr const char* kSgSignature =
    "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=";
constexpr const char* kSgTimestamp = "1588788367";
constexpr const char* kSgPayload = R"({"category":"example_payload","event":"test_event","message_id":"message_id"})";

TEST(SendgridSignature, PublishedExampleVerifies) {
  EXPECT_TRUE(sendgrid_key_valid(kSgKey));
  EXPECT_TRUE(sendgrid_valid(kSgKey, kSgTimestamp, kSgPayload, kSgSignature));
}

TEST(SendgridSignature, TamperedBodyOrTimestampFails) {
  std::string body = kSgPayload;
  body[body.find("test_event")] = 'T';
  EXPECT_FALSE(sendgrid_valid(kSgKey, kSgTimestamp, body, kSgSignature));
  EXPECT_FALSE(sendgrid_valid(kSgKey, "1588788368", kSgPayload, kSgSignature));
  EXPECT_FALSE(sendgrid_valid(kSgKey, kSgTimestamp, std::string(kSgPayload) + "\r\n", kSgSignature));
}

TEST(SendgridSignature, WrongKeyOrGarbageFails) {
  test::EcKey other;
  EXPECT_TRUE(sendgrid_key_valid(other.public_b64()));
  EXPECT_FALSE(sendgrid_valid(other.public_b64(), kSgTimestamp, kSgPayload, kSgSignature));
  EXPECT_FALSE(sendgrid_valid("not base64 !", kSgTimestamp, kSgPayload, kSgSignature));
  EXPECT_FALSE(sendgrid_key_valid("bm90IGEga2V5"));
  EXPECT_FALSE(sendgrid_valid(kSgKey, kSgTimestamp, kSgPayload, ""));
  EXPECT_FALSE(sendgrid_valid(kSgKey, kSgTimestamp, kSgPayload, "AAAA"));
  // Our own signer (the tests' stand-in for SendGrid) round-trips.
  std::string sig = other.sign(std::string(kSgTimestamp) + kSgPayload);
  EXPECT_TRUE(sendgrid_valid(other.public_b64(), kSgTimestamp, kSgPayload, sig));
  EXPECT_FALSE(sendgrid_valid(kSgKey, kSgTimestamp, kSgPayload, sig));
}

// Mailgun publishes the scheme but no example with its key, so the expected
// value is HMAC-SHA256 computed independently (Python's hmac module):
// hmac.new(b"key-7b8d2f", b"1770920772e0b5477167110d68991efc6b9f89f0a11066af27834600e123", sha256).hexdigest()
constexpr const char* kMailgunExpected = "fcbf4f7fdebea7024120b030e090391b5fccdfc271fe6ada2f22e4e0e6b21bf6";

TEST(MailgunSignature, MatchesIndependentHmac) {
  const char* ts = "1770920772";
  const char* token = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123";
  EXPECT_EQ(mailgun_signature("key-7b8d2f", ts, token), kMailgunExpected);
  EXPECT_TRUE(mailgun_valid("key-7b8d2f", ts, token, kMailgunExpected));
  std::string upper = kMailgunExpected;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(mailgun_valid("key-7b8d2f", ts, token, upper));  // hex is hex
  EXPECT_FALSE(mailgun_valid("key-other", ts, token, kMailgunExpected));
  EXPECT_FALSE(mailgun_valid("key-7b8d2f", "1770920773", token, kMailgunExpected));
  EXPECT_FALSE(mailgun_valid("key-7b8d2f", ts, "e0b5477167110d68991efc6b9f89f0a11066af27834600e124", kMailgunExpected));
  EXPECT_FALSE(mailgun_valid("", ts, token, kMailgunExpected));
  EXPECT_FALSE(mailgun_valid("key-7b8d2f", ts, token, ""));
}

// Twilio's documented example (twilio-php's validation docs): auth token
// 12345, the URL with its query string, the POST parameters in any order.
TEST(TwilioSignature, PublishedExampleVerifies) {
  const char* url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  Params p{{"To", "+18005551212"}, {"CallSid", "CA1234567890ABCDE"}, {"Caller", "+14158675309"},
           {"From", "+14158675309"}, {"Digits", "1234"}};
  EXPECT_EQ(twilio_signature("12345", url, p), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  EXPECT_TRUE(twilio_valid("12345", url, p, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
  // The same example with other numbers (Twilio's older docs).
  Params q{{"CallSid", "CA1234567890ABCDE"}, {"Caller", "+12349013030"}, {"Digits", "1234"},
           {"From", "+12349013030"}, {"To", "+18005551212"}};
  EXPECT_TRUE(twilio_valid("12345", url, q, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
}

TEST(TwilioSignature, TamperedParamsUrlOrKeyFail) {
  const char* url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  Params p{{"CallSid", "CA1234567890ABCDE"}, {"Caller", "+14158675309"}, {"Digits", "1234"},
           {"From", "+14158675309"}, {"To", "+18005551212"}};
  const char* sig = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
  Params changed = p;
  changed[2].second = "1235";
  EXPECT_FALSE(twilio_valid("12345", url, changed, sig));
  Params added = p;
  added.emplace_back("MessageStatus", "delivered");
  EXPECT_FALSE(twilio_valid("12345", url, added, sig));
  EXPECT_FALSE(twilio_valid("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", p, sig));
  EXPECT_FALSE(twilio_valid("54321", url, p, sig));
  EXPECT_FALSE(twilio_valid("", url, p, sig));
  EXPECT_FALSE(twilio_valid("12345", url, p, ""));
}

// Twilio's signature covers no time; SendGrid's and Mailgun's timestamps are
// judged by fresh().
TEST(Freshness, StaleOrMalformedTimestampsFail) {
  const int64_t now = 1'770'920'772'000;
  EXPECT_TRUE(fresh("1770920772", now, 600'000));
  EXPECT_TRUE(fresh("1770920172", now, 600'000));   // 10 minutes old
  EXPECT_FALSE(fresh("1770920171", now, 600'000));  // older
  EXPECT_TRUE(fresh("1770921372", now, 600'000));   // a clock 10 minutes ahead
  EXPECT_FALSE(fresh("1770921373", now, 600'000));
  EXPECT_FALSE(fresh("", now, 600'000));
  EXPECT_FALSE(fresh("17709207x2", now, 600'000));
  EXPECT_FALSE(fresh("-1", now, 600'000));
  EXPECT_FALSE(fresh("99999999999999999999", now, 600'000));
}

}  // namespace
}  // namespace sb::notify::signatures

namespace sb::notify {
namespace {

TEST(CallbackPayloads, SendgridEventsMapToStatuses) {
  auto r = parse_sendgrid_events(R"([
    {"event":"processed","sg_message_id":"abc.filter1"},
    {"event":"delivered","sg_message_id":"W86EgYT6SQKk0lRflfLRsA.filter0425p1las1-27036-5BE0A6F4-47.0"},
    {"event":"bounce","sg_message_id":"B1.filter2","reason":"550 5.1.1 <bob@example.com> unknown"},
    {"event":"dropped","sg_message_id":"D1.filter3","reason":"Bounced Address"},
    {"event":"bounce","reason":"async bounce without an id"},
    {"event":"open","sg_message_id":"W86EgYT6SQKk0lRflfLRsA.filter"}, 7])");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].message_id, "W86EgYT6SQKk0lRflfLRsA");
  EXPECT_EQ((*r)[0].status, "delivered");
  EXPECT_EQ((*r)[1].status, "bounced");
  EXPECT_EQ((*r)[1].reason, "550 5.1.1 <bob@example.com> unknown");
  EXPECT_EQ((*r)[2].message_id, "D1");
  EXPECT_FALSE(parse_sendgrid_events(R"({"event":"delivered"})").ok());
}

TEST(CallbackPayloads, TwilioStatusesMap) {
  auto d = parse_twilio_status({{"MessageSid", "SM1"}, {"MessageStatus", "delivered"}});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].status, "delivered");
  auto u = parse_twilio_status({{"MessageSid", "SM2"}, {"MessageStatus", "undelivered"}, {"ErrorCode", "30003"}});
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].status, "bounced");
  EXPECT_EQ(u[0].reason, "twilio: undelivered (error 30003)");
  EXPECT_TRUE(parse_twilio_status({{"MessageSid", "SM3"}, {"MessageStatus", "sent"}}).empty());
  EXPECT_TRUE(parse_twilio_status({{"MessageStatus", "delivered"}}).empty());
}

}  // namespace
}  // namespace sb::notify
