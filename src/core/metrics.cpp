#include "core/metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace sb::metrics {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {}
}

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) out[i] = (acc += buckets_[i].load());
  return out;
}

std::vector<double> Registry::default_latency_bounds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Registry::Family& Registry::family(const std::string& name, const std::string& type,
                                   const std::string& help) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.type = type;
    it->second.help = help;
  }
  return it->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, "counter", help).counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, "gauge", help).gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               const Labels& labels, std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, "histogram", help).histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

void Registry::gauge_fn(const std::string& name, const std::string& help, Collector fn) {
  std::lock_guard lock(mu_);
  family(name, "gauge", help).collectors.push_back(std::move(fn));
}

namespace {
std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string label_text(const Labels& labels, const std::string& extra_k = "",
                       const std::string& extra_v = "") {
  if (labels.empty() && extra_k.empty()) return "";
  std::string s = "{";
  bool first = true;
  for (auto& [k, v] : labels) {
    if (!first) s += ',';
    first = false;
    s += k + "=\"" + escape(v) + "\"";
  }
  if (!extra_k.empty()) {
    if (!first) s += ',';
    s += extra_k + "=\"" + extra_v + "\"";
  }
  return s + "}";
}

std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, r.ptr);
}
}  // namespace

std::string Registry::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (auto& [name, f] : families_) {
    out << "# HELP " << name << ' ' << f.help << "\n# TYPE " << name << ' ' << f.type << '\n';
    for (auto& [l, c] : f.counters) out << name << label_text(l) << ' ' << num(c->value()) << '\n';
    for (auto& [l, g] : f.gauges) out << name << label_text(l) << ' ' << num(g->value()) << '\n';
    for (auto& collect : f.collectors) {
      std::vector<std::pair<Labels, double>> series;
      collect(series);
      for (auto& [l, v] : series) out << name << label_text(l) << ' ' << num(v) << '\n';
    }
    for (auto& [l, h] : f.histograms) {
      auto counts = h->bucket_counts();
      for (size_t i = 0; i < h->bounds().size(); ++i)
        out << name << "_bucket" << label_text(l, "le", num(h->bounds()[i])) << ' ' << counts[i] << '\n';
      out << name << "_bucket" << label_text(l, "le", "+Inf") << ' ' << counts.back() << '\n';
      out << name << "_sum" << label_text(l) << ' ' << num(h->sum()) << '\n';
      out << name << "_count" << label_text(l) << ' ' << h->count() << '\n';
    }
  }
  return out.str();
}

}  // namespace sb::metrics
