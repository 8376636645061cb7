// app::App — the composition root. First the kernel every module needs:
// configuration (file, env) → store (open, migrate) → event log → runtime
// configuration → live feed and blocking pool. Then the component list
// (app.cpp, one line per module, in dependency order): each declares its
// keys, permissions and event types, is built from its dependencies, adds
// its routes, and starts; shutdown stops them in reverse, then the kernel.
// No global service locator.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace sb::config { class ConfigService; }
namespace sb::events { class EventLog; }
namespace sb::identity { class ApiKeys; class AuthService; }
namespace sb::access { class AccessControl; }
namespace sb::jobs { class Queue; }
namespace sb::flags { class Service; }
namespace sb::discovery { class Registry; }
namespace sb::store { class Db; }
namespace sb::http { class Pipeline; class Router; }
namespace sb::api { class Component; struct Kernel; struct Declarations; }

namespace sb::app {

// Command-line values; empty means "not given" (config file/env/default apply).
struct AppOptions {
  std::string listen;
  std::string database;
  std::string data_dir;
  std::string config_file;
  bool serving = false;  // `serve`: logs on stdout at log.level; other commands: stderr, warnings only
  // Components added after the built-in list (tests, embedders): a module
  // outside this tree plugs in without editing app.cpp.
  std::vector<std::function<std::unique_ptr<api::Component>(api::Kernel&)>> extra_components;
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
  // The job queues (after init()); its housekeeping timer runs only under serve().
  jobs::Queue& jobs();
  // Feature flags (after init()): flags().evaluator("production")->is_enabled(name, ctx)
  // evaluates in-process, no network hop; changes arrive through the log.
  flags::Service& flags();
  // The service registry (after init()), read from memory.
  discovery::Registry& services();
  store::Db& db();
  // The request pipeline over every component's routes (after init()).
  http::Pipeline& pipeline();
  const http::Router& router() const;
  // What the components declared (permissions, event types), after init().
  const api::Declarations& declarations() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::app
