#include "curl_client.h"

#include <curl/curl.h>

#include <algorithm>

namespace sb::test {
namespace {

size_t on_body(char* p, size_t size, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(p, size * n);
  return size * n;
}

size_t on_header(char* p, size_t size, size_t n, void* ud) {
  std::string line(p, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string k = line.substr(0, colon);
    std::transform(k.begin(), k.end(), k.begin(), ::tolower);
    std::string v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n')) v.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(ud))[k] = v;
  }
  return size * n;
}

struct SseState {
  std::string buf;
  SseEvent cur;
  const std::function<bool(const SseEvent&)>* fn;
  bool stop = false;
};

size_t on_sse(char* p, size_t size, size_t n, void* ud) {
  auto* st = static_cast<SseState*>(ud);
  st->buf.append(p, size * n);
  size_t nl;
  while ((nl = st->buf.find('\n')) != std::string::npos) {
    std::string line = st->buf.substr(0, nl);
    st->buf.erase(0, nl + 1);
    if (line.empty()) {
      if (!st->cur.data.empty() || !st->cur.id.empty()) {
        if (!(*st->fn)(st->cur)) st->stop = true;
      }
      st->cur = {};
      if (st->stop) return 0;  // abort the transfer
      continue;
    }
    if (line.rfind("id: ", 0) == 0) st->cur.id = line.substr(4);
    else if (line.rfind("event: ", 0) == 0) st->cur.event = line.substr(7);
    else if (line.rfind("data: ", 0) == 0) st->cur.data += line.substr(6);
  }
  return size * n;
}

}  // namespace

HttpResult http_request(const std::string& method, const std::string& url, const std::string& body,
                        const std::vector<std::string>& headers, long timeout_ms) {
  HttpResult r;
  CURL* c = curl_easy_init();
  curl_slist* hl = nullptr;
  for (auto& h : headers) hl = curl_slist_append(hl, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  else r.error = curl_easy_strerror(rc);
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  return r;
}

HttpResult read_sse(const std::string& url, const std::vector<std::string>& headers,
                    const std::function<bool(const SseEvent&)>& on_event, long timeout_ms) {
  HttpResult r;
  SseState st;
  st.fn = &on_event;
  CURL* c = curl_easy_init();
  curl_slist* hl = nullptr;
  for (auto& h : headers) hl = curl_slist_append(hl, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && st.stop)) r.error = curl_easy_strerror(rc);
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  return r;
}

}  // namespace sb::test
