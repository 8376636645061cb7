// The registry's in-memory side: every service read from the store into an
// immutable Service, swapped whole on change. Discovery reads never touch
// the store.
#include <algorithm>

#include "discovery/registry.h"
#include "discovery/registry_rows.h"
#include "store/db.h"

namespace sb::discovery {

namespace {
const std::string kSelect = std::string("SELECT ") + kInstanceColumns + " FROM service_instances";
}  // namespace

std::shared_ptr<const Service> Registry::service(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = services_.find(std::string(name));
  if (it != services_.end()) return it->second;
  auto empty = std::make_shared<Service>();
  empty->name = std::string(name);
  return empty;
}

std::vector<std::shared_ptr<const Service>> Registry::services() const {
  std::vector<std::shared_ptr<const Service>> out;
  {
    std::lock_guard lock(mu_);
    out.reserve(services_.size());
    for (const auto& [name, s] : services_) out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->name < b->name; });
  return out;
}

std::vector<Instance> Registry::healthy(std::string_view name) const {
  auto s = service(name);
  std::vector<Instance> out;
  for (const auto& in : s->instances)
    if (in.health == Health::kPassing) out.push_back(in);
  return out;
}

int64_t Registry::index() const {
  std::lock_guard lock(mu_);
  return index_;
}

void Registry::on_change(std::function<void(const std::string&, int64_t)> fn) { on_change_ = std::move(fn); }

Status Registry::load() {
  std::unordered_map<std::string, std::shared_ptr<Service>> fresh;
  int64_t global = 0;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto idx, tx.query("SELECT value FROM discovery_index WHERE id = 1"));
    global = idx.empty() ? 0 : idx[0].int_at(0);
    SB_ASSIGN(auto svcs, tx.query("SELECT name, change_index FROM discovery_services"));
    for (const auto& r : svcs) {
      auto s = std::make_shared<Service>();
      s->name = r.text_at(0);
      s->index = r.int_at(1);
      fresh.emplace(s->name, std::move(s));
    }
    SB_ASSIGN(auto rows, tx.query(kSelect + " ORDER BY service, id"));
    for (const auto& r : rows) {
      Instance in = instance_from_row(r);
      auto& s = fresh[in.service];
      if (!s) {
        s = std::make_shared<Service>();
        s->name = in.service;
      }
      s->instances.push_back(std::move(in));
    }
    return {};
  }));
  std::lock_guard lock(mu_);
  services_.clear();
  for (auto& [name, s] : fresh) services_.emplace(name, std::move(s));
  index_ = std::max(index_, global);
  return {};
}

Status Registry::reload(const std::string& name) {
  auto s = std::make_shared<Service>();
  s->name = name;
  int64_t global = 0;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto idx, tx.query("SELECT value FROM discovery_index WHERE id = 1"));
    global = idx.empty() ? 0 : idx[0].int_at(0);
    SB_ASSIGN(auto svc, tx.query("SELECT change_index FROM discovery_services WHERE name = $1", {name}));
    s->index = svc.empty() ? 0 : svc[0].int_at(0);
    SB_ASSIGN(auto rows, tx.query(kSelect + " WHERE service = $1 ORDER BY id", {name}));
    for (const auto& r : rows) s->instances.push_back(instance_from_row(r));
    return {};
  }));
  bool advanced = false;
  {
    std::lock_guard lock(mu_);
    auto& slot = services_[name];
    // Two reloads may race; the one that read the later state wins.
    if (!slot || slot->index < s->index) {
      slot = s;
      advanced = true;
    }
    index_ = std::max(index_, global);
  }
  if (advanced && on_change_) on_change_(name, s->index);
  return {};
}

}  // namespace sb::discovery
