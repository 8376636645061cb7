// Identity as a component: accounts, sessions, MFA and admin API keys, with
// its configuration (identity.*), its options from config, the master key,
// and the Notifier that sends codes and links through the provider chains.
#pragma once

#include <memory>
#include <string>

#include "api/auth_api.h"
#include "api/component.h"
#include "core/result.h"
#include "identity/auth_service.h"

namespace sb::config { class ConfigService; }
namespace sb::providers { class Messaging; }
namespace sb { class ThreadPool; }
namespace sb::identity { class ApiKeys; }

namespace sb::api {

void declare_identity_keys(config::ConfigService& config);

// AuthOptions from identity.* keys. The master key is identity.master_key
// (base64 of 32 bytes) or, when unset, <data_dir>/master.key, created with
// mode 0600 on first start. Instances sharing a PostgreSQL database must
// share the master key: set identity.master_key on each.
// `listen` is the --listen flag (empty: server.listen), the default base of links.
Result<identity::AuthOptions> identity_options(const config::ConfigService& config, const std::string& data_dir,
                                                const std::string& listen = "");

// Sends through Messaging on the blocking pool, so a request never waits on
// a provider and an answer's timing cannot reveal whether a message was sent.
std::unique_ptr<identity::Notifier> messaging_notifier(providers::Messaging& messaging, ThreadPool& pool);

class AccessComponent;
class MessagingComponent;

class IdentityComponent final : public Component {
 public:
  // New accounts get identity.default_roles through `access`; codes and
  // links go out through `messaging`.
  IdentityComponent(Kernel& kernel, AccessComponent& access, MessagingComponent& messaging);
  ~IdentityComponent() override;
  void declare(Declarations& d) override;
  Status init() override;
  void routes(std::vector<http::Route>& out) override;
  Status start() override;
  void stop() override;

  identity::ApiKeys& api_keys() { return *api_keys_; }
  identity::AuthService& auth() { return *auth_; }

 private:
  class Purger;
  Kernel& kernel_;
  AccessComponent& access_;
  MessagingComponent& messaging_;
  std::unique_ptr<identity::ApiKeys> api_keys_;
  std::unique_ptr<identity::Notifier> notifier_;
  std::unique_ptr<identity::AuthService> auth_;
  std::unique_ptr<Purger> purger_;
  IdentityDeps deps_;
};

}  // namespace sb::api
