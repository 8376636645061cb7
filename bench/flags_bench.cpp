// In-process flag evaluation, the Node SDK's peer (bench/flags.sh runs both
// on one core): (a) isEnabled of a flexibleRollout flag with two
// constraints, (b) getVariant of a flag with three weighted variants, over
// bench/flags_set.json and the same 4096 contexts bench/flags_peer.mjs builds.
// Prints the same checksum line first: equal lines mean both sides decided
// every context alike.
//   flags_bench [flags_set.json] [--benchmark_* options]
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "flags/evaluator.h"

namespace {

using sb::flags::Context;
using sb::flags::Evaluator;
using sb::flags::FlagSet;

constexpr size_t kContexts = 4096;
std::shared_ptr<const FlagSet> g_set;

std::vector<Context> make_contexts() {
  std::vector<Context> out(kContexts);
  for (size_t i = 0; i < kContexts; ++i) {
    out[i].user_id = "user-" + std::to_string(i);
    out[i].environment = i % 4 == 3 ? "development" : "production";
    out[i].properties = {{"appVersion", i % 5 == 0 ? "2.0.9" : "2.1." + std::to_string(i % 7)}};
  }
  return out;
}

// Times `eval` over the shared contexts, one call per iteration.
template <typename Eval>
void over_contexts(benchmark::State& state, Eval eval) {
  auto contexts = make_contexts();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(eval(contexts[i++ % kContexts]));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_IsEnabled_FlexibleRolloutTwoConstraints(benchmark::State& state) {
  over_contexts(state, [](const Context& c) { return g_set->is_enabled("rollout-two-constraints", c); });
}
BENCHMARK(BM_IsEnabled_FlexibleRolloutTwoConstraints);

void BM_GetVariant_ThreeVariants(benchmark::State& state) {
  over_contexts(state, [](const Context& c) { return g_set->variant("checkout-variant", c); });
}
BENCHMARK(BM_GetVariant_ThreeVariants);

// Through the Evaluator (the generation check and the thread's cached set).
void BM_Evaluator_IsEnabled(benchmark::State& state) {
  Evaluator ev;
  ev.publish(g_set);
  over_contexts(state, [&](const Context& c) { return ev.is_enabled("rollout-two-constraints", c); });
}
BENCHMARK(BM_Evaluator_IsEnabled);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::string path = argc > 1 ? argv[1] : SB_FLAGS_SET;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(text.str(), ec);
  if (ec) {
    std::cerr << path << ": " << ec.message() << "\n";
    return 1;
  }
  auto compiled = FlagSet::compile(doc);
  if (!compiled.ok()) {
    std::cerr << path << ": " << compiled.status().to_string() << "\n";
    return 1;
  }
  g_set = *compiled;
  size_t enabled = 0;
  std::map<std::string, size_t> variants;
  for (const Context& c : make_contexts()) {
    enabled += g_set->is_enabled("rollout-two-constraints", c);
    ++variants[std::string(g_set->variant("checkout-variant", c).name)];
  }
  std::cout << "checksum enabled=" << enabled << "/" << kContexts << " variants=";
  const char* sep = "";
  for (const auto& [name, n] : variants) {
    std::cout << sep << name << ":" << n;
    sep = ",";
  }
  std::cout << std::endl;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
