#include "api/component.h"

#include <algorithm>
#include <set>

#include "config/config.h"
#include "events/event.h"
#include "events/live_feed.h"
#include "http/pipeline.h"

namespace sb::api {

namespace {
class LogFollower final : public events::LiveSubscriber {
 public:
  explicit LogFollower(std::function<void(const events::Event&)> apply) : apply_(std::move(apply)) {}
  bool deliver(const events::StoredEvent& e) override {
    auto ev = events::parse_stored(e.sequence, e.envelope);
    if (ev.ok()) apply_(*ev);
    return true;
  }
  bool heartbeat() override { return true; }

 private:
  std::function<void(const events::Event&)> apply_;
};
}  // namespace

void follow_log(Kernel& kernel, const std::string& pattern, std::function<void(const events::Event&)> apply) {
  kernel.feed->subscribe(pattern, kernel.start_head, std::make_shared<LogFollower>(std::move(apply)));
}

Status check_routes(const std::vector<http::Route>& routes, const Declarations& declared) {
  std::set<std::string, std::less<>> permissions;
  for (const auto& p : declared.permissions) permissions.insert(p.name);
  std::set<std::string, std::less<>> groups;  // "auth.login" from ratelimit.auth.login.ip
  for (const auto& spec : declared.config.declared()) {
    std::string_view k = spec.key;
    if (!k.starts_with("ratelimit.")) continue;
    k.remove_prefix(10);
    if (size_t dot = k.rfind('.'); dot != std::string_view::npos) groups.emplace(k.substr(0, dot));
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& r : routes) {
    std::string where = r.method + " " + r.pattern;
    if (!seen.emplace(r.method, r.pattern).second) return Status::internal("route " + where + " is added twice");
    if (r.access == http::Access::kPermission && !permissions.contains(r.permission))
      return Status::internal("route " + where + " requires permission \"" + r.permission +
                              "\", which no component declares");
    if (r.access != http::Access::kPermission && !r.permission.empty())
      return Status::internal("route " + where + " names permission \"" + r.permission + "\" but is not guarded by it");
    if (r.steps && r.access != http::Access::kPublic &&
        std::none_of(r.steps->begin(), r.steps->end(), [](const auto& s) { return s->authenticates(); }))
      return Status::internal("route " + where + " is guarded but its own steps do not authenticate");
    if (!r.rate_group.empty() && !groups.contains(r.rate_group))
      return Status::internal("route " + where + " names rate-limit group \"" + r.rate_group +
                              "\", which has no ratelimit." + r.rate_group + ".* key");
  }
  return {};
}

}  // namespace sb::api
