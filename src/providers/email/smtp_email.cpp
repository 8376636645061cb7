// email.smtp — any SMTP relay through libcurl: plain, STARTTLS (required, not
// opportunistic: CURLUSESSL_ALL) or implicit TLS (smtps://), optional AUTH
// with username/password. The message is rendered by email/mime.h (Date,
// Message-ID, multipart/alternative). Bcc recipients only go into RCPT TO.
//
// Certificates are verified against the system store, or `ca_file`;
// `insecure_skip_verify` exists for self-signed development relays.
#include <curl/curl.h>

#include <cstring>
#include <memory>

#include "core/ids.h"
#include "providers/address.h"
#include "providers/email/mime.h"
#include "providers/http_client.h"
#include "providers/keys.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::email {
namespace {

struct SmtpSettings {
  std::string host;
  int port = 0;
  std::string tls;  // none | starttls | tls
  std::string username, password;
  std::string ca_file;
  bool insecure = false;
  HttpTimeouts timeouts;
};

struct Upload {
  const std::string* data;
  size_t pos = 0;
};

size_t read_upload(char* buf, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t len = std::min(size * n, u->data->size() - u->pos);
  std::memcpy(buf, u->data->data() + u->pos, len);
  u->pos += len;
  return len;
}

std::string bare_address(const std::string& text) {
  auto mb = parse_mailbox(text);
  return "<" + (mb ? mb->address : text) + ">";
}

Status map_error(CURLcode rc, long reply, const char* detail) {
  std::string m = std::string("smtp: ") + (detail[0] ? detail : curl_easy_strerror(rc));
  if (reply > 0) m += " (server replied " + std::to_string(reply) + ")";
  // 530 authentication required, 534/535 mechanism or credentials rejected.
  if (rc == CURLE_LOGIN_DENIED || reply == 530 || reply == 534 || reply == 535)
    return Status::permission_denied(m);
  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
      rc == CURLE_USE_SSL_FAILED || rc == CURLE_URL_MALFORMAT)
    return Status::internal(m);  // configuration: retrying will not help
  // A 5xx reply is a permanent rejection (RFC 5321 4.2.1); 4xx is transient.
  if (reply >= 500) return Status(Code::kInvalidArgument, m);
  return Status::unavailable(m);
}

class SmtpEmail final : public EmailSender {
 public:
  SmtpEmail(SmtpSettings s, const Clock& clock) : s_(std::move(s)), clock_(clock) {
    curl_init_once();
    int port = s_.port > 0 ? s_.port : s_.tls == "tls" ? 465 : s_.tls == "starttls" ? 587 : 25;
    std::string host = s_.host.find(':') != std::string::npos ? "[" + s_.host + "]" : s_.host;  // IPv6
    url_ = (s_.tls == "tls" ? "smtps://" : "smtp://") + host + ":" + std::to_string(port);
  }

  Result<std::string> send(const EmailMessage& m) override {
    std::string id = new_uuid_v7(clock_);
    std::string message_id = make_message_id(id, m.from);
    std::string data = render_message(m, message_id, clock_.now_ms());

    std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
    if (!h) return Status::internal("smtp: curl_easy_init failed");
    curl_slist* raw = nullptr;
    for (const auto* list : {&m.to, &m.cc, &m.bcc})
      for (const auto& a : *list) raw = curl_slist_append(raw, bare_address(a).c_str());
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> rcpt(raw, curl_slist_free_all);

    CURL* c = h.get();
    char err[CURL_ERROR_SIZE] = {0};
    Upload up{&data};
    std::string from = bare_address(m.from);
    curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, s_.tls == "none" ? CURLUSESSL_NONE : CURLUSESSL_ALL);
    if (!s_.username.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, s_.username.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, s_.password.c_str());
    }
    if (!s_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, s_.ca_file.c_str());
    if (s_.insecure) {
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s_.timeouts.connect.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(s_.timeouts.total.count()));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);

    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      long reply = 0;
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
      return map_error(rc, reply, err);
    }
    return message_id.substr(1, message_id.size() - 2);
  }

 private:
  const SmtpSettings s_;
  const Clock& clock_;
  std::string url_;  // set in the constructor, then immutable
};

const config::Key<std::string> kHost{"email.smtp.host", "", "Relay host name or IP", config::hot};
const config::Key<int64_t> kPort{"email.smtp.port", 0, "Port; 0 = 25 / 587 / 465 by tls mode", config::between(0, 65535),
                                 config::hot};
const config::Key<std::string> kTls{"email.smtp.tls", "starttls",
                                    "none | starttls (required upgrade) | tls (implicit, smtps://)",
                                    config::one_of({"none", "starttls", "tls"}), config::hot};
const config::Key<std::string> kUsername{"email.smtp.username", "", "AUTH user; empty = no AUTH", config::hot};
const config::Key<std::string> kPassword{"email.smtp.password", "", "AUTH password", config::secret, config::hot};
const config::Key<std::string> kCaFile{"email.smtp.ca_file", "", "PEM file of CAs to trust instead of the system store",
                                       config::hot};
const config::Key<bool> kInsecureSkipVerify{"email.smtp.insecure_skip_verify", false,
                                            "Accept any certificate (self-signed dev/test relays only)", config::hot};

}  // namespace

Factory<EmailSender> smtp_factory(const ProviderEnv& env) {
  return {
      .name = "smtp",
      .description = "Any SMTP relay (plain, STARTTLS or implicit TLS, optional AUTH)",
      .keys = {kHost.spec(), kPort.spec(), kTls.spec(), kUsername.spec(), kPassword.spec(), kCaFile.spec(),
               kInsecureSkipVerify.spec()},
      .create = [env](const config::ConfigService& c) -> Result<std::unique_ptr<EmailSender>> {
        SmtpSettings s;
        s.host = c.get(kHost);
        if (s.host.empty() || s.host.find_first_of("/?#@ ") != std::string::npos)
          return Status::invalid(kHost.name(), "is required when email.providers includes smtp");
        s.port = static_cast<int>(c.get(kPort));
        s.tls = c.get(kTls);
        s.username = c.get(kUsername);
        s.password = c.get(kPassword);
        s.ca_file = c.get(kCaFile);
        s.insecure = c.get(kInsecureSkipVerify);
        s.timeouts = timeouts_from(c, "email");
        return std::unique_ptr<EmailSender>(std::make_unique<SmtpEmail>(std::move(s), *env.clock));
      },
  };
}

}  // namespace sb::providers::email
