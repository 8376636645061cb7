// /health (liveness), /ready (Db reachable, migrations applied), /metrics.
#include "api/health_api.h"

#include "api/json_body.h"
#include "core/metrics.h"
#include "http/problem.h"
#include "store/db.h"

namespace sb::api {

http::Response health(http::Request&) {
  return http::Response::json(200, R"({"status":"ok"})");
}

http::Response ready(const OperationsDeps& s, http::Request& req) {
  if (Status st = s.db->ping(); !st)
    return http::problem(503, "not-ready", "Not ready", "database unreachable: " + st.message(), req.request_id);
  auto applied = store::applied_migration(*s.db);
  if (!applied.ok() || *applied < store::latest_migration())
    return http::problem(503, "not-ready", "Not ready", "migrations not applied", req.request_id);
  return json_response(200, {{"status", "ready"}, {"migration", *applied}});
}

http::Response metrics(const OperationsDeps& s, http::Request&) {
  return http::Response::text(200, s.metrics->render(), "text/plain; version=0.0.4; charset=utf-8");
}

// ---- component

Status OperationsComponent::init() {
  deps_ = {kernel_.db, &kernel_.metrics};
  return {};
}

void OperationsComponent::routes(std::vector<http::Route>& out) {
  using http::Access;
  RouteTable t(out, deps_);
  t.add({"GET", "/health", {http::sync(health), http::Run::kIo}, Access::kPublic});
  t.add({"GET", "/ready", t.pool(ready), Access::kPublic});
  t.add({"GET", "/metrics", t.pool(metrics), Access::kPublic});  // gauges read the subscriptions table
}

}  // namespace sb::api
