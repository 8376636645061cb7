#include "config/json_schema.h"

#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <optional>
#include <set>

namespace sb::config {

namespace bj = boost::json;

namespace {

enum TypeBit : unsigned {
  kNull = 1, kBoolean = 2, kInteger = 4, kNumber = 8, kString = 16, kArray = 32, kObject = 64,
};

const std::map<std::string_view, unsigned>& type_bits() {
  static const std::map<std::string_view, unsigned> m = {
      {"null", kNull},   {"boolean", kBoolean}, {"integer", kInteger}, {"number", kNumber | kInteger},
      {"string", kString}, {"array", kArray},   {"object", kObject}};
  return m;
}

const std::set<std::string_view>& annotations() {
  static const std::set<std::string_view> s = {"title",    "description", "default",    "examples",  "$schema",
                                               "$id",      "$comment",    "readOnly",   "writeOnly", "deprecated"};
  return s;
}

constexpr const char* kSupported =
    "supported: type, enum, const, properties, required, additionalProperties, items, minItems, maxItems, "
    "minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, maxLength";

bool is_integral(const bj::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  if (!v.is_double()) return false;
  double d = v.get_double();
  return std::isfinite(d) && std::floor(d) == d;
}

// Code points, not bytes: "minLength": 2 counts "é" as one.
size_t code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string fmt(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  return bj::serialize(bj::value(d));
}

}  // namespace

struct JsonSchema::Node {
  bool reject_all = false;  // the schema `false`
  unsigned types = 0;       // 0: any type
  std::optional<bj::array> enum_values;
  std::optional<bj::value> const_value;
  std::vector<std::pair<std::string, std::shared_ptr<const Node>>> properties;
  std::vector<std::string> required;
  bool additional_allowed = true;
  std::shared_ptr<const Node> additional;  // schema for undeclared members, if any
  std::shared_ptr<const Node> items;
  std::optional<uint64_t> min_items, max_items, min_length, max_length;
  std::optional<double> minimum, maximum, exclusive_minimum, exclusive_maximum;

