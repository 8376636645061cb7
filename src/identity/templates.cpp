#include "identity/templates.h"

#include <algorithm>

namespace sb::identity {

std::string render_template(std::string_view text, const TemplateValues& values) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find('{', i);
    if (open == std::string_view::npos) break;
    out.append(text, i, open - i);
    size_t close = text.find('}', open + 1);
    if (close == std::string_view::npos) {
      i = open;
      break;
    }
    std::string_view name = text.substr(open + 1, close - open - 1);
    auto it = std::find_if(values.begin(), values.end(), [&](const auto& kv) { return kv.first == name; });
    if (it != values.end()) {
      out += it->second;
      i = close + 1;
    } else {
      // Not ours: keep the brace and rescan from the next character, so
      // "{{code}" still fills the inner placeholder.
      out += '{';
      i = open + 1;
    }
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

bool has_placeholder(std::string_view text, std::string_view name) {
  std::string p;
  p.reserve(name.size() + 2);
  p += '{';
  p += name;
  p += '}';
  return text.find(p) != std::string_view::npos;
}

std::optional<std::string> check_sms_template(std::string_view text) {
  if (!has_placeholder(text, "code")) return "must contain {code}";
  return std::nullopt;
}

std::optional<std::string> check_email_template(std::string_view text) {
  if (!has_placeholder(text, "link") && !has_placeholder(text, "token")) return "must contain {link} or {token}";
  return std::nullopt;
}

std::string duration_text(int64_t ms) {
  if (ms > 0 && ms % 3600000 == 0) return std::to_string(ms / 3600000) + " hours";
  return std::to_string(std::max<int64_t>(1, ms / 60000)) + " minutes";
}

}  // namespace sb::identity
