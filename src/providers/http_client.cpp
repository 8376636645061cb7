#include "providers/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "config/config.h"
#include "providers/channel_keys.h"

namespace sb::providers {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<HeaderList*>(user);
  std::string_view line(data, size * n);
  // A new status line (after "100 Continue" or a redirect) starts a new header set.
  if (line.substr(0, 5) == "HTTP/") headers->clear();
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    headers->emplace_back(lower(std::string(line.substr(0, colon))), std::string(value));
  }
  return size * n;
}

std::string excerpt(const std::string& body) {
  std::string out = body.substr(0, 200);
  for (char& c : out)
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  if (body.size() > 200) out += "...";
  return out;
}

struct CurlFree {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

void curl_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool curl_has_http2() {
  curl_init_once();
  return (curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_HTTP2) != 0;
}

std::string HttpResponse::header(std::string_view name) const {
  std::string want = lower(std::string(name));
  for (const auto& [k, v] : headers)
    if (k == want) return v;
  return {};
}

Result<HttpResponse> http_send(std::string_view provider, const HttpRequest& req) {
  curl_init_once();
  std::unique_ptr<CURL, CurlFree> h(curl_easy_init());
  if (!h) return Status::internal(std::string(provider) + ": curl_easy_init failed");
  std::unique_ptr<curl_slist, CurlFree> list;
  curl_slist* raw = nullptr;
  for (const auto& [k, v] : req.headers) raw = curl_slist_append(raw, (k + ": " + v).c_str());
  // curl would otherwise wait for "100 Continue" on larger bodies: one more round trip.
  raw = curl_slist_append(raw, "Expect:");
  list.reset(raw);

  HttpResponse resp;
  char err[CURL_ERROR_SIZE] = {0};
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  if (req.method == "POST" || !req.body.empty()) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
  if (req.basic_auth) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, req.basic_auth->first.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, req.basic_auth->second.c_str());
  }
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.timeouts.connect.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeouts.total.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (req.http2) curl_easy_setopt(c, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "switchboard/0.1");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp.headers);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);

  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    std::string what = err[0] ? err : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT)
      return Status::unavailable(std::string(provider) + ": timed out: " + what);
    return Status::unavailable(std::string(provider) + ": " + what);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  return resp;
}

Status check_status(std::string_view provider, const HttpResponse& r) {
  if (r.status >= 200 && r.status < 300) return {};
  std::string m = std::string(provider) + ": HTTP " + std::to_string(r.status);
  if (!r.body.empty()) m += ": " + excerpt(r.body);
  if (r.status == 408 || r.status == 429 || r.status >= 500) return Status::unavailable(m);
  if (r.status == 401 || r.status == 403) return Status::permission_denied(m);
  return Status(Code::kInvalidArgument, m);
}

std::string form_encode(const HeaderList& fields) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    for (const std::string* s : {&k, &v}) {
      for (unsigned char c : *s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += static_cast<char>(c);
        else if (c == ' ') out += '+';
        else {
          out += '%';
          out += kHex[c >> 4];
          out += kHex[c & 15];
        }
      }
      if (s == &k) out += '=';
    }
  }
  return out;
}

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

HttpTimeouts timeouts_from(const config::ConfigService& config, const std::string& channel) {
  HttpTimeouts t;
  if (int64_t v = config.get(kConnectTimeoutMs, channel); v > 0) t.connect = Millis(v);
  if (int64_t v = config.get(kTimeoutMs, channel); v > 0) t.total = Millis(v);
  return t;
}

std::optional<std::string> check_http_url(std::string_view url) {
  if ((url.substr(0, 7) == "http://" && url.size() > 7) ||
      (url.substr(0, 8) == "https://" && url.size() > 8))
    return std::nullopt;
  return "must be an http:// or https:// URL";
}

}  // namespace sb::providers
