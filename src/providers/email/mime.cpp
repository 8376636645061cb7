#include "providers/email/mime.h"

#include <ctime>

#include "core/crypto.h"
#include "providers/address.h"

namespace sb::providers::email {
namespace {

std::string mailbox_header(const std::string& text) {
  auto mb = parse_mailbox(text);
  return mb ? format_mailbox(*mb) : text;
}

// Address lists fold after the comma so no line passes ~78 characters.
std::string address_list(std::string_view name, const std::vector<std::string>& list) {
  std::string out(name);
  out += ": ";
  size_t line = out.size();
  for (size_t i = 0; i < list.size(); ++i) {
    std::string item = mailbox_header(list[i]);
    if (i > 0) {
      out += ',';
      if (line + item.size() + 2 > 78) {
        out += "\r\n ";
        line = 1;
      } else {
        out += ' ';
        line += 2;
      }
    }
    out += item;
    line += item.size();
  }
  return out + "\r\n";
}

std::string part_headers(const char* type) {
  return std::string("Content-Type: ") + type +
         "; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n";
}

}  // namespace

std::string make_message_id(std::string_view unique, std::string_view from_address) {
  auto mb = parse_mailbox(from_address);
  std::string domain = "switchboard.local";
  if (mb) domain = mb->address.substr(mb->address.rfind('@') + 1);
  return "<" + std::string(unique) + "@" + domain + ">";
}

std::string rfc5322_date(int64_t unix_ms) {
  time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string quoted_printable(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  size_t col = 0;
  auto emit = [&](std::string_view piece) {
    if (col + piece.size() > 75) {  // 75 + the "=" soft break = 76
      out += "=\r\n";
      col = 0;
    }
    out += piece;
    col += piece.size();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;  // CRLF -> handled at '\n'
    if (c == '\n' || c == '\r') {
      out += "\r\n";
      col = 0;
      continue;
    }
    bool at_eol = i + 1 == text.size() || text[i + 1] == '\n' || text[i + 1] == '\r';
    // Trailing blanks would be stripped in transit; a leading '.' is safe (curl dot-stuffs).
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
    if (literal) {
      char ch = static_cast<char>(c);
      emit(std::string_view(&ch, 1));
    } else {
      char enc[3] = {'=', kHex[c >> 4], kHex[c & 15]};
      emit(std::string_view(enc, 3));
    }
  }
  return out;
}

std::string render_message(const EmailMessage& m, std::string_view message_id, int64_t unix_ms) {
  std::string out;
  out += "Date: " + rfc5322_date(unix_ms) + "\r\n";
  out += "From: " + mailbox_header(m.from) + "\r\n";
  out += address_list("To", m.to);
  if (!m.cc.empty()) out += address_list("Cc", m.cc);
  if (!m.reply_to.empty()) out += "Reply-To: " + mailbox_header(m.reply_to) + "\r\n";
  out += "Subject: " + encode_header_text(m.subject) + "\r\n";
  out += "Message-ID: " + std::string(message_id) + "\r\n";
  for (const auto& [name, value] : m.headers) out += name + ": " + encode_header_text(value) + "\r\n";
  out += "MIME-Version: 1.0\r\n";

  const bool both = !m.text.empty() && !m.html.empty();
  if (!both) {
    const bool html = m.text.empty();
    out += part_headers(html ? "text/html" : "text/plain") + "\r\n";
    out += quoted_printable(html ? m.html : m.text);
    return out + "\r\n";
  }
  // In quoted-printable output '=' is always followed by hex digits or CRLF,
  // so a boundary starting "=_" can never occur inside a part (RFC 2045 6.7).
  std::string boundary = "=_sb_" + crypto::random_token(18);
  out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "This is a multi-part message in MIME format.\r\n";
  out += "--" + boundary + "\r\n" + part_headers("text/plain") + "\r\n" + quoted_printable(m.text) + "\r\n";
  out += "--" + boundary + "\r\n" + part_headers("text/html") + "\r\n" + quoted_printable(m.html) + "\r\n";
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace sb::providers::email
