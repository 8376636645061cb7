#include "discovery/registry.h"
#include "discovery/registry_rows.h"

#include <boost/json.hpp>
#include <set>

#include "core/json.h"
#include "events/event_log.h"
#include "store/db.h"

namespace sb::discovery {

namespace bj = boost::json;

namespace {

bj::object check_json(const Check& c) {
  bj::object o;
  if (c.ttl_ms > 0) o["ttl_ms"] = c.ttl_ms;
  if (c.deregister_after_ms > 0) o["deregister_after_ms"] = c.deregister_after_ms;
  if (!c.http.empty()) o["http"] = c.http;
  if (!c.tcp.empty()) o["tcp"] = c.tcp;
  if (c.active()) {
    o["interval_ms"] = c.interval_ms;
    o["timeout_ms"] = c.timeout_ms;
    if (c.expect_status) o["expect_status"] = c.expect_status;
    o["healthy_threshold"] = c.healthy_threshold;
    o["unhealthy_threshold"] = c.unhealthy_threshold;
  }
  return o;
}

Check check_from(const std::string& text) {
  Check c;
  auto v = json::parse(text);
  if (!v.ok() || !v->is_object()) return c;
  const bj::object& o = v->as_object();
  auto num = [&](const char* k, int64_t d) { return o.contains(k) ? o.at(k).to_number<int64_t>() : d; };
  auto str = [&](const char* k) { return o.contains(k) ? std::string(o.at(k).as_string()) : std::string(); };
  c.ttl_ms = num("ttl_ms", 0);
  c.deregister_after_ms = num("deregister_after_ms", 0);
  c.http = str("http");
  c.tcp = str("tcp");
  c.interval_ms = num("interval_ms", c.interval_ms);
  c.timeout_ms = num("timeout_ms", c.timeout_ms);
  c.expect_status = static_cast<int>(num("expect_status", 0));
  c.healthy_threshold = static_cast<int>(num("healthy_threshold", 1));
  c.unhealthy_threshold = static_cast<int>(num("unhealthy_threshold", 2));
  return c;
}

}  // namespace

Instance instance_from_row(const store::Row& r) {
  Instance in;
  in.service = r.text_at(0);
  in.id = r.text_at(1);
  in.address = r.text_at(2);
  in.port = static_cast<int>(r.int_at(3));
  if (auto tags = json::parse(r.text_at(4)); tags.ok() && tags->is_array())
    for (const auto& t : tags->as_array()) in.tags.emplace_back(t.as_string());
  if (auto meta = json::parse(r.text_at(5)); meta.ok() && meta->is_object())
    for (const auto& [k, v] : meta->as_object()) in.meta.emplace(std::string(k), std::string(v.as_string()));
  in.version = r.text_at(6);
  in.zone = r.text_at(7);
  in.check = check_from(r.text_at(8));
  in.health = r.text_at(11) == "passing" ? Health::kPassing : Health::kCritical;
  in.output = r.text_at(12);
  in.registered_at_ms = r.int_at(13);
  in.last_heartbeat_ms = r.int_at(14);
  in.critical_since_ms = r.int_at(15);
  in.index = r.int_at(16);
  return in;
}

namespace {

std::string tags_text(const Instance& in) {
  bj::array a;
  for (const auto& t : in.tags) a.emplace_back(t);
  return json::serialize(a);
}
std::string meta_text(const Instance& in) {
  bj::object o;
  for (const auto& [k, v] : in.meta) o[k] = v;
  return json::serialize(o);
}

// What a change event says about an instance.
std::string event_data(const Instance& in, int64_t index, bj::object extra = {}) {
  bj::object o{{"service", in.service}, {"id", in.id},   {"address", in.address}, {"port", in.port},
               {"health", health_name(in.health)}, {"index", index}};
  for (auto& [k, v] : extra) o[k] = std::move(v);
  return json::serialize(o);
}

bool same_registration(const Instance& a, const Instance& b) {
  return a.address == b.address && a.port == b.port && a.tags == b.tags && a.meta == b.meta &&
         a.version == b.version && a.zone == b.zone && check_json(a.check) == check_json(b.check);
}

Result<int64_t> bump_index(store::Tx& tx, const std::string& service) {
  SB_ASSIGN(auto rows, tx.query("UPDATE discovery_index SET value = value + 1 WHERE id = 1 RETURNING value"));
  if (rows.empty()) return Status::internal("discovery_index row is missing");
  int64_t index = rows[0].int_at(0);
  SB_TRY(tx.exec("INSERT INTO discovery_services (name, change_index) VALUES ($1, $2) "
                 "ON CONFLICT (name) DO UPDATE SET change_index = excluded.change_index",
                 {service, index}));
  return index;
}

Result<std::optional<Instance>> read_instance(store::Tx& tx, const std::string& service, const std::string& id) {
  SB_ASSIGN(auto rows, tx.query(std::string("SELECT ") + kInstanceColumns +
                                    " FROM service_instances WHERE service = $1 AND id = $2",
                                {service, id}));
  if (rows.empty()) return std::optional<Instance>();
  return std::optional<Instance>(instance_from_row(rows[0]));
}

Status set_health_row(store::Tx& tx, const Instance& in, int64_t index) {
  return tx
      .exec("UPDATE service_instances SET health = $3, output = $4, critical_since = $5, change_index = $6 "
            "WHERE service = $1 AND id = $2",
            {in.service, in.id, std::string(health_name(in.health)), in.output, in.critical_since_ms, index})
      .status();
}

}  // namespace

Registry::Registry(store::Db& db, events::EventLog& log, const Clock& clock) : db_(db), log_(log), clock_(clock) {}
Registry::~Registry() = default;

Result<Instance> Registry::register_instance(const Instance& requested) {
  Instance in = requested;
  int64_t now = clock_.now_ms();
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto existing, read_instance(tx, in.service, in.id));
    if (existing && same_registration(*existing, in)) {
      in = *existing;  // nothing changed but the heartbeat
      in.last_heartbeat_ms = now;
      return tx
          .exec("UPDATE service_instances SET last_heartbeat = $3 WHERE service = $1 AND id = $2",
                {in.service, in.id, now})
          .status();
    }
    SB_ASSIGN(int64_t index, bump_index(tx, in.service));
    in.registered_at_ms = existing ? existing->registered_at_ms : now;
    in.last_heartbeat_ms = now;
    // An active check must pass before the instance is routed to; a TTL
    // (or no check) trusts the registration itself.
    in.health = in.check.active() ? Health::kCritical : Health::kPassing;
    in.output = in.check.active() ? "not checked yet" : "";
    in.critical_since_ms = in.health == Health::kCritical ? now : 0;
    in.index = index;
    SB_TRY(tx.exec(std::string("INSERT INTO service_instances (") + kInstanceColumns +
                       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) "
                       "ON CONFLICT (service, id) DO UPDATE SET address = excluded.address, port = excluded.port, "
                       "tags = excluded.tags, meta = excluded.meta, version = excluded.version, zone = excluded.zone, "
                       "check_def = excluded.check_def, ttl_ms = excluded.ttl_ms, "
                       "deregister_after_ms = excluded.deregister_after_ms, health = excluded.health, "
                       "output = excluded.output, last_heartbeat = excluded.last_heartbeat, "
                       "critical_since = excluded.critical_since, change_index = excluded.change_index",
                   {in.service, in.id, in.address, int64_t{in.port}, tags_text(in), meta_text(in), in.version, in.zone,
                    json::serialize(check_json(in.check)), in.check.ttl_ms, in.check.deregister_after_ms,
                    std::string(health_name(in.health)), in.output, in.registered_at_ms, in.last_heartbeat_ms,
                    in.critical_since_ms, index}));
    return log_.append(tx, kServiceRegistered.make_serialized(clock_, in.service, event_data(in, index))).status();
  }));
  SB_TRY(reload(in.service));
  return in;
}

