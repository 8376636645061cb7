// FlagSet's evaluation: a flag is enabled when its parents are as its
// dependencies require, it is on, and one of its strategies (or none being
// listed) enables it. Semantics follow the Node SDK's lib/client.js.
#include <algorithm>

#include "flags/model.h"
#include "flags/strategies.h"

namespace sb::flags {
namespace detail {
namespace {

struct FlagResult {
  bool enabled = false;
  const VariantDef* variant = nullptr;  // chosen by the strategy that enabled the flag
};

FlagResult evaluate_flag(const SetData& set, const Flag& f, const Context& ctx);

Variant to_variant(const VariantDef& d, bool feature_enabled) {
  return {d.name, true, feature_enabled, d.has_payload ? &d.payload : nullptr};
}

Variant variant_of(const SetData& set, const Flag& f, const Context& ctx) {
  FlagResult r = evaluate_flag(set, f, ctx);
  if (!r.enabled) return {};
  if (r.variant) return to_variant(*r.variant, true);
  const VariantDef* d = select_variant(f.variants, ctx);
  if (!d) return {"disabled", false, true, nullptr};
  return to_variant(*d, true);
}

// Compile guarantees (or, lenient, marks unsatisfiable) that a parent has no
// dependencies of its own, so this recursion is one level deep.
bool dependencies_satisfied(const SetData& set, const Flag& f, const Context& ctx) {
  if (f.dependencies_unsatisfiable) return false;
  for (const Dependency& dep : f.dependencies) {
    const Flag& parent = set.flags[dep.parent];
    if (!dep.enabled) {
      if (evaluate_flag(set, parent, ctx).enabled) return false;
    } else if (dep.variants.empty()) {
      if (!evaluate_flag(set, parent, ctx).enabled) return false;
    } else {
      Variant v = variant_of(set, parent, ctx);
      if (!v.feature_enabled || std::find(dep.variants.begin(), dep.variants.end(), v.name) == dep.variants.end())
        return false;
    }
  }
  return true;
}

FlagResult evaluate_flag(const SetData& set, const Flag& f, const Context& ctx) {
  if (!f.enabled || !dependencies_satisfied(set, f, ctx)) return {};
  if (f.strategies.empty()) return {true, nullptr};
  for (const Strategy& s : f.strategies) {
    StrategyResult r = evaluate(s, set, ctx);
    if (r.enabled) return {true, r.variant};
  }
  return {};
}

const Flag* find(const SetData& set, std::string_view name) {
  auto it = set.by_name.find(name);
  return it == set.by_name.end() ? nullptr : &set.flags[it->second];
}

}  // namespace

FieldRef::Kind field_kind(std::string_view name) {
  if (name == "userId") return FieldRef::kUserId;
  if (name == "sessionId") return FieldRef::kSessionId;
  if (name == "remoteAddress") return FieldRef::kRemoteAddress;
  if (name == "environment") return FieldRef::kEnvironment;
  if (name == "appName") return FieldRef::kAppName;
  if (name == "currentTime") return FieldRef::kCurrentTime;
  return FieldRef::kProperty;
}

FieldRef field_ref(std::string_view name) { return {field_kind(name), std::string(name)}; }

// As the SDKs' resolveContextValue: the named member, else properties[name].
std::optional<std::string_view> resolve(const Context& ctx, FieldRef::Kind kind, std::string_view name) {
  const std::string* member = nullptr;
  switch (kind) {
    case FieldRef::kUserId: member = &ctx.user_id; break;
    case FieldRef::kSessionId: member = &ctx.session_id; break;
    case FieldRef::kRemoteAddress: member = &ctx.remote_address; break;
    case FieldRef::kEnvironment: member = &ctx.environment; break;
    case FieldRef::kAppName: member = &ctx.app_name; break;
    case FieldRef::kCurrentTime: member = &ctx.current_time; break;
    case FieldRef::kProperty: break;
  }
  if (member && !member->empty()) return std::string_view(*member);
  for (const auto& [key, value] : ctx.properties)
    if (key == name && !value.empty()) return std::string_view(value);
  return std::nullopt;
}

}  // namespace detail

std::optional<std::string_view> Context::field(std::string_view name) const {
  return detail::resolve(*this, detail::field_kind(name), name);
}

FlagSet::FlagSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FlagSet::~FlagSet() = default;

std::shared_ptr<const FlagSet> FlagSet::empty() {
  static const std::shared_ptr<const FlagSet> kEmpty = [] {
    auto impl = std::make_unique<Impl>();
    impl->clock = &Clock::system();
    return std::shared_ptr<const FlagSet>(new FlagSet(std::move(impl)));
  }();
  return kEmpty;
}

bool FlagSet::is_enabled(std::string_view flag, const Context& ctx) const {
  const detail::Flag* f = detail::find(*impl_, flag);
  return f && detail::evaluate_flag(*impl_, *f, ctx).enabled;
}

Variant FlagSet::variant(std::string_view flag, const Context& ctx) const {
  const detail::Flag* f = detail::find(*impl_, flag);
  return f ? detail::variant_of(*impl_, *f, ctx) : Variant{};
}

bool FlagSet::contains(std::string_view flag) const { return impl_->by_name.contains(flag); }

const std::vector<std::string>& FlagSet::names() const { return impl_->names; }

}  // namespace sb::flags
