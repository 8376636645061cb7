#include "http_standin.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace sb::test {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

// Waits until `fd` is readable or the wake pipe fires. False on wake/timeout.
bool wait_readable(int fd, int wake, int timeout_ms) {
  pollfd p[2] = {{fd, POLLIN, 0}, {wake, POLLIN, 0}};
  int n = ::poll(p, 2, timeout_ms);
  return n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !(p[1].revents & POLLIN);
}

void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

std::string RecordedRequest::header(std::string_view name) const {
  std::string want = lower(std::string(name));
  for (const auto& [k, v] : headers)
    if (k == want) return v;
  return {};
}

std::string form_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> RecordedRequest::form() const {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start < body.size()) {
    size_t amp = body.find('&', start);
    std::string_view part(body.data() + start, (amp == std::string::npos ? body.size() : amp) - start);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) out.emplace_back(form_decode(part), "");
    else out.emplace_back(form_decode(part.substr(0, eq)), form_decode(part.substr(eq + 1)));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return out;
}

std::vector<std::string> RecordedRequest::form_values(std::string_view name) const {
  std::vector<std::string> out;
  for (auto& [k, v] : form())
    if (k == name) out.push_back(v);
  return out;
}

HttpStandin::HttpStandin() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0)
    throw std::runtime_error("HttpStandin: bind/listen failed");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (::pipe(wake_) != 0) throw std::runtime_error("HttpStandin: pipe failed");
  thread_ = std::thread([this] { serve(); });
}

HttpStandin::~HttpStandin() {
  (void)!::write(wake_[1], "x", 1);
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void HttpStandin::enqueue(ScriptedResponse r) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(r));
}

void HttpStandin::fail_next(int n, int status, std::string body) {
  for (int i = 0; i < n; ++i)
    enqueue({.status = status, .headers = {{"Content-Type", "application/json"}}, .body = body});
}

void HttpStandin::set_default(ScriptedResponse r) {
  std::lock_guard lock(mu_);
  default_ = std::move(r);
}

std::vector<RecordedRequest> HttpStandin::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

size_t HttpStandin::request_count() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

void HttpStandin::serve() {
  while (wait_readable(listen_fd_, wake_[0], -1)) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    handle(fd);
    ::close(fd);
  }
}

void HttpStandin::handle(int fd) {
  constexpr int kReadTimeoutMs = 10'000;  // a client that stalls mid-request fails its test
  std::string buf;
  char chunk[8192];
  auto read_more = [&]() -> bool {
    if (!wait_readable(fd, wake_[0], kReadTimeoutMs)) return false;
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
    return true;
  };
  size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos)
    if (!read_more()) return;

  RecordedRequest req;
  std::string_view head(buf.data(), head_end);
  size_t line_end = head.find("\r\n");
  std::string_view request_line = head.substr(0, line_end);
  size_t sp1 = request_line.find(' ');
  size_t sp2 = request_line.find(' ', sp1 + 1);
  req.method = std::string(request_line.substr(0, sp1));
  req.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
  size_t content_length = 0;
  bool expect_continue = false;
  while (line_end != std::string_view::npos && line_end < head.size()) {
    size_t next = head.find("\r\n", line_end + 2);
    std::string_view line = head.substr(line_end + 2, (next == std::string_view::npos ? head.size() : next) - line_end - 2);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string name = lower(std::string(line.substr(0, colon)));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      if (name == "content-length") content_length = std::stoul(std::string(value));
      if (name == "expect" && lower(std::string(value)) == "100-continue") expect_continue = true;
      req.headers.emplace_back(std::move(name), std::string(value));
    }
    line_end = next;
  }
  if (expect_continue) write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n");
  size_t body_start = head_end + 4;
  while (buf.size() - body_start < content_length)
    if (!read_more()) return;
  req.body = buf.substr(body_start, content_length);

  ScriptedResponse resp;
  {
    std::lock_guard lock(mu_);
    requests_.push_back(std::move(req));
    if (!queue_.empty()) {
      resp = std::move(queue_.front());
      queue_.pop_front();
    } else {
      resp = default_;
    }
  }
  if (resp.hang) {
    // Hold the connection until the client hangs up (its timeout) or shutdown.
    while (wait_readable(fd, wake_[0], -1))
      if (::recv(fd, chunk, sizeof chunk, 0) <= 0) break;
    return;
  }
  std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " " + reason(resp.status) + "\r\n";
  for (const auto& [k, v] : resp.headers) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(resp.body.size()) + "\r\nConnection: close\r\n\r\n";
  out += resp.body;
  write_all(fd, out);
}

}  // namespace sb::test
