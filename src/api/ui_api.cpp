#include "api/ui_api.h"

#include "http/pipeline.h"

namespace sb::api {

Status UiComponent::init() {
  files_ = http::StaticFiles::from_memory(ui_assets());
  return {};
}

void UiComponent::routes(std::vector<http::Route>& out) {
  // No steps: nothing to authenticate or rate-limit for the bundle (the
  // pages' API calls carry the credential), and no Db or pool hop.
  auto none = std::make_shared<const http::Steps>();
  http::Handler serve = [files = files_](http::Request& req, http::Respond respond) {
    http::Response r = files->serve(req);
    r.headers.emplace_back("Content-Security-Policy", kUiContentSecurityPolicy);
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    r.headers.emplace_back("X-Frame-Options", "DENY");
    respond(std::move(r));
  };
  http::Route r{"GET", "/ui/*", {std::move(serve), http::Run::kIo}, http::Access::kPublic};  // and HEAD
  r.steps = std::move(none);
  out.push_back(std::move(r));
}

}  // namespace sb::api
