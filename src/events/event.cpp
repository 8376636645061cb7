#include "events/event.h"

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/json.h"

namespace sb::events {

namespace bj = boost::json;

namespace {

constexpr size_t kMaxAttrLen = 1024;

// CloudEvents 1.0: extension attribute names are lowercase a-z0-9, max 20 chars.
bool valid_extension_name(std::string_view n) {
  if (n.empty() || n.size() > 20) return false;
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

}  // namespace

Result<Event> parse_event(const bj::value& v, const std::string& prefix) {
  if (!v.is_object()) return Status::invalid(prefix.empty() ? "body" : prefix, "must be a JSON object (a CloudEvent)");
  const bj::object& o = v.get_object();
  std::vector<FieldError> errs;
  Event e;
  auto field = [&](const char* name) { return prefix + "/" + name; };
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
  req_string("type", e.type);
  if (!e.type.empty() && !valid_type(e.type))
    errs.push_back({field("type"), "must be dotted words of letters, digits, '_', '-', ':' or '/'"});

  for (auto& kv : o) {
    std::string_view k = kv.key();
    const bj::value& val = kv.value();
    if (k == "specversion" || k == "id" || k == "source" || k == "type") continue;
    if (k == "data") {
      e.data_json = bj::serialize(val);
      continue;
    }
    if (k == "data_base64") {
      errs.push_back({field("data_base64"), "binary data is not supported; send JSON data"});
      continue;
    }
    if (k == "sequence") continue;  // assigned by the log; a client value is ignored
    if (k == "time") {
      if (!val.is_string() || !parse_rfc3339(val.get_string(), e.time_ms))
        errs.push_back({field("time"), "must be an RFC 3339 timestamp"});
      continue;
    }
    if (val.is_null()) continue;
    if (k == "subject" || k == "datacontenttype" || k == "dataschema") {
      if (!val.is_string()) {
        errs.push_back({field(std::string(k).c_str()), "must be a string"});
        continue;
      }
      if (k == "subject") e.subject = std::string(val.get_string());
      else if (k == "datacontenttype") e.datacontenttype = std::string(val.get_string());
      else e.extensions["dataschema"] = std::string(val.get_string());
      continue;
    }
    if (!valid_extension_name(k)) {
      errs.push_back({field(std::string(k).c_str()), "extension names are lowercase letters and digits, at most 20"});
      continue;
    }
    if (val.is_string()) e.extensions[std::string(k)] = std::string(val.get_string());
    else if (val.is_bool() || val.is_number()) e.extensions[std::string(k)] = bj::serialize(val);
    else errs.push_back({field(std::string(k).c_str()), "extension values must be strings, numbers or booleans"});
  }
  if (!e.data_json.empty() && !e.datacontenttype.empty() &&
      e.datacontenttype.find("json") == std::string::npos)
    errs.push_back({field("datacontenttype"), "only JSON data is supported"});
  if (!errs.empty()) return Status::invalid(std::move(errs));
  return e;
}

std::string envelope_json(const Event& e) {
  // Built as text: every appended event passes through here.
  std::string out;
  out.reserve(128 + e.id.size() + e.source.size() + e.type.size() + e.subject.size() + e.data_json.size());
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
  if (!e.datacontenttype.empty() || !e.data_json.empty()) {
    out += ",\"datacontenttype\":";
    json::append_quoted(out, e.datacontenttype.empty() ? std::string_view("application/json") : e.datacontenttype);
  }
  for (auto& [k, v] : e.extensions) {
    out += ',';
    json::append_quoted(out, k);
    out += ':';
    json::append_quoted(out, v);
  }
  if (!e.data_json.empty()) {
    out += ",\"data\":";
    out += e.data_json;  // serialized once on the way in
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
