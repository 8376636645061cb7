#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/metrics.h"
#include "core/result.h"

namespace sb {
namespace {

TEST(Uuid, V7IsVersionedAndOrderedWithinOneMillisecond) {
  ManualClock clock;
  std::string prev = new_uuid_v7(clock);
  for (int i = 0; i < 1000; ++i) {
    std::string id = new_uuid_v7(clock);
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '7');
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
    EXPECT_LT(prev, id);
    prev = id;
  }
}

TEST(Crypto, HmacSha256MatchesRfc4231Case2) {
  std::string mac = crypto::hmac_sha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(crypto::hex_encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  crypto::HmacSha256 keyed("Jefe");
  EXPECT_EQ(keyed.sign("what do ya want for nothing?"), mac);
  EXPECT_EQ(keyed.sign("what do ya want for nothing?"), mac);  // context reusable
}

TEST(Crypto, Sha256MatchesFips180Vectors) {
  EXPECT_EQ(crypto::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(crypto::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // The per-thread context is reset between calls: the same input hashes the same again.
  EXPECT_EQ(crypto::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(crypto::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, Base64RoundTripsAndRejectsGarbage) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto enc = crypto::base64_encode(s);
    auto dec = crypto::base64_decode(enc);
    ASSERT_TRUE(dec.has_value()) << s;
    EXPECT_EQ(*dec, s);
  }
  EXPECT_EQ(crypto::base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_FALSE(crypto::base64_decode("abc").has_value());
  EXPECT_EQ(crypto::base64url_encode("\xfb\xff"), "-_8");
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(crypto::constant_time_equal("abc", "abc"));
  EXPECT_FALSE(crypto::constant_time_equal("abc", "abd"));
  EXPECT_FALSE(crypto::constant_time_equal("abc", "ab"));
}

TEST(Clock, Rfc3339RoundTripAndOffsets) {
  int64_t ms = 0;
  ASSERT_TRUE(parse_rfc3339("2026-11-23T13:17:17.123Z", ms));
  EXPECT_EQ(format_rfc3339(ms), "2026-11-23T13:17:17.123Z");
  int64_t ms2 = 0;
  ASSERT_TRUE(parse_rfc3339("2026-11-23T14:17:17.123+01:00", ms2));
  EXPECT_EQ(ms, ms2);
  EXPECT_FALSE(parse_rfc3339("2026-11-23", ms));
  EXPECT_FALSE(parse_rfc3339("2026-13-23T00:00:00Z", ms));
  EXPECT_FALSE(parse_rfc3339("2026-11-23T00:00:00", ms));
  // Converted by arithmetic (no timegm): before the epoch, and across leap days and centuries.
  ASSERT_TRUE(parse_rfc3339("1969-12-31T23:59:59.500Z", ms));
  EXPECT_EQ(ms, -500);
  for (const char* t : {"2024-02-29T23:59:59.999Z", "2000-03-01T00:00:00.000Z", "2100-03-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z"}) {
    ASSERT_TRUE(parse_rfc3339(t, ms)) << t;
    EXPECT_EQ(format_rfc3339(ms), t);
  }
}

TEST(Clock, Rfc3339RefusesWhatItWouldHaveToRewrite) {
  int64_t ms = 0;
  // RFC 3339 §5.6 separates date and time with 'T' ('t'); the space is an ISO 8601 profile's.
  EXPECT_FALSE(parse_rfc3339("2026-11-23 13:17:17Z", ms));
  EXPECT_TRUE(parse_rfc3339("2026-11-23t13:17:17z", ms));
  // Days a month lacks were normalised by timegm into another date.
  EXPECT_FALSE(parse_rfc3339("2026-02-29T00:00:00Z", ms));
  EXPECT_FALSE(parse_rfc3339("2026-04-31T00:00:00Z", ms));
  EXPECT_TRUE(parse_rfc3339("2024-02-29T00:00:00Z", ms));
  EXPECT_FALSE(parse_rfc3339("2100-02-29T00:00:00Z", ms));
  EXPECT_TRUE(parse_rfc3339("2000-02-29T00:00:00Z", ms));
  EXPECT_FALSE(parse_rfc3339("2026-11-23T00:00:00+24:00", ms));
  EXPECT_FALSE(parse_rfc3339("2026-11-23T00:00:00+01:60", ms));
}

TEST(Json, NumbersBeyondADoubleAreRefusedNamingTheirPointer) {
  auto field_of = [](std::string_view text) {
    auto r = json::parse(text);
    return r.ok() ? std::string("(accepted)") : r.status().fields().at(0).field;
  };
  EXPECT_EQ(field_of(R"({"data":{"x":1e400}})"), "/data/x");
  EXPECT_EQ(field_of(R"([{"data":[0,-1e400]}])"), "/0/data/1");
  EXPECT_EQ(field_of(R"({"a/b":{"m~n":1E+999}})"), "/a~1b/m~0n");  // RFC 6901 escapes
  EXPECT_EQ(field_of("1e400"), "body");
  EXPECT_EQ(field_of("[" + std::string(400, '9') + "]"), "/0");  // 400 digits: no exponent needed
  // The largest finite doubles and the smallest (underflowing to 0) are fine.
  EXPECT_EQ(field_of(R"([1.7976931348623157e308,-1.7976931348623157e308,1e-400])"), "(accepted)");
  // What parse accepts serializes back to strict JSON.
  auto v = json::parse(R"({"a":1.5e300,"b":-2.5e-300})");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(json::parse(json::serialize(*v)).ok());
}

TEST(Json, ParseRejectsMalformedAndTooDeep) {
  EXPECT_TRUE(json::parse(R"({"a":[1,2,3]})").ok());
  auto bad = json::parse("{\"a\":");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().fields().at(0).field, "body");
  std::string deep(65, '[');
  deep += std::string(65, ']');
  auto too_deep = json::parse(deep);
  ASSERT_FALSE(too_deep.ok());
  EXPECT_NE(too_deep.status().message().find("deeper"), std::string::npos);
  std::string ok_depth(64, '[');
  ok_depth += std::string(64, ']');
  EXPECT_TRUE(json::parse(ok_depth).ok());
}

// append_quoted scans 8 bytes at a time until a byte needs escaping: put
// every kind of such byte at every offset of strings up to 24 bytes long
// (both sides of the 8-byte steps) and check the result is JSON that parses
// back to the same string.
TEST(Json, AppendQuotedEscapesWhateverNeedsItAtAnyOffset) {
  const std::string specials[] = {"\"", "\\", "\n", "\r", "\t", std::string(1, '\0'), "\x01", "\x1f", "\x7f",
                                  "\xc3\xa9"};
  for (const std::string& special : specials) {
    for (size_t len = 0; len <= 24; ++len) {
      for (size_t at = 0; at <= len; ++at) {
        std::string in(len, 'a');
        in.insert(at, special);
        std::string out;
        json::append_quoted(out, in);
        auto v = json::parse(out);
        ASSERT_TRUE(v.ok()) << out;
        ASSERT_TRUE(v->is_string()) << out;
        EXPECT_EQ(std::string(v->as_string()), in) << out;
      }
    }
  }
  std::string plain;
  json::append_quoted(plain, "user.registered/with-a-longer-name");
  EXPECT_EQ(plain, "\"user.registered/with-a-longer-name\"");
}

TEST(Json, FieldAccessorsNameTheField) {
  auto v = json::parse(R"({"name":5,"n":"x"})").value();
  std::string s;
  Status st = json::get_string(v.as_object(), "name", s, true, "/data");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.fields()[0].field, "/data/name");
  int64_t n = 0;
  EXPECT_FALSE(json::get_int(v.as_object(), "n", n, true));
  EXPECT_FALSE(json::get_string(v.as_object(), "missing", s, true));
  EXPECT_TRUE(json::get_string(v.as_object(), "missing", s, false));
}

TEST(Metrics, RendersPrometheusText) {
  metrics::Registry r;
  r.counter("sb_things_total", "Things.", {{"kind", "a\"b"}}).inc(2);
  r.histogram("sb_latency_seconds", "Latency.", {}, {0.1, 1}).observe(0.5);
  std::string text = r.render();
  EXPECT_NE(text.find("# TYPE sb_things_total counter"), std::string::npos);
  EXPECT_NE(text.find("sb_things_total{kind=\"a\\\"b\"} 2"), std::string::npos);
  EXPECT_NE(text.find("sb_latency_seconds_bucket{le=\"0.1\"} 0"), std::string::npos);
  EXPECT_NE(text.find("sb_latency_seconds_bucket{le=\"+Inf\"} 1"), std::string::npos);
  EXPECT_NE(text.find("sb_latency_seconds_count 1"), std::string::npos);
}

TEST(Result, TryAndAssignPropagate) {
  auto f = [](bool fail) -> Result<int> {
    if (fail) return Status::not_found("nope");
    return 7;
  };
  auto g = [&](bool fail) -> Status {
    SB_ASSIGN(int v, f(fail));
    return v == 7 ? Status() : Status::internal("bad");
  };
  EXPECT_TRUE(g(false));
  EXPECT_EQ(g(true).code(), Code::kNotFound);
}

}  // namespace
}  // namespace sb
