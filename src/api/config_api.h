// HTTP adapters for runtime configuration. Secrets are always redacted.
#pragma once

#include "api/component.h"
#include "http/message.h"

namespace sb::config { class ConfigService; }

namespace sb::api {

struct ConfigDeps {
  config::ConfigService* config = nullptr;
};

http::Response list_config(const ConfigDeps& s, http::Request& req);
http::Response get_config(const ConfigDeps& s, http::Request& req);
http::Response put_config(const ConfigDeps& s, http::Request& req);
http::Response delete_config(const ConfigDeps& s, http::Request& req);

// Runtime configuration over HTTP, and every instance applying the
// config.updated events of the others.
class ConfigComponent final : public Component {
 public:
  explicit ConfigComponent(Kernel& kernel) : Component("config"), kernel_(kernel) {}
  void declare(Declarations& d) override;
  Status init() override;
  void routes(std::vector<http::Route>& out) override;
  Status start() override;

 private:
  Kernel& kernel_;
  ConfigDeps deps_;
};

}  // namespace sb::api
