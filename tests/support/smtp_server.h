// SmtpServer — starts a REAL SMTP server (aiosmtpd, tests/support/
// smtp_server.py under Debian's /usr/bin/python3) on a loopback port for the
// lifetime of the object: plain, STARTTLS (required) or implicit TLS with a
// self-signed certificate generated now with the openssl CLI (CN=localhost,
// SAN 127.0.0.1), optionally requiring AUTH. Every message it accepts is
// written to its temp dir; messages() reads them back with the envelope.
//
// Construction throws std::runtime_error (with the server's log) if the
// server does not come up. Not thread-safe; one test thread uses it.
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "temp_dir.h"

namespace sb::test {

struct SmtpServerOptions {
  enum class Tls { kNone, kStartTls, kImplicit };
  Tls tls = Tls::kNone;
  std::string username;  // non-empty: AUTH required with username/password
  std::string password;
  bool allow_plaintext_auth = false;  // AUTH without TLS (aiosmtpd refuses it by default)
};

struct ReceivedMail {
  std::string mail_from;              // envelope MAIL FROM
  std::vector<std::string> rcpt_tos;  // envelope RCPT TO
  bool tls = false;                   // the session was encrypted
  bool authenticated = false;
  std::string login;
  std::string raw;  // the DATA as received (CRLF lines)

  // Unfolded value of the first header `name` (case-insensitive), or "".
  std::string header(std::string_view name) const;
  // Everything after the header block.
  std::string body() const;
};

class SmtpServer {
 public:
  explicit SmtpServer(SmtpServerOptions options = {});
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  int port() const { return port_; }
  // PEM of the self-signed certificate ("" without TLS): trust it as a CA.
  const std::string& cert_file() const { return cert_; }
  // Messages received so far, in arrival order.
  std::vector<ReceivedMail> messages() const;

 private:
  TempDir dir_;
  std::string cert_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Decodes quoted-printable (soft line breaks removed).
std::string decode_quoted_printable(std::string_view qp);

}  // namespace sb::test
