#include "core/json.h"

namespace sb::json {

Result<bj::value> parse(std::string_view text, size_t max_depth) {
  bj::parse_options opt;
  opt.max_depth = max_depth;
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec, {}, opt);
  if (ec) {
    if (ec == bj::error::too_deep)
      return Status::invalid("body", "JSON nesting deeper than " + std::to_string(max_depth));
    return Status::invalid("body", "malformed JSON: " + ec.message());
  }
  return v;
}

namespace {
std::string path_of(std::string_view prefix, std::string_view key) {
  std::string p(prefix);
  p += '/';
  p += key;
  return p;
}
}  // namespace

Status get_string(const bj::object& o, std::string_view key, std::string& out, bool required,
                  std::string_view prefix) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    if (required) return Status::invalid(path_of(prefix, key), "is required");
    return {};
  }
  if (!it->value().is_string()) return Status::invalid(path_of(prefix, key), "must be a string");
  out = std::string(it->value().get_string());
  return {};
}

Status get_int(const bj::object& o, std::string_view key, int64_t& out, bool required,
               std::string_view prefix) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    if (required) return Status::invalid(path_of(prefix, key), "is required");
    return {};
  }
  const auto& v = it->value();
  if (v.is_int64()) out = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= INT64_MAX) out = static_cast<int64_t>(v.get_uint64());
  else return Status::invalid(path_of(prefix, key), "must be an integer");
  return {};
}

Status get_bool(const bj::object& o, std::string_view key, bool& out, bool required,
                std::string_view prefix) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    if (required) return Status::invalid(path_of(prefix, key), "is required");
    return {};
  }
  if (!it->value().is_bool()) return Status::invalid(path_of(prefix, key), "must be a boolean");
  out = it->value().get_bool();
  return {};
}

std::string serialize(const bj::value& v) { return bj::serialize(v); }

}  // namespace sb::json
