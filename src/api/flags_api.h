// HTTP adapters for feature flags (flags/service.h): the admin API under
// /v1/flags, in-process evaluation over HTTP (POST /v1/flags/evaluate), and
// the Unleash APIs the official SDKs call (/api/client/*, /api/frontend),
// authenticated by the SDK tokens the admin API creates.
#pragma once

#include <boost/json/object.hpp>
#include <atomic>
#include <memory>

#include "api/component.h"
#include "config/key.h"
#include "http/message.h"

namespace sb::flags { class Service; struct Context; }

namespace sb::api {

namespace flags_keys {
inline const config::Key<std::vector<std::string>> kEnvironments{
    "flags.environments", {"development", "production"},
    "Environments a flag is enabled and defined in; SDK tokens are scoped to one",
    config::check(
        [](const std::vector<std::string>& v) -> std::optional<std::string> {
          if (v.empty()) return "needs at least one environment";
          for (const auto& e : v) {
            if (e.empty() || e.size() > 64) return "an environment name is 1-64 characters";
            for (char c : e)
              if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
                return "environment \"" + e + "\": use a-z 0-9 - _";
          }
          return std::nullopt;
        },
        "a non-empty list of names of a-z 0-9 - _")};
inline const config::Key<std::vector<std::string>> kFrontendOrigins{
    "flags.frontend_origins", {"*"},
    "Origins whose browser pages may call the Unleash frontend API (CORS); \"*\" = any",
    config::check(
        [](const std::vector<std::string>& v) -> std::optional<std::string> {
          for (const auto& o : v)
            if (o != "*" && !o.starts_with("http://") && !o.starts_with("https://"))
              return "\"" + o + "\" is not \"*\" or an origin like https://app.example.com";
          return std::nullopt;
        },
        "\"*\" or origins (scheme://host[:port])")};
}  // namespace flags_keys

struct FlagsDeps {
  flags::Service* flags = nullptr;
  std::vector<std::string> frontend_origins;  // flags.frontend_origins
};

// Reads an Unleash context object ({"userId", "sessionId", "remoteAddress",
// "environment", "appName", "currentTime", "properties": {…}}); errors name
// `at` + the field. Numbers and booleans in properties become their text.
Status read_flag_context(const boost::json::object& o, flags::Context& ctx, const std::string& at);

// Admin API (flags_api.cpp) and Unleash APIs (unleash_api.cpp); each row's
// pattern and permission is in FlagsComponent::routes.
http::Response list_flags(const FlagsDeps& s, http::Request& req);
http::Response get_flag(const FlagsDeps& s, http::Request& req);
http::Response put_flag(const FlagsDeps& s, http::Request& req);
http::Response delete_flag(const FlagsDeps& s, http::Request& req);
http::Response archive_flag(const FlagsDeps& s, http::Request& req);
http::Response revive_flag(const FlagsDeps& s, http::Request& req);
http::Response enable_flag(const FlagsDeps& s, http::Request& req);
http::Response disable_flag(const FlagsDeps& s, http::Request& req);
http::Response flag_metrics(const FlagsDeps& s, http::Request& req);
http::Response import_flags(const FlagsDeps& s, http::Request& req);
http::Response evaluate_flags(const FlagsDeps& s, http::Request& req);
http::Response list_segments(const FlagsDeps& s, http::Request& req);
http::Response put_segment(const FlagsDeps& s, http::Request& req);
http::Response delete_segment(const FlagsDeps& s, http::Request& req);
http::Response list_flag_tokens(const FlagsDeps& s, http::Request& req);
http::Response create_flag_token(const FlagsDeps& s, http::Request& req);
http::Response delete_flag_token(const FlagsDeps& s, http::Request& req);
http::Response list_flag_clients(const FlagsDeps& s, http::Request& req);

http::Response unleash_client_features(const FlagsDeps& s, http::Request& req);
http::Response unleash_client_register(const FlagsDeps& s, http::Request& req);
http::Response unleash_client_metrics(const FlagsDeps& s, http::Request& req);
http::Response unleash_frontend(const FlagsDeps& s, http::Request& req);
http::Response unleash_frontend_register(const FlagsDeps& s, http::Request& req);
http::Response unleash_frontend_metrics(const FlagsDeps& s, http::Request& req);
// OPTIONS on the frontend API's paths: the CORS preflight browsers send
// before a request with Authorization.
http::Response unleash_frontend_preflight(const FlagsDeps& s, http::Request& req);

class FlagsComponent final : public Component {
 public:
  explicit FlagsComponent(Kernel& kernel);
  ~FlagsComponent() override;
  void declare(Declarations& d) override;
  Status init() override;
  void routes(std::vector<http::Route>& out) override;
  Status start() override;

  flags::Service& service() { return *flags_; }

 private:
  Kernel& kernel_;
  std::unique_ptr<flags::Service> flags_;
  FlagsDeps deps_;
  std::atomic<bool> reload_queued_{false};
};

}  // namespace sb::api
