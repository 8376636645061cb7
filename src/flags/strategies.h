// Activation strategies and variant selection over the compiled model.
#pragma once

#include <cstdint>

#include "flags/model.h"

namespace sb::flags::detail {

struct StrategyResult {
  bool enabled = false;
  const VariantDef* variant = nullptr;  // a strategy's own variant, when it has some
};

// Constraints, segments, then the strategy itself; a strategy with variants
// that is enabled also picks one (groupId and stickiness are the strategy's).
StrategyResult evaluate(const Strategy& s, const SetData& set, const Context& ctx);

// The variant Unleash assigns this context: an override first, else the
// weighted bucket of hash(stickiness value). nullptr when the weights sum to 0.
const VariantDef* select_variant(const VariantGroup& g, const Context& ctx);

// Uniform in [0, n), from a per-thread generator (no lock, no allocation):
// "random" stickiness and gradualRolloutRandom.
uint32_t random_below(uint32_t n);

}  // namespace sb::flags::detail
