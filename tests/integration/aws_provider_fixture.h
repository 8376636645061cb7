// Shared by the AWS provider tests (providers_ses_test.cpp,
// providers_sns_test.cpp): a Messaging on a ManualClock at a fixed time, the
// test credentials, and the check that a request the stand-in received
// carries a SigV4 Authorization in the documented format whose signature
// verifies when recomputed over the received method, target, signed headers
// and body.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <regex>

#include "config/config.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "http_standin.h"
#include "providers/aws_sigv4.h"
#include "providers/messaging.h"
#include "temp_dir.h"

namespace sb::providers::aws_test {

namespace bj = boost::json;
using Form = std::vector<std::pair<std::string, std::string>>;

inline constexpr int64_t k20240501T123456Z = 1'714'566'896'000;
inline constexpr const char* kKeyId = "AKIDSWITCHBOARD";
inline constexpr const char* kSecret = "s3cr3t/Key+EXAMPLE";

inline bj::value list(std::initializer_list<const char*> names) {
  bj::array a;
  for (const char* n : names) a.emplace_back(n);
  return a;
}

struct Authorization {
  std::string key_id, date8, region, service, signed_headers, signature;
};

// The documented format, exactly: algorithm, Credential=<id>/<scope>,
// SignedHeaders=<sorted lower-case names>, Signature=<64 hex>.
inline std::optional<Authorization> parse_authorization(const std::string& v) {
  static const std::regex re(
      "AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)/([0-9]{8})/([a-z0-9-]+)/([a-z0-9]+)/aws4_request, "
      "SignedHeaders=([a-z0-9-]+(?:;[a-z0-9-]+)*), Signature=([0-9a-f]{64})");
  std::smatch m;
  if (!std::regex_match(v, m, re)) return std::nullopt;
  return Authorization{m[1], m[2], m[3], m[4], m[5], m[6]};
}

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t p; (p = s.find(sep, start)) != std::string::npos; start = p + 1) out.push_back(s.substr(start, p - start));
  out.push_back(s.substr(start));
  return out;
}

// The signature over what the stand-in received: the signed headers as they
// arrived, the target's path and query, the body's hash, under `secret`.
inline std::string recompute_signature(const test::RecordedRequest& req, const Authorization& a, const std::string& secret) {
  HeaderList signed_headers;
  for (const std::string& name : split(a.signed_headers, ';'))
    for (const auto& [k, v] : req.headers)
      if (k == name) signed_headers.emplace_back(k, v);
  size_t q = req.target.find('?');
  std::string path = req.target.substr(0, q);
  std::string query = q == std::string::npos ? "" : req.target.substr(q + 1);
  std::string creq = aws::canonical_request(req.method, path, query, signed_headers, crypto::sha256_hex(req.body));
  std::string sts = aws::string_to_sign(req.header("x-amz-date"),
                                        aws::credential_scope(a.date8, a.region, a.service), creq);
  return aws::signature(aws::signing_key(secret, a.date8, a.region, a.service), sts);
}

inline void expect_signed(const test::RecordedRequest& req, const std::string& region, const std::string& service,
                   const std::string& want_signed_headers) {
  auto a = parse_authorization(req.header("authorization"));
  ASSERT_TRUE(a) << "Authorization: " << req.header("authorization");
  EXPECT_EQ(a->key_id, kKeyId);
  EXPECT_EQ(a->date8, "20240501");
  EXPECT_EQ(a->region, region);
  EXPECT_EQ(a->service, service);
  EXPECT_EQ(a->signed_headers, want_signed_headers);
  EXPECT_EQ(req.header("x-amz-date"), "20240501T123456Z");
  EXPECT_EQ(recompute_signature(req, *a, kSecret), a->signature);
  // The check can fail: another secret or a changed body gives another signature.
  EXPECT_NE(recompute_signature(req, *a, "another-secret"), a->signature);
  test::RecordedRequest changed = req;
  changed.body += " ";
  EXPECT_NE(recompute_signature(changed, *a, kSecret), a->signature);
}

class AwsProvidersTest : public ::testing::Test {
 protected:
  AwsProvidersTest()
      : clock_(k20240501T123456Z),
        config_(nullptr, nullptr),
        messaging_(config_, clock_, nullptr, dir_.path(), {.sleeper = [](Millis) {}}) {}

  void set(const std::string& key, bj::value v) {
    Status s = config_.set(key, v, "test");
    ASSERT_TRUE(s) << s.to_string();
  }
  void set(const std::string& key, const char* v) { set(key, bj::value(v)); }
  void set(const std::string& key, const std::string& v) { set(key, bj::value(v)); }

  test::TempDir dir_;
  test::HttpStandin api_;
  ManualClock clock_;
  config::ConfigService config_;
  Messaging messaging_;
};

}  // namespace sb::providers::aws_test
