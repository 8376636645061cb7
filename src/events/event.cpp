#include "events/event.h"

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/json.h"
#include "events/attribute_syntax.h"

namespace sb::events {

namespace bj = boost::json;

namespace {

constexpr size_t kMaxAttrLen = 1024;
constexpr int64_t kMinInteger = -2147483648LL, kMaxInteger = 2147483647LL;  // CloudEvents Integer: 32-bit

// CloudEvents 1.0: attribute names MUST be lowercase a-z0-9. "SHOULD NOT
// exceed 20 characters" is advice, so a longer name is valid (bounded like
// every other attribute).
bool valid_extension_name(std::string_view n) {
  if (n.empty() || n.size() > kMaxAttrLen) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

bool valid_type(std::string_view t) {
  if (t.empty() || t.size() > 255) return false;
  for (char c : t)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == ':' || c == '/'))
      return false;
  return t.front() != '.' && t.back() != '.';
}

// An extension value in the JSON form of a CloudEvents type: a string (String,
// URI, Timestamp, Binary… all travel as strings), a boolean, or an Integer.
// Copied onto the heap: `v` may live in the request's arena.
bool extension_value(const bj::value& v, bj::value& out) {
  if (v.is_string()) out = bj::value(std::string_view(v.get_string()));
  else if (v.is_bool()) out = bj::value(v.get_bool());
  else if (v.is_int64() && v.get_int64() >= kMinInteger && v.get_int64() <= kMaxInteger) out = bj::value(v.get_int64());
  else return false;
  return true;
}

}  // namespace

Result<Event> parse_event(const bj::value& v, const std::string& prefix) {
  if (!v.is_object()) return Status::invalid(prefix.empty() ? "body" : prefix, "must be a JSON object (a CloudEvent)");
  const bj::object& o = v.get_object();
  std::vector<FieldError> errs;
  Event e;
  auto field = [&](std::string_view name) { return prefix + "/" + std::string(name); };
  auto req_string = [&](const char* name, std::string& out) {
    auto it = o.find(name);
    if (it == o.end() || it->value().is_null()) errs.push_back({field(name), "is required"});
    else if (!it->value().is_string()) errs.push_back({field(name), "must be a string"});
    else if (it->value().get_string().empty()) errs.push_back({field(name), "must not be empty"});
    else if (it->value().get_string().size() > kMaxAttrLen) errs.push_back({field(name), "is too long"});
    else out = std::string(it->value().get_string());
  };
  std::string specversion;
  req_string("specversion", specversion);
  if (!specversion.empty() && specversion != "1.0")
    errs.push_back({field("specversion"), "must be \"1.0\""});
  req_string("id", e.id);
  req_string("source", e.source);
  if (!e.source.empty() && !is_uri_reference(e.source))
    errs.push_back({field("source"), "must be a URI-reference (RFC 3986): no spaces, '%' only as %XX"});
  req_string("type", e.type);
  if (!e.type.empty() && !valid_type(e.type))
    errs.push_back({field("type"), "must be dotted words of letters, digits, '_', '-', ':' or '/'"});

  bool has_data = false;
  for (auto& kv : o) {
    std::string_view k = kv.key();
    const bj::value& val = kv.value();
    if (k == "specversion" || k == "id" || k == "source" || k == "type") continue;
    if (k == "data") {
      // Any JSON value: a JSON datacontenttype's document, or the JSON form
      // (usually a string) of another type's content (JSON format §3.1).
      e.data_json = bj::serialize(val);
      has_data = true;
      continue;
    }
    if (k == "sequence") continue;  // assigned by the log; a client value is ignored
    if (val.is_null()) continue;    // JSON format: a null attribute is an absent one
    if (k == "data_base64") {
      if (!val.is_string() || !is_base64(val.get_string()))
        errs.push_back({field(k), "must be a base64 string (RFC 4648, with padding)"});
      else
        e.data_base64 = std::string(val.get_string());
      continue;
    }
    if (k == "time") {
      if (!val.is_string() || !parse_rfc3339(val.get_string(), e.time_ms))
        errs.push_back({field(k), "must be an RFC 3339 timestamp (2026-01-02T03:04:05Z)"});
      continue;
    }
    if (k == "subject" || k == "datacontenttype" || k == "dataschema") {
      if (!val.is_string()) {
        errs.push_back({field(k), "must be a string"});
        continue;
      }
      std::string_view sv = val.get_string();
      if (sv.empty()) errs.push_back({field(k), "must not be empty; omit it instead"});
      else if (sv.size() > kMaxAttrLen) errs.push_back({field(k), "is too long"});
      else if (k == "subject") e.subject = std::string(sv);
      else if (k == "datacontenttype" && !is_media_type(sv))
        errs.push_back({field(k), "must be a media type (RFC 2046), e.g. \"application/json\""});
      else if (k == "datacontenttype") e.datacontenttype = std::string(sv);
      else if (!is_absolute_uri(sv)) errs.push_back({field(k), "must be an absolute URI (RFC 3986)"});
      else e.extensions.emplace("dataschema", bj::value(sv));
      continue;
    }
    if (!valid_extension_name(k)) {
      errs.push_back({field(k), "extension names are lowercase letters and digits"});
      continue;
    }
    bj::value ext;
    if (extension_value(val, ext)) e.extensions.emplace(std::string(k), std::move(ext));
    else if (val.is_number())
      errs.push_back({field(k), "a number must be a CloudEvents Integer: whole, -2147483648 to 2147483647"});
    else errs.push_back({field(k), "extension values must be strings, integers or booleans"});
  }
  if (has_data && e.data_base64)
    errs.push_back({field("data_base64"), "data and data_base64 are exclusive: send one of them"});
  if (!errs.empty()) return Status::invalid(std::move(errs));
  return e;
}

