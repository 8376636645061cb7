// Identity's configuration (identity.*) and the pieces App wires around
// AuthService: its options from config, the master key, and the Notifier
// that sends codes and links through the provider chains.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "identity/auth_service.h"

namespace sb::config { class ConfigService; }
namespace sb::providers { class Messaging; }
namespace sb { class ThreadPool; }

namespace sb::app {

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

}  // namespace sb::app