Status Registry::heartbeat(const std::string& service, const std::string& id) {
  int64_t now = clock_.now_ms();
  bool changed = false;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto existing, read_instance(tx, service, id));
    if (!existing) return Status::not_found("no instance " + id + " of service " + service);
    SB_TRY(tx.exec("UPDATE service_instances SET last_heartbeat = $3 WHERE service = $1 AND id = $2",
                   {service, id, now}));
    // Only a TTL verdict is undone by a heartbeat; an active check's stands.
    if (existing->health == Health::kPassing || !existing->output.starts_with("TTL")) return {};
    SB_ASSIGN(int64_t index, bump_index(tx, service));
    Instance in = *existing;
    in.health = Health::kPassing;
    in.output.clear();
    in.critical_since_ms = 0;
    SB_TRY(set_health_row(tx, in, index));
    changed = true;
    return log_
        .append(tx, kServiceHealthChanged.make_serialized(clock_, service,
                                                          event_data(in, index, {{"from", "critical"}, {"output", ""}})))
        .status();
  }));
  return changed ? reload(service) : Status();
}

Status Registry::deregister(const std::string& service, const std::string& id, const std::string& reason) {
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto existing, read_instance(tx, service, id));
    if (!existing) return Status::not_found("no instance " + id + " of service " + service);
    SB_ASSIGN(int64_t index, bump_index(tx, service));
    SB_TRY(tx.exec("DELETE FROM service_instances WHERE service = $1 AND id = $2", {service, id}));
    return log_
        .append(tx, kServiceDeregistered.make_serialized(clock_, service,
                                                         event_data(*existing, index, {{"reason", reason}})))
        .status();
  }));
  return reload(service);
}

