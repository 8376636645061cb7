// The whatsapp channel's rules: validation, the JSON shape of POST
// /v1/messages/whatsapp, and WhatsAppKind's keys.
#include "providers/whatsapp/whatsapp.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "config/config.h"
#include "providers/address.h"
#include "providers/builtin.h"
#include "providers/channel_kinds.h"

namespace sb::providers {
namespace {

namespace bj = boost::json;

bool is_language(const std::string& s) {
  // "en", "pt_BR", "zh_Hant", "de-AT": letters, then '_'/'-' separated parts.
  if (s.size() < 2 || s.size() > 15 || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
}

bool is_template_name(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

size_t utf8_chars(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Read on every send: a change applies to the next message.
const config::Key<std::string> kDefaultLanguage{
    "whatsapp.default_language", "en",
    "Language of a template message that names none (a code of the approved template: en, en_US, de, …)",
    config::hot, config::check(
                     [](const std::string& v) -> std::optional<std::string> {
                       if (is_language(v)) return std::nullopt;
                       return "must be a language code such as en or en_US";
                     },
                     "language code")};

}  // namespace

Status validate_whatsapp(const WhatsAppMessage& m) {
  std::vector<FieldError> errors;
  if (m.to.empty()) errors.push_back({"/to", "is required"});
  else if (!is_e164(m.to)) errors.push_back({"/to", "must be a phone number in E.164 format (+14155550100)"});
  if (m.is_template()) {
    if (!m.body.empty()) errors.push_back({"/body", "must be empty for a template message (its text is the template's)"});
    if (m.template_name.size() > kMaxWhatsAppTemplateChars || !is_template_name(m.template_name))
      errors.push_back({"/template/name", "must be a template name or Content SID (A-Z a-z 0-9 _, at most 512)"});
    if (!m.language.empty() && !is_language(m.language))
      errors.push_back({"/template/language", "must be a language code such as en or en_US"});
    if (m.parameters.size() > kMaxWhatsAppParameters)
      errors.push_back({"/template/parameters",
                        "must have at most " + std::to_string(kMaxWhatsAppParameters) + " values"});
    for (size_t i = 0; i < m.parameters.size() && i < kMaxWhatsAppParameters; ++i) {
      const std::string path = "/template/parameters/" + std::to_string(i);
      // WhatsApp refuses an empty parameter: the placeholder would show blank.
      if (m.parameters[i].empty()) errors.push_back({path, "must not be empty"});
      else if (utf8_chars(m.parameters[i]) > kMaxWhatsAppParameterChars)
        errors.push_back({path, "must be at most " + std::to_string(kMaxWhatsAppParameterChars) + " characters"});
    }
  } else if (m.body.empty()) {
    errors.push_back({"/body", "body or template is required"});
  } else if (utf8_chars(m.body) > kMaxWhatsAppTextChars) {
    errors.push_back({"/body", "must be at most " + std::to_string(kMaxWhatsAppTextChars) + " characters"});
  }
  if (errors.empty()) return {};
  return Status::invalid(std::move(errors));
}

Result<WhatsAppMessage> parse_whatsapp(const bj::value& body) {
  if (!body.is_object()) return Status::invalid("/", "must be a JSON object");
  const bj::object& o = body.get_object();
  std::vector<FieldError> errors;
  auto unknown = [&](const bj::object& obj, const std::string& prefix, std::initializer_list<const char*> known) {
    for (const auto& kv : obj)
      if (std::none_of(known.begin(), known.end(), [&](const char* k) { return kv.key() == k; }))
        errors.push_back({prefix + "/" + std::string(kv.key()), "is not a known field"});
  };
  auto string = [&](const bj::object& obj, const char* key, const std::string& path, std::string& out) {
    const bj::value* v = obj.if_contains(key);
    if (!v || v->is_null()) return;
    if (v->is_string()) out = std::string(v->get_string());
    else errors.push_back({path, "must be a string"});
  };
  unknown(o, "", {"to", "body", "template"});
  WhatsAppMessage m;
  bool template_given = false;  // then a missing name is the error, not a missing body
  string(o, "to", "/to", m.to);
  string(o, "body", "/body", m.body);
  if (const bj::value* t = o.if_contains("template"); t && !t->is_null()) {
    if (!t->is_object()) {
      errors.push_back({"/template", "must be an object {name, language?, parameters?}"});
    } else {
      const bj::object& to = t->get_object();
      unknown(to, "/template", {"name", "language", "parameters"});
      const size_t before = errors.size();
      string(to, "name", "/template/name", m.template_name);
      template_given = true;
      if (m.template_name.empty() && errors.size() == before) errors.push_back({"/template/name", "is required"});
      string(to, "language", "/template/language", m.language);
      if (const bj::value* p = to.if_contains("parameters"); p && !p->is_null()) {
        if (!p->is_array()) {
          errors.push_back({"/template/parameters", "must be a list of strings"});
        } else {
          const auto& arr = p->get_array();
          for (size_t i = 0; i < arr.size(); ++i) {
            if (arr[i].is_string()) m.parameters.emplace_back(arr[i].get_string());
            else {
              // A placeholder keeps the indices of later entries equal to the JSON's.
              m.parameters.emplace_back("?");
              errors.push_back({"/template/parameters/" + std::to_string(i), "must be a string"});
            }
          }
        }
      }
    }
  }
  // Validation errors for the fields that were read fine.
  Status v = validate_whatsapp(m);
  const size_t parsed = errors.size();
  for (const auto& f : v.fields()) {
    bool dup = template_given && f.field == "/body" && m.body.empty();
    for (size_t i = 0; i < parsed; ++i)
      dup = dup || f.field == errors[i].field || f.field.rfind(errors[i].field + "/", 0) == 0;
    if (!dup) errors.push_back(f);
  }
  if (!errors.empty()) return Status::invalid(std::move(errors));
  return m;
}

// ---- WhatsAppKind

void WhatsAppKind::declare(config::ConfigService& config) { config.declare(kDefaultLanguage); }

Status WhatsAppKind::prepare(WhatsAppMessage& m, const config::ConfigService& config) {
  if (m.is_template()) {
    if (m.language.empty()) m.language = config.get(kDefaultLanguage);
    // Meta's codes are "en_US"; a BCP 47 tag as notify's locales are ("en-US") means the same.
    std::replace(m.language.begin(), m.language.end(), '-', '_');
  }
  return validate_whatsapp(m);
}

Status WhatsAppKind::register_builtins(Registry<WhatsAppSender>& registry, const ProviderEnv& env) {
  return register_builtin_whatsapp(registry, env);
}

}  // namespace sb::providers