std::string envelope_json(const Event& e) {
  // Built as text: every appended event passes through here.
  std::string out;
  out.reserve(128 + e.id.size() + e.source.size() + e.type.size() + e.subject.size() + e.data_json.size() +
              (e.data_base64 ? e.data_base64->size() : 0));
  out += "{\"specversion\":\"1.0\",\"id\":";
  json::append_quoted(out, e.id);
  out += ",\"source\":";
  json::append_quoted(out, e.source);
  out += ",\"type\":";
  json::append_quoted(out, e.type);
  if (!e.subject.empty()) {
    out += ",\"subject\":";
    json::append_quoted(out, e.subject);
  }
  out += ",\"time\":\"";
  out += format_rfc3339(e.time_ms);
  out += '"';
  // JSON data without a content type is application/json (JSON format §3.1);
  // binary data without one stays without: its type is unknown.
  if (!e.datacontenttype.empty() || !e.data_json.empty()) {
    out += ",\"datacontenttype\":";
    json::append_quoted(out, e.datacontenttype.empty() ? std::string_view("application/json") : e.datacontenttype);
  }
  for (auto& [k, v] : e.extensions) {
    out += ',';
    json::append_quoted(out, k);
    out += ':';
    if (v.is_string()) json::append_quoted(out, v.get_string());
    else out += bj::serialize(v);  // an integer or a boolean
  }
  if (!e.data_json.empty()) {
    out += ",\"data\":";
    out += e.data_json;  // serialized once on the way in
  } else if (e.data_base64) {
    out += ",\"data_base64\":";
    json::append_quoted(out, *e.data_base64);
  }
  out += '}';
  return out;
}

std::string with_sequence(int64_t sequence, const std::string& stored) {
  std::string out = "{\"sequence\":";
  out += std::to_string(sequence);
  if (stored.size() > 2) out += ',';
  out.append(stored, 1, std::string::npos);
  return out;
}

Result<Event> parse_stored(int64_t sequence, const std::string& stored) {
  SB_ASSIGN(bj::value v, json::parse(stored));
  SB_ASSIGN(Event e, parse_event(v));
  e.sequence = sequence;
  return e;
}

Status validate_pattern(const std::string& p, const std::string& field) {
  if (p.empty()) return Status::invalid(field, "must not be empty");
  if (p == "*") return {};
  std::string body = p;
  if (body.size() > 2 && body.compare(body.size() - 2, 2, ".*") == 0) body.resize(body.size() - 2);
  if (body.find('*') != std::string::npos || !valid_type(body))
    return Status::invalid(field, "must be an event type, a prefix ending in \".*\", or \"*\"");
  return {};
}

bool matches(const std::string& pattern, const std::string& type) {
  if (pattern == "*") return true;
  if (pattern.size() > 2 && pattern.compare(pattern.size() - 2, 2, ".*") == 0) {
    // "user.*" matches "user.registered" and "user.mfa.enabled", not "users.x" or "user".
    size_t n = pattern.size() - 1;  // keep the dot
    return type.size() > n && type.compare(0, n, pattern, 0, n) == 0;
  }
  return pattern == type;
}

}  // namespace sb::events
