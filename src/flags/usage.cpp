// What the SDKs report: their registration and their evaluation counts.
// Counts are summed per flag, environment, application and hour, so the
// table grows with hours in use, not with SDK instances or requests.
#include "core/json.h"
#include "flags/service.h"
#include "store/db.h"

namespace sb::flags {

namespace bj = boost::json;

namespace {
constexpr int64_t kHourMs = 3'600'000;
}

Status Service::register_client(const ClientRegistration& reg) {
  bj::array strategies;
  for (const auto& s : reg.strategies) strategies.emplace_back(s);
  return db_.write([&](store::Tx& tx) -> Status {
    return tx
        .exec("INSERT INTO flag_clients (app_name, instance_id, environment, sdk_version, strategies, interval_ms, "
              "started, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
              "ON CONFLICT (app_name, instance_id, environment) DO UPDATE SET sdk_version = excluded.sdk_version, "
              "strategies = excluded.strategies, interval_ms = excluded.interval_ms, started = excluded.started, "
              "last_seen = excluded.last_seen",
              {reg.app_name, reg.instance_id, reg.environment, reg.sdk_version, json::serialize(strategies),
               reg.interval_ms, reg.started, clock_.now_ms()})
        .status();
  });
}

Status Service::record_metrics(const MetricsReport& report) {
  if (report.counts.empty()) return {};
  int64_t hour = (report.bucket_start_ms > 0 ? report.bucket_start_ms : clock_.now_ms()) / kHourMs * kHourMs;
  return db_.write([&](store::Tx& tx) -> Status {
    for (const auto& c : report.counts) {
      if (c.yes == 0 && c.no == 0) continue;
      SB_TRY(tx.exec("INSERT INTO flag_metrics (flag, environment, app_name, hour, yes, no) "
                     "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (flag, environment, app_name, hour) "
                     "DO UPDATE SET yes = flag_metrics.yes + excluded.yes, no = flag_metrics.no + excluded.no",
                     {c.flag, report.environment, report.app_name, hour, c.yes, c.no}));
    }
    return {};
  });
}

Result<bj::object> Service::metrics(const std::string& flag, const std::string& env, int64_t since_ms) {
  SB_TRY(check_environment(env, "environment"));
  bj::array hours;
  int64_t yes = 0, no = 0;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT hour, app_name, yes, no FROM flag_metrics WHERE flag = $1 AND "
                                  "environment = $2 AND hour >= $3 ORDER BY hour, app_name",
                                  {flag, env, since_ms / kHourMs * kHourMs}));
    for (const auto& r : rows) {
      yes += r.int_at(2);
      no += r.int_at(3);
      hours.push_back(bj::object{
          {"hour", format_rfc3339(r.int_at(0))}, {"app", r.text_at(1)}, {"yes", r.int_at(2)}, {"no", r.int_at(3)}});
    }
    return {};
  }));
  return bj::object{{"flag", flag}, {"environment", env}, {"yes", yes}, {"no", no}, {"hours", std::move(hours)}};
}

Result<bj::array> Service::clients() {
  bj::array out;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT app_name, instance_id, environment, sdk_version, strategies, interval_ms, "
                                  "started, last_seen FROM flag_clients ORDER BY app_name, instance_id"));
    for (const auto& r : rows) {
      auto strategies = json::parse(r.text_at(4));
      out.push_back(bj::object{{"appName", r.text_at(0)},
                               {"instanceId", r.text_at(1)},
                               {"environment", r.text_at(2)},
                               {"sdkVersion", r.text_at(3)},
                               {"strategies", strategies.ok() ? std::move(*strategies) : bj::array{}},
                               {"interval", r.int_at(5)},
                               {"started", r.text_at(6)},
                               {"lastSeen", format_rfc3339(r.int_at(7))}});
    }
    return {};
  }));
  return out;
}

}  // namespace sb::flags
