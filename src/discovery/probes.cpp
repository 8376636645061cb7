#include "discovery/probes.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace sb::discovery {

namespace {
size_t discard(char*, size_t size, size_t n, void*) { return size * n; }
}  // namespace

Status http_probe(const std::string& url, int64_t timeout_ms, int expect_status) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Status::internal("curl_easy_init failed");
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "switchboard-health-check");
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) return Status::unavailable(curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  bool ok = expect_status ? status == expect_status : (status >= 200 && status < 300);
  if (!ok) return Status::unavailable("HTTP " + std::to_string(status));
  return {};
}

Status tcp_probe(const std::string& host_port, int64_t timeout_ms) {
  size_t colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon), port = host_port.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
    return Status::unavailable(std::string("resolve: ") + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(res, freeaddrinfo);
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::unavailable(std::string("socket: ") + std::strerror(errno));
  std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { ::close(*f); });
  if (connect(fd, res->ai_addr, res->ai_addrlen) == 0) return {};
  if (errno != EINPROGRESS) return Status::unavailable(std::string("connect: ") + std::strerror(errno));
  pollfd p{fd, POLLOUT, 0};
  int n = poll(&p, 1, static_cast<int>(timeout_ms));
  if (n == 0) return Status::unavailable("connect timed out");
  int err = 0;
  socklen_t len = sizeof(err);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (n < 0 || err != 0) return Status::unavailable(std::string("connect: ") + std::strerror(err ? err : errno));
  return {};
}

}  // namespace sb::discovery
