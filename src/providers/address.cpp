#include "providers/address.h"

#include <cstring>

#include "core/crypto.h"

namespace sb::providers {
namespace {

bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+/=?^_`{|}~-", c) != nullptr && c != '\0';
}

bool is_domain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = d.find('.', start);
    std::string_view label = d.substr(start, dot == std::string_view::npos ? d.npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
        return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool printable_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

// Length of the UTF-8 sequence starting with `lead` (1 for invalid bytes, so
// encoding never loops forever on bad input).
size_t utf8_len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xe) return 3;
  if ((lead >> 3) == 0x1e) return 4;
  return 1;
}

}  // namespace

bool is_email_address(std::string_view a) {
  size_t at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || a.size() > 254) return false;
  std::string_view local = a.substr(0, at);
  if (local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos)
    return false;
  for (char c : local)
    if (!is_atext(c) && c != '.') return false;
  return is_domain(a.substr(at + 1));
}

std::optional<Mailbox> parse_mailbox(std::string_view text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return std::nullopt;  // no CR/LF or controls: header injection
  text = trim(text);
  Mailbox m;
  if (!text.empty() && text.back() == '>') {
    size_t lt = text.rfind('<');
    if (lt == std::string_view::npos) return std::nullopt;
    m.address = std::string(trim(text.substr(lt + 1, text.size() - lt - 2)));
    std::string_view name = trim(text.substr(0, lt));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
      for (size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) ++i;
        else if (name[i] == '"') return std::nullopt;
        m.name += name[i];
      }
    } else {
      if (name.find_first_of("<>\"") != std::string_view::npos) return std::nullopt;
      m.name = std::string(name);
    }
  } else {
    m.address = std::string(text);
  }
  if (!is_email_address(m.address)) return std::nullopt;
  return m;
}

bool is_e164(std::string_view n) {
  if (n.size() < 3 || n.size() > 16 || n[0] != '+' || n[1] == '0') return false;
  for (size_t i = 1; i < n.size(); ++i)
    if (n[i] < '0' || n[i] > '9') return false;
  return true;
}

bool is_sender_id(std::string_view id) {
  if (id.empty() || id.size() > 11) return false;
  bool letter = false;
  for (char c : id) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alpha && !(c >= '0' && c <= '9') && c != ' ') return false;
    letter = letter || alpha;
  }
  return letter;
}

std::string encode_header_text(std::string_view text) {
  if (printable_ascii(text)) return std::string(text);
  // 45 raw bytes -> 60 base64 chars + 12 of "=?UTF-8?B??=": within the 75 an
  // encoded-word may have. Chunks end on character boundaries (RFC 2047 6.3).
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = i;
    while (end < text.size()) {
      size_t n = utf8_len(static_cast<unsigned char>(text[end]));
      if (end + n - i > 45) break;
      end += n;
    }
    if (end == i) end = std::min(text.size(), i + 1);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + crypto::base64_encode(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string format_mailbox(const Mailbox& m) {
  if (m.name.empty()) return m.address;
  if (!printable_ascii(m.name)) return encode_header_text(m.name) + " <" + m.address + ">";
  std::string q = "\"";
  for (char c : m.name) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\" <" + m.address + ">";
}

}  // namespace sb::providers
