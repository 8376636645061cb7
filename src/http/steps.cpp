// The API's pipeline steps: authentication + authorization, and admission
// (rate limits). Each answers from memory on an io thread and asks for the
// blocking pool only when a credential or permission is not cached.
#include "http/pipeline.h"
#include "http/problem.h"

namespace sb::http {

namespace {

class AuthenticateStep final : public Step {
 public:
  explicit AuthenticateStep(Authenticator* auth) : auth_(auth) {}
  bool authenticates() const override { return true; }

  Outcome run(Request& req, const Route& route, Reply& reply, bool may_block) override {
    bool wants = route.access == Access::kAuthenticated || route.access == Access::kPermission ||
                 (route.access == Access::kOptional && !req.header("authorization").empty());
    if (!wants) return Outcome::kNext;
    if (!auth_) return answer(reply, problem(Status::unauthenticated("no authenticator configured"), req.request_id));
    std::optional<Result<Principal>> who;
    if (may_block) who = auth_->authenticate(req);
    else if (!(who = auth_->authenticate_cached(req))) return Outcome::kNeedsPool;
    if (!who->ok()) return answer(reply, problem(who->status(), req.request_id));
    if (route.access == Access::kPermission) {
      std::string scoped;  // stays empty (no allocation) on routes without a scope
      if (route.scope)
        if (std::string sc = route.scope(req); !sc.empty()) scoped = route.permission + ":" + sc;
      const std::string& needed = scoped.empty() ? route.permission : scoped;
      std::optional<Status> allowed;
      if (may_block) allowed = auth_->authorize(**who, needed);
      else if (!(allowed = auth_->authorize_cached(**who, needed))) return Outcome::kNeedsPool;
      if (!*allowed) return answer(reply, problem(*allowed, req.request_id));
    }
    req.principal = std::move((*who)->name);
    req.user_id = std::move((*who)->user_id);
    req.session_id = std::move((*who)->session_id);
    req.auth_time = (*who)->auth_time;
    return Outcome::kNext;
  }

 private:
  static Outcome answer(Reply& reply, Response r) {
    reply(std::move(r));
    return Outcome::kAnswered;
  }
  Authenticator* auth_;
};

class AdmissionStep final : public Step {
 public:
  explicit AdmissionStep(Admission& admission) : admission_(admission) {}

  Outcome run(Request& req, const Route& route, Reply& reply, bool) override {
    std::vector<std::pair<std::string, std::string>> headers;
    if (Status st = admission_.admit(req, route, headers); !st) {
      Response r = problem(st, req.request_id);
      // The limiter's Retry-After is the exact one: it replaces problem()'s.
      for (auto& h : headers) r.set_header(std::move(h.first), std::move(h.second));
      reply(std::move(r));
      return Outcome::kAnswered;
    }
    if (!headers.empty()) {
      // Every answer to a limited route carries its quota. A handler's own
      // limit (per account, per phone) describes the answer better than the
      // route's: its headers win.
      reply = [inner = std::move(reply), hs = std::move(headers)](Response r) mutable {
        for (auto& h : hs) {
          bool present = false;
          for (auto& [name, value] : r.headers) present |= name == h.first;
          if (!present) r.headers.push_back(h);
        }
        inner(std::move(r));
      };
    }
    return Outcome::kNext;
  }

 private:
  Admission& admission_;
};

}  // namespace

std::shared_ptr<Step> authenticate_step(Authenticator* auth) { return std::make_shared<AuthenticateStep>(auth); }
std::shared_ptr<Step> admission_step(Admission& admission) { return std::make_shared<AdmissionStep>(admission); }

}  // namespace sb::http