  void check(const bj::value& v, std::string& path, std::vector<FieldError>& errs) const;
};

std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

bool json_equal(const bj::value& a, const bj::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    return a.to_number<double>() == b.to_number<double>();
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!json_equal(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const bj::value* other = y.if_contains(kv.key());
      if (!other || !json_equal(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;  // null, bool, string
}

namespace {

using NodePtr = std::shared_ptr<const JsonSchema::Node>;

class Compiler {
 public:
  std::vector<FieldError> errs;

  NodePtr compile(const bj::value& s, const std::string& path) {
    auto node = std::make_shared<JsonSchema::Node>();
    if (s.is_bool()) {
      node->reject_all = !s.get_bool();
      return node;
    }
    if (!s.is_object()) {
      fail(path, "must be a schema: an object or true/false");
      return node;
    }
    for (const auto& kv : s.get_object()) {
      std::string at = path + "/" + pointer_token(kv.key());
      keyword(*node, kv.key(), kv.value(), at);
    }
    return node;
  }

 private:
  void fail(const std::string& path, std::string msg) { errs.push_back({path, std::move(msg)}); }

  std::optional<double> number(const bj::value& v, const std::string& at) {
    if (v.is_number()) return v.to_number<double>();
    fail(at, "must be a number");
    return std::nullopt;
  }
  std::optional<uint64_t> count(const bj::value& v, const std::string& at) {
    if (is_integral(v) && v.to_number<double>() >= 0) return static_cast<uint64_t>(v.to_number<double>());
    fail(at, "must be a non-negative integer");
    return std::nullopt;
  }

  void keyword(JsonSchema::Node& n, std::string_view k, const bj::value& v, const std::string& at) {
    if (k == "type") return type(n, v, at);
    if (k == "enum") {
      if (!v.is_array()) return fail(at, "must be an array");
      n.enum_values = v.get_array();
      return;
    }
    if (k == "const") {
      n.const_value = v;
      return;
    }
    if (k == "properties") {
      if (!v.is_object()) return fail(at, "must be an object of schemas");
      for (const auto& p : v.get_object())
        n.properties.emplace_back(std::string(p.key()), compile(p.value(), at + "/" + pointer_token(p.key())));
      return;
    }
    if (k == "required") {
      if (!v.is_array()) return fail(at, "must be an array of property names");
      for (const auto& e : v.get_array()) {
        if (!e.is_string()) return fail(at, "must be an array of property names");
        n.required.emplace_back(e.get_string());
      }
      return;
    }
    if (k == "additionalProperties") {
      if (v.is_bool()) n.additional_allowed = v.get_bool();
      else n.additional = compile(v, at);
      return;
    }
    if (k == "items") {
      if (v.is_array()) return fail(at, "must be one schema for every element (tuple form is not supported)");
      n.items = compile(v, at);
      return;
    }
    if (k == "minimum") n.minimum = number(v, at);
    else if (k == "maximum") n.maximum = number(v, at);
    else if (k == "exclusiveMinimum") n.exclusive_minimum = number(v, at);
    else if (k == "exclusiveMaximum") n.exclusive_maximum = number(v, at);
    else if (k == "minLength") n.min_length = count(v, at);
    else if (k == "maxLength") n.max_length = count(v, at);
    else if (k == "minItems") n.min_items = count(v, at);
    else if (k == "maxItems") n.max_items = count(v, at);
    else if (!annotations().count(k)) fail(at, "unsupported keyword (" + std::string(kSupported) + ")");
  }

  void type(JsonSchema::Node& n, const bj::value& v, const std::string& at) {
    auto one = [&](const bj::value& t) {
      auto it = t.is_string() ? type_bits().find(t.get_string()) : type_bits().end();
      if (it == type_bits().end())
        return fail(at, "must name null, boolean, integer, number, string, array or object");
      n.types |= it->second;
    };
    if (v.is_array()) {
      for (const auto& t : v.get_array()) one(t);
      if (v.get_array().empty()) fail(at, "must name at least one type");
    } else {
      one(v);
    }
  }
};

unsigned bit_of(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null: return kNull;
    case bj::kind::bool_: return kBoolean;
    case bj::kind::int64:
    case bj::kind::uint64:
    case bj::kind::double_: return is_integral(v) ? kInteger : kNumber;
    case bj::kind::string: return kString;
    case bj::kind::array: return kArray;
    case bj::kind::object: return kObject;
  }
  return 0;
}

std::string type_list(unsigned types) {
  std::string out;
  for (const auto& [name, bits] : type_bits()) {
    // "number" covers integer: name integer only when number is not allowed.
    if (name == "integer" && (types & kNumber)) continue;
    if ((types & bits) == bits) out += (out.empty() ? "" : " or ") + std::string(name);
  }
  return out;
}

}  // namespace

void JsonSchema::Node::check(const bj::value& v, std::string& path, std::vector<FieldError>& errs) const {
  auto fail = [&](std::string msg) {
    if (errs.size() < kMaxErrors) errs.push_back({path, std::move(msg)});
  };
  if (errs.size() >= kMaxErrors) return;
  if (reject_all) return fail("no value is allowed here");
  if (types && !(types & bit_of(v))) return fail("must be " + type_list(types));
  if (enum_values) {
    bool found = false;
    for (const auto& e : *enum_values) found = found || json_equal(e, v);
    if (!found) fail("must be one of " + bj::serialize(*enum_values));
  }
  if (const_value && !json_equal(*const_value, v)) fail("must be " + bj::serialize(*const_value));
  if (v.is_number()) {
    double d = v.to_number<double>();
    if (minimum && d < *minimum) fail("must be at least " + fmt(*minimum));
    if (maximum && d > *maximum) fail("must be at most " + fmt(*maximum));
    if (exclusive_minimum && d <= *exclusive_minimum) fail("must be greater than " + fmt(*exclusive_minimum));
    if (exclusive_maximum && d >= *exclusive_maximum) fail("must be less than " + fmt(*exclusive_maximum));
  } else if (v.is_string()) {
    size_t n = code_points(v.get_string());
    if (min_length && n < *min_length) fail("must be at least " + std::to_string(*min_length) + " characters long");
    if (max_length && n > *max_length) fail("must be at most " + std::to_string(*max_length) + " characters long");
  } else if (v.is_array()) {
    const auto& a = v.get_array();
    if (min_items && a.size() < *min_items) fail("must hold at least " + std::to_string(*min_items) + " items");
    if (max_items && a.size() > *max_items) fail("must hold at most " + std::to_string(*max_items) + " items");
    if (items)
      for (size_t i = 0; i < a.size(); ++i) {
        size_t len = path.size();
        path += "/" + std::to_string(i);
        items->check(a[i], path, errs);
        path.resize(len);
      }
  } else if (v.is_object()) {
    const auto& o = v.get_object();
    for (const auto& r : required)
      if (!o.contains(r)) {
        size_t len = path.size();
        path += "/" + pointer_token(r);
        fail("is required");
        path.resize(len);
      }
    for (const auto& kv : o) {
      size_t len = path.size();
      path += "/" + pointer_token(kv.key());
      const Node* schema = nullptr;
      for (const auto& [name, node] : properties)
        if (name == kv.key()) schema = node.get();
      if (schema) schema->check(kv.value(), path, errs);
      else if (additional) additional->check(kv.value(), path, errs);
      else if (!additional_allowed) fail("is not allowed (additionalProperties is false)");
      path.resize(len);
    }
  }
}

Result<JsonSchema> JsonSchema::compile(const bj::value& schema, std::string_view base) {
  Compiler c;
  NodePtr root = c.compile(schema, std::string(base));
  if (!c.errs.empty()) return Status::invalid(std::move(c.errs));
  return JsonSchema(std::move(root), std::make_shared<const bj::value>(schema));
}

std::vector<FieldError> JsonSchema::validate(const bj::value& value, std::string_view base) const {
  std::vector<FieldError> errs;
  std::string path(base);
  root_->check(value, path, errs);
  return errs;
}

}  // namespace sb::config
