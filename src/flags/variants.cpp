// Variant choice as the Node SDK's lib/variant.js makes it: overrides first
// (the first variant with a matching override wins), then the bucket
// hash("groupId:seed", 86028157) % total + 1 falls into, walking the
// variants in order and skipping zero weights. The default stickiness hashes
// userId, else sessionId, else remoteAddress, else picks at random.
#include <algorithm>

#include "flags/strategies.h"

namespace sb::flags::detail {
namespace {

const VariantDef* find_override(const VariantGroup& g, const Context& ctx) {
  for (const VariantDef& d : g.defs) {
    for (const Override& o : d.overrides) {
      std::optional<std::string_view> v = resolve(ctx, o.field);
      if (v && std::find(o.values.begin(), o.values.end(), *v) != o.values.end()) return &d;
    }
  }
  return nullptr;
}

std::optional<std::string_view> stickiness_value(const Stickiness& s, const Context& ctx) {
  switch (s.kind) {
    case Stickiness::kDefault:
      for (const std::string* v : {&ctx.user_id, &ctx.session_id, &ctx.remote_address})
        if (!v->empty()) return *v;
      return std::nullopt;
    case Stickiness::kRandom:
      return std::nullopt;
    case Stickiness::kField:
      return resolve(ctx, s.field);
  }
  return std::nullopt;
}

}  // namespace

const VariantDef* select_variant(const VariantGroup& g, const Context& ctx) {
  if (g.total_weight <= 0) return nullptr;
  if (const VariantDef* o = find_override(g, ctx)) return o;
  auto total = static_cast<uint32_t>(g.total_weight);
  std::optional<std::string_view> seed = stickiness_value(g.stickiness, ctx);
  uint32_t target = seed ? normalized(g.seeded_group, *seed, total) : random_below(total) + 1;
  uint32_t counter = 0;
  for (const VariantDef& d : g.defs) {
    if (d.weight == 0) continue;
    counter += static_cast<uint32_t>(d.weight);
    if (counter >= target) return &d;
  }
  return nullptr;
}

}  // namespace sb::flags::detail
