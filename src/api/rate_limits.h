// RateLimitAdmission — the pipeline's rate-limit step for API routes: which
// of resilience::RateRules' rules a request takes. A route with a rate-limit
// group takes "<group>.ip" for the client IP; when api.ip / api.user are on,
// every non-public route also takes them (per IP, per principal).
#pragma once

#include "http/pipeline.h"
#include "resilience/rate_rules.h"

namespace sb::api {

class RateLimitAdmission final : public http::Admission {
 public:
  explicit RateLimitAdmission(resilience::RateRules& rules) : rules_(rules) {}
  Status admit(const http::Request& req, const http::Route& route,
               std::vector<std::pair<std::string, std::string>>& headers) override;

 private:
  resilience::RateRules& rules_;
};

}  // namespace sb::api
