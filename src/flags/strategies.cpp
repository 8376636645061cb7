// Strategy semantics follow the Node SDK's lib/strategy/*.js; see
// variants.cpp for how a variant is chosen.
#include "flags/strategies.h"

#include <algorithm>
#include <chrono>

#include "flags/constraints.h"

namespace sb::flags::detail {
namespace {

bool in_percentage(const Strategy& s, std::string_view id) {
  return s.percentage > 0 && normalized(s.seeded_group, id, 100) <= s.percentage;
}

bool random_percentage(const Strategy& s) { return s.percentage > 0 && random_below(100) + 1 <= s.percentage; }

bool flexible_rollout(const Strategy& s, const Context& ctx) {
  switch (s.stickiness.kind) {
    case Stickiness::kDefault:
      if (!ctx.user_id.empty()) return in_percentage(s, ctx.user_id);
      if (!ctx.session_id.empty()) return in_percentage(s, ctx.session_id);
      return random_percentage(s);
    case Stickiness::kRandom:
      return random_percentage(s);
    case Stickiness::kField: {
      std::optional<std::string_view> v = resolve(ctx, s.stickiness.field);
      return v && in_percentage(s, *v);
    }
  }
  return false;
}

bool remote_address(const Strategy& s, const Context& ctx) {
  if (ctx.remote_address.empty()) return false;
  if (std::find(s.ip_texts.begin(), s.ip_texts.end(), ctx.remote_address) != s.ip_texts.end()) return true;
  IpRange addr;
  if (!IpRange::parse(ctx.remote_address, addr)) return false;
  return std::any_of(s.ips.begin(), s.ips.end(), [&](const IpRange& r) { return r.contains(addr); });
}

bool strategy_enabled(const Strategy& s, const Context& ctx) {
  switch (s.kind) {
    case StrategyKind::kDefault:
      return true;
    case StrategyKind::kUserWithId:
      return !ctx.user_id.empty() && std::binary_search(s.user_ids.begin(), s.user_ids.end(), ctx.user_id);
    case StrategyKind::kFlexibleRollout:
      return flexible_rollout(s, ctx);
    case StrategyKind::kGradualRolloutUserId:
      return !ctx.user_id.empty() && in_percentage(s, ctx.user_id);
    case StrategyKind::kGradualRolloutSessionId:
      return !ctx.session_id.empty() && in_percentage(s, ctx.session_id);
    case StrategyKind::kGradualRolloutRandom:
      return random_percentage(s);
    case StrategyKind::kRemoteAddress:
      return remote_address(s, ctx);
    case StrategyKind::kApplicationHostname:
      return s.hostname_matches;
    case StrategyKind::kUnknown:
      return false;
  }
  return false;
}

// splitmix64: statistically fine for bucketing, seeded per thread.
uint64_t next_random() {
  thread_local uint64_t state =
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
      reinterpret_cast<uintptr_t>(&state);
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

uint32_t random_below(uint32_t n) { return static_cast<uint32_t>(next_random() % n); }

StrategyResult evaluate(const Strategy& s, const SetData& set, const Context& ctx) {
  if (s.never || !all_match(s.constraints, ctx, *set.clock)) return {};
  for (uint32_t seg : s.segments)
    if (!all_match(set.segments[seg].constraints, ctx, *set.clock)) return {};
  if (!strategy_enabled(s, ctx)) return {};
  if (s.variants.defs.empty()) return {true, nullptr};
  return {true, select_variant(s.variants, ctx)};
}

}  // namespace sb::flags::detail
