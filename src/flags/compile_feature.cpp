// One feature and its strategies. Parameter semantics follow the Node SDK's
// strategies (lib/strategy/*.js); groupId defaults to the flag's name for
// flexibleRollout and strategy variants, as Unleash's other SDKs do.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "flags/compile.h"
#include "flags/constraints.h"
#include "flags/js_number.h"

namespace sb::flags::detail {
namespace {

struct KindName {
  std::string_view name;
  StrategyKind kind;
};
constexpr KindName kKinds[] = {
    {"default", StrategyKind::kDefault},
    {"userWithId", StrategyKind::kUserWithId},
    {"flexibleRollout", StrategyKind::kFlexibleRollout},
    {"gradualRolloutUserId", StrategyKind::kGradualRolloutUserId},
    {"gradualRolloutSessionId", StrategyKind::kGradualRolloutSessionId},
    {"gradualRolloutRandom", StrategyKind::kGradualRolloutRandom},
    {"remoteAddress", StrategyKind::kRemoteAddress},
    {"applicationHostname", StrategyKind::kApplicationHostname},
};

// As the SDK: $HOSTNAME, else the kernel's host name; lower-cased.
const std::string& machine_hostname() {
  static const std::string name = [] {
    if (const char* env = std::getenv("HOSTNAME"); env && *env) return ascii_lower(env);
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return std::string("undefined");
    return ascii_lower(buf);
  }();
  return name;
}

struct Params {
  const bj::object* obj = nullptr;
  std::string ptr;
  std::optional<std::string> get(std::string_view key) const {
    const bj::value* v = obj ? member(*obj, key) : nullptr;
    return v ? scalar_text(*v) : std::nullopt;
  }
};

// rollout / percentage: Number(text) in 0..100 (strict); NaN never passes (lenient).
Status percentage(const Params& p, std::string_view key, bool lenient, double& out) {
  std::optional<std::string> text = p.get(key);
  double v = std::nan("");
  bool valid = text && js_number(*text, v) && v >= 0 && v <= 100;
  if (!valid && !lenient) return Status::invalid(child(child(p.ptr, "parameters"), key), "must be a number from 0 to 100");
  out = valid ? v : std::nan("");
  return {};
}

Status compile_ips(const Params& p, bool lenient, Strategy& s) {
  s.ip_texts = split_list(p.get("IPs").value_or(""));
  for (const std::string& text : s.ip_texts) {
    IpRange r;
    if (IpRange::parse(text, r)) {
      s.ips.push_back(r);
    } else if (!lenient) {
      return Status::invalid(child(child(p.ptr, "parameters"), "IPs"), "'" + text + "' is not an IP address or CIDR range");
    }
  }
  return {};
}

Status compile_parameters(const Params& p, StrategyKind kind, bool lenient, std::string_view flag_name, Strategy& s) {
  std::string group_id = p.get("groupId").value_or("");
  switch (kind) {
    case StrategyKind::kUserWithId:
      s.user_ids = split_list(p.get("userIds").value_or(""));
      std::sort(s.user_ids.begin(), s.user_ids.end());
      break;
    case StrategyKind::kFlexibleRollout:
      SB_TRY(percentage(p, "rollout", lenient, s.percentage));
      s.stickiness = stickiness_of(p.get("stickiness").value_or(""));
      if (group_id.empty()) group_id = flag_name;
      break;
    case StrategyKind::kGradualRolloutUserId:
    case StrategyKind::kGradualRolloutSessionId:
    case StrategyKind::kGradualRolloutRandom:
      SB_TRY(percentage(p, "percentage", lenient, s.percentage));
      break;
    case StrategyKind::kRemoteAddress:
      SB_TRY(compile_ips(p, lenient, s));
      break;
    case StrategyKind::kApplicationHostname:
      for (const std::string& h : split_list(p.get("hostNames").value_or("")))
        if (ascii_lower(h) == machine_hostname()) s.hostname_matches = true;
      break;
    default:
      break;
  }
  s.seeded_group = Murmur3(kStrategySeed);
  s.seeded_group.update(group_id);
  s.seeded_group.update(":");
  return {};
}

Status compile_segment_ids(const bj::object& o, const std::string& ptr, bool lenient,
                           const std::unordered_map<int64_t, uint32_t>* segment_index, Strategy& s) {
  const bj::array* ids = nullptr;
  SB_TRY(array_member(o, "segments", ptr, ids));
  for (size_t k = 0; ids && k < ids->size(); ++k) {
    std::string at = child(child(ptr, "segments"), k);
    const bj::value& id = (*ids)[k];
    if (!id.is_int64() && !id.is_uint64()) return Status::invalid(at, "must be a segment id (an integer)");
    if (!segment_index) continue;
    auto it = segment_index->find(id.to_number<int64_t>());
    if (it != segment_index->end()) {
      s.segments.push_back(it->second);
    } else if (lenient) {
      s.never = true;  // the SDKs fail a strategy whose segment they do not have
    } else {
      return Status::invalid(at, "no segment with id " + bj::serialize(id) + " in the document's segments");
    }
  }
  return {};
}

Status compile_strategy(const bj::value& v, const std::string& ptr, bool lenient, std::string_view flag_name,
                        const std::unordered_map<int64_t, uint32_t>* segment_index, Strategy& s) {
  const bj::object* o = nullptr;
  SB_TRY(as_object(v, ptr, o));
  std::string name;
  SB_TRY(string_member(*o, "name", ptr, name, /*required=*/true));
  auto it = std::find_if(std::begin(kKinds), std::end(kKinds), [&](const KindName& k) { return k.name == name; });
  // Custom strategies are not an error: Unleash lets clients register them;
  // one this evaluator does not know never enables the flag, as in the SDKs.
  s.kind = it == std::end(kKinds) ? StrategyKind::kUnknown : it->kind;
  Params params{nullptr, ptr};
  if (const bj::value* pv = member(*o, "parameters")) SB_TRY(as_object(*pv, child(ptr, "parameters"), params.obj));
  SB_TRY(compile_parameters(params, s.kind, lenient, flag_name, s));
  const bj::array* arr = nullptr;
  SB_TRY(array_member(*o, "constraints", ptr, arr));
  SB_TRY(compile_constraints(arr, child(ptr, "constraints"), lenient, s.constraints));
  SB_TRY(compile_segment_ids(*o, ptr, lenient, segment_index, s));
  SB_TRY(array_member(*o, "variants", ptr, arr));
  std::string group_id = params.get("groupId").value_or("");
  return compile_variants(arr, child(ptr, "variants"), lenient, group_id.empty() ? flag_name : group_id,
                          params.get("stickiness").value_or(""), s.variants);
}

Status compile_dependencies(const bj::object& o, const std::string& ptr, FeatureDraft& out) {
  const bj::array* deps = nullptr;
  SB_TRY(array_member(o, "dependencies", ptr, deps));
  for (size_t k = 0; deps && k < deps->size(); ++k) {
    std::string at = child(child(ptr, "dependencies"), k);
    const bj::object* d = nullptr;
    SB_TRY(as_object((*deps)[k], at, d));
    Dependency dep;
    std::string parent;
    SB_TRY(string_member(*d, "feature", at, parent, /*required=*/true));
    if (member(*d, "enabled")) SB_TRY(bool_member(*d, "enabled", at, dep.enabled));
    const bj::array* variants = nullptr;
    SB_TRY(array_member(*d, "variants", at, variants));
    for (size_t j = 0; variants && j < variants->size(); ++j) {
      const bj::value& name = (*variants)[j];
      if (!name.is_string()) return Status::invalid(child(child(at, "variants"), j), "must be a string");
      dep.variants.emplace_back(name.get_string());
    }
    out.flag.dependencies.push_back(std::move(dep));
    out.parents.push_back(std::move(parent));
  }
  return {};
}

}  // namespace

Status compile_feature(const bj::value& v, const std::string& ptr, bool lenient,
                       const std::unordered_map<int64_t, uint32_t>* segment_index, FeatureDraft& out) {
  const bj::object* o = nullptr;
  SB_TRY(as_object(v, ptr, o));
  Flag& f = out.flag;
  SB_TRY(string_member(*o, "name", ptr, f.name, /*required=*/true));
  if (f.name.empty()) return Status::invalid(child(ptr, "name"), "must not be empty");
  if (!member(*o, "enabled")) return Status::invalid(child(ptr, "enabled"), "required");
  SB_TRY(bool_member(*o, "enabled", ptr, f.enabled));
  const bj::array* strategies = nullptr;
  SB_TRY(array_member(*o, "strategies", ptr, strategies));
  if (!strategies) {
    // The SDKs report a flag without a strategies array disabled (malformed).
    if (!lenient) return Status::invalid(child(ptr, "strategies"), "required (an empty array enables the flag for all)");
    f.enabled = false;
  }
  f.strategies.resize(strategies ? strategies->size() : 0);
  for (size_t i = 0; i < f.strategies.size(); ++i)
    SB_TRY(compile_strategy((*strategies)[i], child(child(ptr, "strategies"), i), lenient, f.name, segment_index,
                            f.strategies[i]));
  const bj::array* variants = nullptr;
  SB_TRY(array_member(*o, "variants", ptr, variants));
  SB_TRY(compile_variants(variants, child(ptr, "variants"), lenient, f.name, "", f.variants));
  return compile_dependencies(*o, ptr, out);
}

}  // namespace sb::flags::detail