Status Registry::set_health(const std::string& service, const std::string& id, Health health,
                            const std::string& output) {
  bool changed = false;
  int64_t now = clock_.now_ms();
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto existing, read_instance(tx, service, id));
    if (!existing || (existing->health == health && existing->output == output)) return {};
    SB_ASSIGN(int64_t index, bump_index(tx, service));
    Instance in = *existing;
    in.health = health;
    in.output = output;
    if (health == Health::kPassing) in.critical_since_ms = 0;
    else if (existing->health == Health::kPassing) in.critical_since_ms = now;
    SB_TRY(set_health_row(tx, in, index));
    changed = existing->health != health;
    if (!changed) return {};
    return log_
        .append(tx, kServiceHealthChanged.make_serialized(
                        clock_, service,
                        event_data(in, index, {{"from", health_name(existing->health)}, {"output", output}})))
        .status();
  }));
  return reload(service);
}

Result<int> Registry::sweep() {
  int64_t now = clock_.now_ms();
  std::set<std::string> touched;
  int changed = 0;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    touched.clear();
    changed = 0;
    SB_ASSIGN(auto expired, tx.query(std::string("SELECT ") + kInstanceColumns +
                                         " FROM service_instances WHERE health = 'passing' AND ttl_ms > 0 "
                                         "AND last_heartbeat + ttl_ms < $1",
                                     {now}));
    for (const auto& r : expired) {
      Instance in = instance_from_row(r);
      SB_ASSIGN(int64_t index, bump_index(tx, in.service));
      in.health = Health::kCritical;
      in.output = "TTL expired: no heartbeat for " + std::to_string(now - in.last_heartbeat_ms) + " ms (ttl " +
                  std::to_string(in.check.ttl_ms) + " ms)";
      in.critical_since_ms = now;
      SB_TRY(set_health_row(tx, in, index));
      SB_TRY(log_.append(tx, kServiceHealthChanged.make_serialized(
                                 clock_, in.service,
                                 event_data(in, index, {{"from", "passing"}, {"output", in.output}})))
                 .status());
      touched.insert(in.service);
      ++changed;
    }
    SB_ASSIGN(auto gone, tx.query(std::string("SELECT ") + kInstanceColumns +
                                      " FROM service_instances WHERE health = 'critical' AND deregister_after_ms > 0 "
                                      "AND critical_since + deregister_after_ms < $1",
                                  {now}));
    for (const auto& r : gone) {
      Instance in = instance_from_row(r);
      SB_ASSIGN(int64_t index, bump_index(tx, in.service));
      SB_TRY(tx.exec("DELETE FROM service_instances WHERE service = $1 AND id = $2", {in.service, in.id}));
      SB_TRY(log_.append(tx, kServiceDeregistered.make_serialized(
                                 clock_, in.service,
                                 event_data(in, index, {{"reason", "critical past deregister_after_ms"}})))
                 .status());
      touched.insert(in.service);
      ++changed;
    }
    return {};
  }));
  for (const auto& s : touched) SB_TRY(reload(s));
  return changed;
}

}  // namespace sb::discovery
