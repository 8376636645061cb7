// parse_email / parse_sms / to_json (declared in messaging.h): the JSON shape
// of the send endpoints, kept beside the value types they fill.
#include <boost/json.hpp>

#include "providers/messaging.h"

namespace sb::providers {
namespace {

namespace bj = boost::json;

struct Reader {
  const bj::object& o;
  std::vector<FieldError>& errors;

  void string(const char* key, std::string& out) {
    const bj::value* v = o.if_contains(key);
    if (!v || v->is_null()) return;
    if (!v->is_string()) errors.push_back({std::string("/") + key, "must be a string"});
    else out = std::string(v->get_string());
  }

  // A single address or a list of them.
  void list(const char* key, std::vector<std::string>& out) {
    const bj::value* v = o.if_contains(key);
    if (!v || v->is_null()) return;
    if (v->is_string()) {
      out.emplace_back(v->get_string());
      return;
    }
    if (!v->is_array()) {
      errors.push_back({std::string("/") + key, "must be a string or a list of strings"});
      return;
    }
    const auto& arr = v->get_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      if (arr[i].is_string()) {
        out.emplace_back(arr[i].get_string());
      } else {
        // A placeholder keeps the indices of later entries equal to the JSON's.
        out.emplace_back();
        errors.push_back({std::string("/") + key + "/" + std::to_string(i), "must be a string"});
      }
    }
  }

  void unknown(std::initializer_list<const char*> known) {
    for (const auto& kv : o) {
      bool ok = false;
      for (const char* k : known) ok = ok || kv.key() == k;
      if (!ok) errors.push_back({"/" + std::string(kv.key()), "is not a known field"});
    }
  }
};

// Type errors found while reading, plus validation errors for fields that
// were read fine (a field already reported is not reported twice).
Status merge(std::vector<FieldError> errors, const Status& validation) {
  const size_t parsed = errors.size();
  for (const auto& f : validation.fields()) {
    bool dup = false;
    for (size_t i = 0; i < parsed; ++i)
      dup = dup || f.field == errors[i].field || f.field.rfind(errors[i].field + "/", 0) == 0;
    if (!dup) errors.push_back(f);
  }
  if (errors.empty()) return {};
  return Status::invalid(std::move(errors));
}

}  // namespace

Result<EmailMessage> parse_email(const bj::value& body) {
  if (!body.is_object()) return Status::invalid("/", "must be a JSON object");
  const bj::object& o = body.get_object();
  std::vector<FieldError> errors;
  Reader r{o, errors};
  r.unknown({"from", "to", "cc", "bcc", "reply_to", "subject", "text", "html", "headers"});
  EmailMessage m;
  r.string("from", m.from);
  r.list("to", m.to);
  r.list("cc", m.cc);
  r.list("bcc", m.bcc);
  r.string("reply_to", m.reply_to);
  r.string("subject", m.subject);
  r.string("text", m.text);
  r.string("html", m.html);
  if (const bj::value* h = o.if_contains("headers"); h && !h->is_null()) {
    if (!h->is_object()) {
      errors.push_back({"/headers", "must be an object of strings"});
    } else {
      for (const auto& kv : h->get_object()) {
        if (kv.value().is_string()) m.headers.emplace_back(kv.key(), kv.value().get_string());
        else errors.push_back({"/headers/" + std::string(kv.key()), "must be a string"});
      }
    }
  }
  SB_TRY(merge(std::move(errors), validate_email(m, /*require_from=*/false)));
  return m;
}

Result<SmsMessage> parse_sms(const bj::value& body) {
  if (!body.is_object()) return Status::invalid("/", "must be a JSON object");
  const bj::object& o = body.get_object();
  std::vector<FieldError> errors;
  Reader r{o, errors};
  r.unknown({"to", "from", "body"});
  SmsMessage m;
  r.string("to", m.to);
  r.string("from", m.from);
  r.string("body", m.body);
  SB_TRY(merge(std::move(errors), validate_sms(m, /*require_from=*/false)));
  return m;
}

bj::value to_json(const Receipt& r) {
  bj::array failed;
  for (const auto& p : r.failed_over_from) failed.emplace_back(p);
  return bj::object{{"provider", r.provider},
                    {"message_id", r.message_id},
                    {"attempts", r.attempts},
                    {"failed_over_from", std::move(failed)}};
}

}  // namespace sb::providers
