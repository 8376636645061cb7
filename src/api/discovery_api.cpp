#include "api/discovery_api.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "api/json_body.h"
#include "api/sse_stream.h"
#include "config/config.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/thread_pool.h"
#include "discovery/checker.h"
#include "discovery/registry.h"
#include "discovery/watchers.h"
#include "events/event.h"
#include "events/event_log.h"
#include "events/live_feed.h"

namespace sb::api {

namespace bj = boost::json;
using discovery::Health;

namespace {

constexpr int64_t kDefaultWaitMs = 60'000;
constexpr int64_t kMaxWaitMs = 300'000;

// "30s", "500ms", "2m" or a number of milliseconds.
Result<int64_t> wait_param(const http::Request& req) {
  auto v = req.query_param("wait");
  if (!v) return kDefaultWaitMs;
  std::string_view s = *v;
  int64_t n = 0;
  size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9' && n < kMaxWaitMs * 1000; ++i) n = n * 10 + (s[i] - '0');
  std::string_view unit = s.substr(i);
  int64_t ms = unit == "" || unit == "ms" ? n : unit == "s" ? n * 1000 : unit == "m" ? n * 60'000 : -1;
  if (i == 0 || ms < 0) return Status::invalid("wait", "must be a duration like 30s, 500ms or 2m");
  return std::min(ms, kMaxWaitMs);
}

struct ServiceFilter {
  bool healthy_only = false;
  std::string tag;
};

bj::object instance_json(const discovery::Instance& in) {
  bj::array tags;
  for (const auto& t : in.tags) tags.emplace_back(t);
  bj::object meta;
  for (const auto& [k, v] : in.meta) meta[k] = v;
  bj::object o{{"id", in.id},       {"address", in.address}, {"port", in.port},
               {"status", discovery::health_name(in.health)},   {"tags", std::move(tags)},
               {"meta", std::move(meta)}, {"version", in.version}, {"zone", in.zone}};
  if (!in.output.empty()) o["output"] = in.output;
  o["registered_at"] = format_rfc3339(in.registered_at_ms);
  o["last_heartbeat"] = format_rfc3339(in.last_heartbeat_ms);
  return o;
}

http::Response service_response(const discovery::Service& svc, const ServiceFilter& f) {
  bj::array instances;
  for (const auto& in : svc.instances) {
    if (f.healthy_only && in.health != Health::kPassing) continue;
    if (!f.tag.empty() && std::find(in.tags.begin(), in.tags.end(), f.tag) == in.tags.end()) continue;
    instances.push_back(instance_json(in));
  }
  bj::object o{{"service", svc.name}, {"index", svc.index}, {"instances", std::move(instances)}};
  return json_response(200, o).with_header("X-Index", std::to_string(svc.index));
}

http::Response services_response(const discovery::Registry& r) {
  bj::array list;
  for (const auto& svc : r.services()) {
    int64_t passing = 0;
    for (const auto& in : svc->instances) passing += in.health == Health::kPassing;
    list.push_back(bj::object{{"name", svc->name},
                              {"instances", static_cast<int64_t>(svc->instances.size())},
                              {"passing", passing},
                              {"index", svc->index}});
  }
  int64_t index = r.index();
  return json_response(200, bj::object{{"services", std::move(list)}, {"index", index}})
      .with_header("X-Index", std::to_string(index));
}

// ?index=N: the index the caller has seen (absent: answer at once).
Result<std::optional<int64_t>> index_param(const http::Request& req) {
  if (!req.query_param("index")) return std::optional<int64_t>();
  SB_ASSIGN(int64_t index, int_param(req, "index", 0, 0, INT64_MAX));
  return std::optional<int64_t>(index);
}

}  // namespace

http::Response register_instance(const DiscoveryDeps& s, http::Request& req) {
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  auto in = discovery::parse_registration(req.params["name"], req.params["id"], *body);
  if (!in.ok()) return error_response(in.status(), req);
  auto saved = s.registry->register_instance(*in);
  if (!saved.ok()) return error_response(saved.status(), req);
  return json_response(200, instance_json(*saved));
}

http::Response heartbeat_instance(const DiscoveryDeps& s, http::Request& req) {
  if (Status st = s.registry->heartbeat(req.params["name"], req.params["id"]); !st) return error_response(st, req);
  return http::Response{204, {}, {}, nullptr};
}

http::Response deregister_instance(const DiscoveryDeps& s, http::Request& req) {
  std::string who = req.principal.empty() ? "api" : req.principal;
  if (Status st = s.registry->deregister(req.params["name"], req.params["id"], "deregistered by " + who); !st)
    return error_response(st, req);
  return http::Response{204, {}, {}, nullptr};
}

void list_services(const DiscoveryDeps& s, http::Request& req, http::Respond respond) {
  auto index = index_param(req);
  auto wait = wait_param(req);
  if (!index.ok()) return respond(error_response(index.status(), req));
  if (!wait.ok()) return respond(error_response(wait.status(), req));
  const discovery::Registry* r = s.registry;
  if (!*index || r->index() > **index) return respond(services_response(*r));
  auto answer = [r, respond](bool) { respond(services_response(*r)); };
  if (!s.watchers->park("", **index, Clock::system().steady_ms() + *wait, answer)) answer(true);
}

void get_service(const DiscoveryDeps& s, http::Request& req, http::Respond respond) {
  const std::string& name = req.params["name"];
  if (Status st = discovery::validate_service_name(name, "name"); !st) return respond(error_response(st, req));
  ServiceFilter filter;
  if (auto h = req.query_param("healthy")) {
    if (*h != "true" && *h != "false")
      return respond(error_response(Status::invalid("healthy", "must be true or false"), req));
    filter.healthy_only = *h == "true";
  }
  filter.tag = req.query_param("tag").value_or("");
  auto index = index_param(req);
  auto wait = wait_param(req);
  if (!index.ok()) return respond(error_response(index.status(), req));
  if (!wait.ok()) return respond(error_response(wait.status(), req));
  const discovery::Registry* r = s.registry;
  auto svc = r->service(name);
  if (!*index || svc->index > **index) return respond(service_response(*svc, filter));
  auto answer = [r, name, filter, respond](bool) { respond(service_response(*r->service(name), filter)); };
  if (!s.watchers->park(name, **index, Clock::system().steady_ms() + *wait, answer)) answer(true);
}

http::Response stream_service(const DiscoveryDeps& s, http::Request& req) {
  const std::string& name = req.params["name"];
  if (Status st = discovery::validate_service_name(name, "name"); !st) return error_response(st, req);
  auto after = sse_resume_point(req, s.events->head());
  if (!after.ok()) return error_response(after.status(), req);
  // Names are [a-z0-9-_.]: the subject appears verbatim in the stored envelope.
  std::string needle = "\"subject\":\"" + name + "\"";
  return sse_response(*s.feed, "service.*", *after, [needle](const events::StoredEvent& e) {
    return e.envelope.find(needle) == std::string::npos ? std::string() : cloud_event_frame(e);
  });
}

// ---- component

DiscoveryComponent::DiscoveryComponent(Kernel& kernel) : Component("discovery"), kernel_(kernel) {}
DiscoveryComponent::~DiscoveryComponent() = default;

void DiscoveryComponent::declare(Declarations& d) {
  d.config.declare(discovery_keys::kTickMs, discovery_keys::kLeaseMs, discovery_keys::kCheckWorkers);
  d.permission("services:read", "Discover services and watch them");
  d.permission("services:write", "Register, heartbeat and deregister service instances");
  d.event_types_of(discovery::kDiscoveryEventTypes);
}

Status DiscoveryComponent::init() {
  registry_ = std::make_unique<discovery::Registry>(*kernel_.db, *kernel_.events, kernel_.clock);
  watchers_ = std::make_unique<discovery::Watchers>();
  discovery::Watchers* w = watchers_.get();
  registry_->on_change([w](const std::string& service, int64_t index) { w->notify(service, index); });
  deps_ = {registry_.get(), watchers_.get(), kernel_.feed, kernel_.events};
  return registry_->load();
}

void DiscoveryComponent::routes(std::vector<http::Route>& out) {
  using http::Access;
  RouteTable t(out, deps_);
  t.add({"GET", "/v1/services", t.io(list_services), Access::kPermission, "services:read"});
  t.add({"GET", "/v1/services/{name}", t.io(get_service), Access::kPermission, "services:read"});
  t.add({"GET", "/v1/services/{name}/stream", t.io(stream_service), Access::kPermission, "services:read"});
  t.add({"PUT", "/v1/services/{name}/instances/{id}", t.pool(register_instance), Access::kPermission,
         "services:write"});
  t.add({"PUT", "/v1/services/{name}/instances/{id}/heartbeat", t.pool(heartbeat_instance), Access::kPermission,
         "services:write"});
  t.add({"DELETE", "/v1/services/{name}/instances/{id}", t.pool(deregister_instance), Access::kPermission,
         "services:write"});
}

Status DiscoveryComponent::start() {
  // Other instances' changes: re-read the services they touched.
  discovery::Registry* r = registry_.get();
  follow_log(kernel_, "service.*", [r](const events::Event& e) {
    if (Status st = r->reload(e.subject); !st) spdlog::warn("discovery: reload {}: {}", e.subject, st.to_string());
  });
  discovery::CheckerOptions o;
  o.tick_ms = kernel_.config.get(discovery_keys::kTickMs);
  o.lease_ms = kernel_.config.get(discovery_keys::kLeaseMs);
  o.workers = static_cast<int>(kernel_.config.get(discovery_keys::kCheckWorkers));
  o.owner = new_uuid_v7(kernel_.clock);
  discovery::Watchers* w = watchers_.get();
  o.on_tick = [w](int64_t now) { w->expire(now); };
  checker_ = std::make_unique<discovery::Checker>(*registry_, kernel_.clock, std::move(o));
  checker_->start();
  return {};
}

void DiscoveryComponent::stop() {
  if (checker_) checker_->stop();
  if (watchers_) watchers_->close();
}

}  // namespace sb::api
