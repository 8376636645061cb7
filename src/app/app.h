// app::App — the composition root. Reads top to bottom as the dependency
// graph: configuration (file, env) → store (open, migrate) → event log →
// runtime configuration → services → HTTP. Start-up follows that order;
// shutdown runs it in reverse. No global service locator.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"

namespace sb::config { class ConfigService; }
namespace sb::events { class EventLog; }
namespace sb::identity { class ApiKeys; class AuthService; }
namespace sb::access { class AccessControl; }
namespace sb::store { class Db; }

namespace sb::app {

// Command-line values; empty means "not given" (config file/env/default apply).
struct AppOptions {
  std::string listen;
  std::string database;
  std::string data_dir;
  std::string config_file;
  bool serving = false;  // `serve`: logs on stdout at log.level; other commands: stderr, warnings only
};

class App {
 public:
  App(AppOptions options, char** envp);
  ~App();

  // Declares every configuration key (no file, environment or store):
  // enough for `config describe`. init() calls it.
  void declare_keys();
  // Loads configuration, opens and migrates the store, builds the services.
  Status init();
  // Serves HTTP until SIGINT/SIGTERM, then shuts down gracefully.
  Status serve();

  config::ConfigService& config();
  events::EventLog& events();
  identity::ApiKeys& api_keys();
  identity::AuthService& auth();
  access::AccessControl& access();
  store::Db& db();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::app
