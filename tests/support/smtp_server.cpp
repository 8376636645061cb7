#include "smtp_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace sb::test {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void generate_cert(const std::string& dir, std::string& cert, std::string& key) {
  cert = dir + "/cert.pem";
  key = dir + "/key.pem";
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
      " -keyout " + key + " -out " + cert + " >" + dir + "/openssl.log 2>&1";
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("SmtpServer: openssl failed: " + read_file(dir + "/openssl.log"));
}

}  // namespace

std::string ReceivedMail::header(std::string_view name) const {
  const std::string want = lower(std::string(name)) + ":";
  size_t end = raw.find("\r\n\r\n");
  std::string_view head(raw.data(), end == std::string::npos ? raw.size() : end);
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = head.size();
    std::string line(head.substr(pos, eol - pos));
    pos = eol + 2;
    if (lower(line.substr(0, want.size())) != want) continue;
    std::string value = line.substr(want.size());
    // Continuation lines start with whitespace (RFC 5322 2.2.3 unfolding).
    while (pos < head.size() && (head[pos] == ' ' || head[pos] == '\t')) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string_view::npos) e = head.size();
      value += std::string(head.substr(pos, e - pos));
      pos = e + 2;
    }
    size_t b = value.find_first_not_of(" \t");
    return b == std::string::npos ? "" : value.substr(b);
  }
  return {};
}

std::string ReceivedMail::body() const {
  size_t end = raw.find("\r\n\r\n");
  return end == std::string::npos ? "" : raw.substr(end + 4);
}

std::string decode_quoted_printable(std::string_view qp) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < qp.size(); ++i) {
    if (qp[i] != '=') {
      out += qp[i];
    } else if (qp.substr(i + 1, 2) == "\r\n") {
      i += 2;  // soft line break
    } else if (i + 2 < qp.size() && hex(qp[i + 1]) >= 0 && hex(qp[i + 2]) >= 0) {
      out += static_cast<char>(hex(qp[i + 1]) * 16 + hex(qp[i + 2]));
      i += 2;
    } else {
      out += qp[i];
    }
  }
  return out;
}

SmtpServer::SmtpServer(SmtpServerOptions options) {
  const std::string dir = dir_.path();
  std::vector<std::string> args = {"/usr/bin/python3", std::string(SB_SOURCE_DIR) + "/tests/support/smtp_server.py",
                                   "--dir", dir};
  if (options.tls != SmtpServerOptions::Tls::kNone) {
    std::string key;
    generate_cert(dir, cert_, key);
    args.insert(args.end(), {"--tls", options.tls == SmtpServerOptions::Tls::kStartTls ? "starttls" : "implicit",
                             "--cert", cert_, "--key", key});
  }
  if (!options.username.empty()) args.insert(args.end(), {"--auth", options.username + ":" + options.password});
  if (options.allow_plaintext_auth) args.push_back("--auth-allow-plaintext");

  const std::string log = dir + "/server.log";
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("SmtpServer: fork failed");
  if (pid_ == 0) {
    FILE* f = std::freopen(log.c_str(), "w", stdout);
    (void)f;
    ::dup2(STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  // Readiness: the script writes <dir>/port once it accepts connections.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < give_up) {
    if (fs::exists(dir + "/port")) {
      port_ = std::stoi(read_file(dir + "/port"));
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("SmtpServer: exited at start-up: " + read_file(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  throw std::runtime_error("SmtpServer: not ready after 20 s: " + read_file(log));
}

SmtpServer::~SmtpServer() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 250; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

std::vector<ReceivedMail> SmtpServer::messages() const {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir_.path()))
    if (e.path().extension() == ".eml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<ReceivedMail> out;
  for (const auto& f : files) {
    ReceivedMail m;
    m.raw = read_file(f);
    fs::path meta_path = f;
    meta_path.replace_extension(".json");
    boost::system::error_code ec;
    auto meta = boost::json::parse(read_file(meta_path), ec);
    if (!ec && meta.is_object()) {
      const auto& o = meta.get_object();
      if (auto* v = o.if_contains("mail_from"); v && v->is_string()) m.mail_from = std::string(v->get_string());
      if (auto* v = o.if_contains("rcpt_tos"); v && v->is_array())
        for (auto& r : v->get_array())
          if (r.is_string()) m.rcpt_tos.emplace_back(r.get_string());
      if (auto* v = o.if_contains("tls"); v && v->is_bool()) m.tls = v->get_bool();
      if (auto* v = o.if_contains("authenticated"); v && v->is_bool()) m.authenticated = v->get_bool();
      if (auto* v = o.if_contains("login"); v && v->is_string()) m.login = std::string(v->get_string());
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace sb::test
