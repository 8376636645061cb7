#include "gateway/gateway.h"

#include <algorithm>
#include <functional>

namespace sb::gateway {

RouteTable::RouteTable(std::vector<Route> routes) : routes_(std::move(routes)) {
  // Longest prefix first; at equal prefixes a route for a named host before
  // one for any host. Stable: otherwise the order of the config.
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
    if (a.path_prefix.size() != b.path_prefix.size()) return a.path_prefix.size() > b.path_prefix.size();
    return !a.host.empty() && b.host.empty();
  });
  turns_ = std::make_unique<std::atomic<uint64_t>[]>(routes_.size());
}

RouteTable::Match RouteTable::match(std::string_view host, std::string_view method, std::string_view path) const {
  host = host.substr(0, host.find(':'));
  auto host_matches = [&](const Route& r) {
    if (r.host.empty()) return true;
    if (r.host.size() != host.size()) return false;
    for (size_t i = 0; i < host.size(); ++i)
      if (r.host[i] != (host[i] >= 'A' && host[i] <= 'Z' ? host[i] + ('a' - 'A') : host[i])) return false;
    return true;
  };
  Match m;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (!r.matches_path(path) || !host_matches(r)) continue;
    m.path_known = true;
    if (!r.matches_method(method)) continue;
    m.route = &r;
    m.index = i;
    return m;
  }
  return m;
}

uint64_t RouteTable::next_turn(size_t index) const { return turns_[index].fetch_add(1, std::memory_order_relaxed); }

Gateway::Gateway(const Clock& clock, Resolver resolver, metrics::Registry* metrics)
    : resolver_(std::move(resolver)),
      outliers_(clock, metrics),
      table_(std::make_shared<const RouteTable>(std::vector<Route>{})) {}

Status Gateway::apply(const boost::json::value& value) {
  SB_ASSIGN(auto parsed, parse_routes(value));
  auto next = std::make_shared<const RouteTable>(std::move(parsed));
  std::lock_guard lock(mu_);
  table_ = std::move(next);
  return {};
}

std::shared_ptr<const RouteTable> Gateway::routes() const {
  std::lock_guard lock(mu_);
  return table_;
}

std::string Gateway::upstream_name(const Route& route) {
  if (!route.service.empty()) return "service " + route.service;
  std::string out;
  for (const Target& t : route.urls) out += (out.empty() ? "http://" : ", http://") + t.key() + t.base_path;
  return out;
}

Result<Target> Gateway::choose(const RouteTable& table, size_t index, std::string_view hash_value,
                               const std::vector<std::string>& tried) const {
  const Route& route = table.routes()[index];
  std::vector<Target> all = route.service.empty() ? route.urls
                            : resolver_               ? resolver_(route.service)
                                                      : std::vector<Target>{};
  if (all.empty()) return Status::unavailable(upstream_name(route) + " has no healthy instances");
  std::vector<const Target*> fresh, retried;  // not yet tried by this request / tried already
  for (const Target& t : all) {
    std::string key = t.key();
    if (outliers_.ejected(key)) continue;
    (std::find(tried.begin(), tried.end(), key) == tried.end() ? fresh : retried).push_back(&t);
  }
  // A retry goes elsewhere when it can, else back to an instance that is
  // still in rotation.
  std::vector<const Target*>& pool = fresh.empty() ? retried : fresh;
  if (pool.empty()) return Status::unavailable("every instance of " + upstream_name(route) + " is ejected");
  switch (route.balance) {
    case Balance::kLeastRequests: {
      // The fewest outstanding; ties by turn, so an idle pool still rotates.
      uint64_t turn = table.next_turn(index);
      const Target* best = nullptr;
      int64_t best_n = 0;
      for (size_t i = 0; i < pool.size(); ++i) {
        const Target* t = pool[(turn + i) % pool.size()];
        int64_t n = outliers_.outstanding(t->key());
        if (!best || n < best_n) best = t, best_n = n;
      }
      return *best;
    }
    case Balance::kHashHeader: {
      if (hash_value.empty()) break;  // no key: spread like round robin
      // Rendezvous hashing: the instance with the highest score for the key.
      // Removing an instance moves only the keys it held.
      const Target* best = nullptr;
      size_t best_score = 0;
      for (const Target* t : pool) {
        std::string k(hash_value);
        k += '\0';
        k += t->key();
        size_t score = std::hash<std::string>{}(k);
        if (!best || score > best_score) best = t, best_score = score;
      }
      return *best;
    }
    case Balance::kRoundRobin: break;
  }
  return *pool[table.next_turn(index) % pool.size()];
}

void Gateway::finish(const Route& route, const Target& target, bool failed) {
  std::string key = target.key();
  outliers_.end(key);
  outliers_.record(key, failed, route.outlier);
}

}  // namespace sb::gateway
