#include "api/rate_limits.h"

namespace sb::api {

Status RateLimitAdmission::admit(const http::Request& req, const http::Route& route,
                                 std::vector<std::pair<std::string, std::string>>& headers) {
  if (!rules_.enabled()) return {};
  const bool api = route.access != http::Access::kPublic && rules_.counts_every_route();
  if (route.rate_group.empty() && !api) return {};  // most routes: no rule applies
  thread_local std::string group_rule;
  group_rule.clear();
  if (!route.rate_group.empty()) {
    group_rule.assign(route.rate_group);
    group_rule += ".ip";
  }
  std::string_view principal = api && !req.principal.empty() ? std::string_view(req.principal) : std::string_view();
  // Rules that are off (or not asked for: empty names) are skipped.
  return rules_.take({{group_rule, req.remote_ip},
                      {api ? "api.ip" : "", req.remote_ip},
                      {principal.empty() ? "" : "api.user", principal}},
                     headers);
}

}  // namespace sb::api
