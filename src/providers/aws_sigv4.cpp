#include "providers/aws_sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <optional>
#include <vector>

#include "core/crypto.h"

namespace sb::providers::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool unreserved(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

// RFC 3986 percent-encoding with upper-case hex, as SigV4 requires.
void encode_to(std::string& out, std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoding only; a malformed escape is kept as text (and then encoded).
std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int hi = 0, lo = 0;
    if (s[i] == '%' && i + 2 < s.size() && (hi = hex_value(s[i + 1])) >= 0 && (lo = hex_value(s[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trim, and every inner run of whitespace (a folded line's CRLF + indent too)
// becomes one space: what AWS's "Trimall" means in practice (the SDKs do this).
std::string trim_all(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

struct UrlParts {
  std::string_view authority, path, query;
};

// scheme://authority/path?query#fragment — enough for the URLs we build;
// no userinfo (it would end up in Host).
std::optional<UrlParts> split_url(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string_view rest = url.substr(scheme_end + 3);
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t auth_end = std::min(rest.find('/'), rest.find('?'));
  UrlParts p;
  p.authority = rest.substr(0, auth_end);
  if (p.authority.empty() || p.authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view tail = auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);
  size_t q = tail.find('?');
  p.path = tail.substr(0, q);
  if (q != std::string_view::npos) p.query = tail.substr(q + 1);
  return p;
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string amz_date(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string credential_scope(std::string_view date8, std::string_view region, std::string_view service) {
  std::string s;
  s.append(date8).append("/").append(region).append("/").append(service).append("/aws4_request");
  return s;
}

std::string canonical_uri(std::string_view path) {
  // RFC 3986 remove_dot_segments, and empty segments ("//") dropped too.
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view seg = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    bool last = slash == std::string_view::npos;
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    // "/a/" and "/a/." and "/a/b/.." all name a directory: keep its slash.
    if (last) trailing_slash = seg.empty() || seg == "." || seg == "..";
    if (last) break;
    start = slash + 1;
  }
  std::string out;
  for (std::string_view seg : segments) {
    out += '/';
    encode_to(out, seg, false);
  }
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    std::string_view part = query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string name, value;
      encode_to(name, percent_decode(part.substr(0, eq)), false);
      if (eq != std::string_view::npos) encode_to(value, percent_decode(part.substr(eq + 1)), false);
      params.emplace_back(std::move(name), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  // Byte order of the encoded forms, by name then value.
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

CanonicalHeaders canonical_headers(const HeaderList& headers) {
  std::vector<std::pair<std::string, std::string>> merged;  // name -> values joined, first-seen order
  for (const auto& [name, value] : headers) {
    std::string n = lower(trim_all(name));
    auto it = std::find_if(merged.begin(), merged.end(), [&](const auto& e) { return e.first == n; });
    if (it == merged.end()) merged.emplace_back(std::move(n), trim_all(value));
    else it->second += "," + trim_all(value);
  }
  std::stable_sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (const auto& [n, v] : merged) {
    out.lines += n + ":" + v + "\n";
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += n;
  }
  return out;
}

std::string canonical_request(std::string_view method, std::string_view path, std::string_view query,
                              const HeaderList& headers, std::string_view payload_hash) {
  CanonicalHeaders h = canonical_headers(headers);
  std::string out(method);
  out += '\n';
  out += canonical_uri(path) + '\n';
  out += canonical_query(query) + '\n';
  out += h.lines + '\n';  // the header block ends with its own newline, then the separator
  out += h.signed_headers + '\n';
  out.append(payload_hash);
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out.append(amz_date).append("\n").append(scope).append("\n");
  out += crypto::sha256_hex(canonical_request);
  return out;
}

std::string signing_key(std::string_view secret, std::string_view date8, std::string_view region,
                        std::string_view service) {
  // Derived per call: four HMACs are nothing beside the HTTPS call they sign,
  // and a cache would keep another copy of key material in memory.
  std::string k = crypto::hmac_sha256(std::string("AWS4").append(secret), date8);
  k = crypto::hmac_sha256(k, region);
  k = crypto::hmac_sha256(k, service);
  return crypto::hmac_sha256(k, "aws4_request");
}

std::string signature(std::string_view signing_key, std::string_view string_to_sign) {
  return crypto::hex_encode(crypto::hmac_sha256(signing_key, string_to_sign));
}

Result<Signed> sign(HttpRequest& req, const Credentials& creds, std::string_view region, std::string_view service,
                    int64_t unix_ms, const SignOptions& options) {
  if (creds.access_key_id.empty() || creds.secret_access_key.empty())
    return Status::invalid("credentials", "an access key id and a secret access key are required");
  auto url = split_url(req.url);
  if (!url) return Status::invalid("url", "must be an absolute http:// or https:// URL without user info");

  // A retried request may carry the previous attempt's signature.
  std::erase_if(req.headers, [](const auto& h) {
    return same_name(h.first, "authorization") || same_name(h.first, "x-amz-date") ||
           same_name(h.first, "x-amz-security-token") || same_name(h.first, "x-amz-content-sha256");
  });
  // libcurl derives Host from the URL the same way; setting it ourselves
  // makes the signed value the sent one by construction.
  if (std::none_of(req.headers.begin(), req.headers.end(), [](const auto& h) { return same_name(h.first, "host"); }))
    req.headers.emplace_back("Host", std::string(url->authority));

  const std::string date = amz_date(unix_ms);
  const std::string date8 = date.substr(0, 8);
  const std::string payload_hash = crypto::sha256_hex(req.body);
  req.headers.emplace_back("X-Amz-Date", date);
  if (options.content_sha256_header) req.headers.emplace_back("X-Amz-Content-Sha256", payload_hash);
  const bool token = !creds.session_token.empty();
  if (token && options.sign_session_token) req.headers.emplace_back("X-Amz-Security-Token", creds.session_token);

  Signed s;
  const std::string scope = credential_scope(date8, region, service);
  s.canonical_request = canonical_request(req.method, url->path, url->query, req.headers, payload_hash);
  s.string_to_sign = string_to_sign(date, scope, s.canonical_request);
  std::string sig = signature(signing_key(creds.secret_access_key, date8, region, service), s.string_to_sign);
  s.authorization = std::string(kAlgorithm) + " Credential=" + creds.access_key_id + "/" + scope +
                    ", SignedHeaders=" + canonical_headers(req.headers).signed_headers + ", Signature=" + sig;

  if (token && !options.sign_session_token) req.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  req.headers.emplace_back("Authorization", s.authorization);
  return s;
}

}  // namespace sb::providers::aws
