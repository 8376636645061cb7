// Variants: weights are used as the document gives them (Unleash's server
// has already spread the "variable" ones over what the "fix" ones leave of
// 1000, and the SDKs bucket into the actual total). Strict compile refuses
// weights that cannot come from that split: a weight outside 0..1000, fix
// weights above 1000, or a total above 1000.
#include "flags/compile.h"
#include "flags/js_number.h"

namespace sb::flags::detail {
namespace {

constexpr int kWeightScale = 1000;

Status compile_payload(const bj::object& o, const std::string& ptr, bool lenient, VariantDef& d) {
  const bj::value* p = member(o, "payload");
  if (!p) return {};
  const bj::object* po = nullptr;
  SB_TRY(as_object(*p, ptr, po));
  SB_TRY(string_member(*po, "type", ptr, d.payload.type, /*required=*/true));
  const bj::value* value = member(*po, "value");
  if (!value) return Status::invalid(child(ptr, "value"), "required");
  if (value->is_string()) {
    d.payload.value = std::string(value->get_string());
  } else if (lenient) {
    d.payload.value = bj::serialize(*value);
  } else {
    return Status::invalid(child(ptr, "value"), "must be a string (a json payload is JSON text)");
  }
  d.has_payload = true;
  if (lenient) return {};
  const std::string& t = d.payload.type;
  if (t == "json") {
    boost::system::error_code ec;
    bj::parse(d.payload.value, ec);
    if (ec) return Status::invalid(child(ptr, "value"), "not valid JSON: " + ec.message());
  } else if (t == "number") {
    double n;
    if (!js_number(d.payload.value, n)) return Status::invalid(child(ptr, "value"), "not a number");
  } else if (t != "string" && t != "csv") {
    return Status::invalid(child(ptr, "type"), "must be string, json, csv or number");
  }
  return {};
}

Status compile_overrides(const bj::object& o, const std::string& ptr, VariantDef& d) {
  const bj::array* arr = nullptr;
  SB_TRY(array_member(o, "overrides", ptr, arr));
  if (!arr) return {};
  for (size_t k = 0; k < arr->size(); ++k) {
    std::string at = child(child(ptr, "overrides"), k);
    const bj::object* oo = nullptr;
    SB_TRY(as_object((*arr)[k], at, oo));
    Override ov;
    std::string context_name;
    SB_TRY(string_member(*oo, "contextName", at, context_name, /*required=*/true));
    ov.field = field_ref(context_name);
    const bj::array* values = nullptr;
    SB_TRY(array_member(*oo, "values", at, values));
    for (size_t j = 0; values && j < values->size(); ++j) {
      std::optional<std::string> text = scalar_text((*values)[j]);
      if (!text) return Status::invalid(child(child(at, "values"), j), "must be a string");
      ov.values.push_back(std::move(*text));
    }
    d.overrides.push_back(std::move(ov));
  }
  return {};
}

Status compile_weight(const bj::object& o, const std::string& ptr, bool lenient, VariantDef& d, bool& fix) {
  std::string at = child(ptr, "weight");
  const bj::value* w = member(o, "weight");
  double weight = 0;
  if (w && w->is_number()) weight = w->to_number<double>();
  bool valid = w && w->is_number() && weight >= 0 && weight <= kWeightScale && weight == static_cast<int>(weight);
  if (!valid && !lenient) return Status::invalid(at, "must be an integer from 0 to 1000");
  d.weight = valid ? static_cast<int>(weight) : 0;
  std::string weight_type;
  SB_TRY(string_member(o, "weightType", ptr, weight_type, /*required=*/false));
  if (!lenient && !weight_type.empty() && weight_type != "variable" && weight_type != "fix")
    return Status::invalid(child(ptr, "weightType"), "must be variable or fix");
  fix = weight_type == "fix";
  return {};
}

}  // namespace

Stickiness stickiness_of(std::string_view name) {
  if (name.empty() || name == "default") return {};
  if (name == "random") return {Stickiness::kRandom, {}};
  return {Stickiness::kField, field_ref(name)};
}

Status compile_variants(const bj::array* variants, const std::string& ptr, bool lenient, std::string_view group_id,
                        std::string_view fallback_stickiness, VariantGroup& out) {
  out.seeded_group = Murmur3(kVariantSeed);
  out.seeded_group.update(group_id);
  out.seeded_group.update(":");
  if (!variants) return {};
  int fix_total = 0;
  std::string first_stickiness;
  for (size_t i = 0; i < variants->size(); ++i) {
    std::string at = child(ptr, i);
    const bj::object* o = nullptr;
    SB_TRY(as_object((*variants)[i], at, o));
    VariantDef d;
    SB_TRY(string_member(*o, "name", at, d.name, /*required=*/true));
    bool fix = false;
    SB_TRY(compile_weight(*o, at, lenient, d, fix));
    if (fix) fix_total += d.weight;
    out.total_weight += d.weight;
    if (!lenient && fix && fix_total > kWeightScale)
      return Status::invalid(child(at, "weight"), "fix weights add up to more than 1000");
    if (!lenient && out.total_weight > kWeightScale)
      return Status::invalid(child(at, "weight"), "weights add up to more than 1000");
    if (i == 0) SB_TRY(string_member(*o, "stickiness", at, first_stickiness, /*required=*/false));
    SB_TRY(compile_payload(*o, child(at, "payload"), lenient, d));
    SB_TRY(compile_overrides(*o, at, d));
    out.defs.push_back(std::move(d));
  }
  out.stickiness = stickiness_of(first_stickiness.empty() ? fallback_stickiness : first_stickiness);
  return {};
}

}  // namespace sb::flags::detail
