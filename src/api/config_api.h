// HTTP adapters for runtime configuration. Secrets are always redacted.
// Reads are scoped by key (config_key_scope, config_prefix_scope): a caller
// holding config:read:app.* reads and watches app.* keys and nothing else.
#pragma once

#include <string>

#include "api/component.h"
#include "http/message.h"

namespace sb::config { class ConfigService; }
namespace sb::events { class EventLog; class LiveFeed; }

namespace sb::api {

struct ConfigDeps {
  config::ConfigService* config = nullptr;
  events::EventLog* events = nullptr;  // watch: where "now" is
  events::LiveFeed* feed = nullptr;    // watch: the changes
};

http::Response list_config(const ConfigDeps& s, http::Request& req);
http::Response get_config(const ConfigDeps& s, http::Request& req);
// PUT {"value": …, "schema": …}: `schema` (JSON-valued keys) stores a JSON
// Schema later values must satisfy; null removes it, absent keeps it.
http::Response put_config(const ConfigDeps& s, http::Request& req);
http::Response delete_config(const ConfigDeps& s, http::Request& req);
// SSE: one event per change of a key under ?prefix=, with the new value
// (redacted if secret) and its layer; the id is the event log sequence.
http::Response watch_config(const ConfigDeps& s, http::Request& req);

// Route scopes (http::Route::scope): the {key}, or "<prefix>*" for ?prefix=
// (none without a prefix: then the unscoped permission is needed).
std::string config_key_scope(const http::Request& req);
std::string config_prefix_scope(const http::Request& req);

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
