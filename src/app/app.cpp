#include "app/app.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "access/access_control.h"
#include "api/access_api.h"
#include "api/authenticator.h"
#include "api/component.h"
#include "api/config_api.h"
#include "api/discovery_api.h"
#include "api/events_api.h"
#include "api/flags_api.h"
#include "api/gateway_api.h"
#include "api/health_api.h"
#include "api/identity_setup.h"
#include "api/jobs_api.h"
#include "api/messages_api.h"
#include "api/notify_api.h"
#include "api/rate_limits.h"
#include "api/ui_api.h"
#include "app/config_keys.h"
#include "config/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/thread_pool.h"
#include "events/event_log.h"
#include "events/live_feed.h"
#include "http/pipeline.h"
#include "http/router.h"
#include "http/server.h"
#include "identity/api_keys.h"
#include "identity/auth_service.h"
#include "store/db.h"

namespace sb::app {

namespace {

Status split_listen(const std::string& listen, std::string& host, int& port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::invalid("listen", "must be HOST:PORT");
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return Status::invalid("listen", "port must be a number");
  }
  if (port < 0 || port > 65535) return Status::invalid("listen", "port must be 0-65535");
  return {};
}

}  // namespace

struct App::Impl {
  AppOptions options;
  char** envp;
  metrics::Registry metrics;
  config::ConfigService config{nullptr, nullptr};
  api::Kernel kernel{config, metrics, Clock::system()};
  // The kernel's parts, built by init() in this order.
  std::unique_ptr<store::Db> db;
  std::unique_ptr<events::EventLog> events;
  std::unique_ptr<ThreadPool> blocking;
  std::unique_ptr<events::LiveFeed> feed;
  std::unique_ptr<resilience::RateRules> limits;
  std::unique_ptr<api::RateLimitAdmission> admission;

  // ---- The component list. Dependency order: start-up runs it forwards,
  // shutdown backwards. A new module is one line here.
  std::vector<std::unique_ptr<api::Component>> components;
  api::OperationsComponent& operations = add<api::OperationsComponent>(kernel);
  api::ConfigComponent& config_api = add<api::ConfigComponent>(kernel);
  api::EventsComponent& events_api = add<api::EventsComponent>(kernel);
  api::MessagingComponent& messaging = add<api::MessagingComponent>(kernel);
  api::AccessComponent& access = add<api::AccessComponent>(kernel);
  api::IdentityComponent& identity = add<api::IdentityComponent>(kernel, access, messaging);
  api::JobsComponent& jobs = add<api::JobsComponent>(kernel);
  api::NotifyComponent& notify = add<api::NotifyComponent>(kernel, jobs, messaging, identity);
  api::FlagsComponent& flags = add<api::FlagsComponent>(kernel);
  api::DiscoveryComponent& discovery = add<api::DiscoveryComponent>(kernel);
  api::GatewayComponent& gateway = add<api::GatewayComponent>(kernel, access, identity, discovery);
  api::UiComponent& ui = add<api::UiComponent>();
  // ----

  api::Declarations declared{config, {}, {}};
  size_t started = 0;  // components whose start() ran
  bool keys_declared = false;
  http::Router router;
  std::unique_ptr<api::BearerAuthenticator> authenticator;
  std::unique_ptr<http::Pipeline> pipeline;
  std::unique_ptr<http::Server> server;

  template <class C, class... Deps>
  C& add(Deps&&... deps) {
    auto c = std::make_unique<C>(std::forward<Deps>(deps)...);
    C& ref = *c;
    components.push_back(std::move(c));
    return ref;
  }

  std::string data_dir() const {
    return !options.data_dir.empty() ? options.data_dir : config.get(kServerDataDir);
  }
  std::string database_url() const {
    if (!options.database.empty()) return options.database;
    std::string url = config.get(kStoreDatabase).value_or("");
    return url.empty() ? "sqlite:" + data_dir() + "/switchboard.db" : url;
  }

  Status start_components() {
    for (; started < components.size(); ++started) {
      if (Status s = components[started]->start(); !s)
        return Status(s.code(), components[started]->name() + ": " + s.message());
    }
    return {};
  }
  // Components in reverse, then the kernel. Safe to call twice.
  void stop_all() {
    for (auto it = components.rbegin(); it != components.rend(); ++it) (*it)->stop();
    started = 0;
    if (blocking) blocking->stop();
    if (feed) feed->stop();
    if (db) db->close();
  }
};

App::App(AppOptions options, char** envp) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->envp = envp;
  for (auto& make : impl_->options.extra_components) impl_->components.push_back(make(impl_->kernel));
}

App::~App() { impl_->stop_all(); }

config::ConfigService& App::config() { return impl_->config; }
events::EventLog& App::events() { return *impl_->events; }
identity::ApiKeys& App::api_keys() { return impl_->identity.api_keys(); }
identity::AuthService& App::auth() { return impl_->identity.auth(); }
access::AccessControl& App::access() { return impl_->access.control(); }
jobs::Queue& App::jobs() { return impl_->jobs.queue(); }
flags::Service& App::flags() { return impl_->flags.service(); }
discovery::Registry& App::services() { return impl_->discovery.registry(); }
store::Db& App::db() { return *impl_->db; }
http::Pipeline& App::pipeline() { return *impl_->pipeline; }
const http::Router& App::router() const { return impl_->router; }
const api::Declarations& App::declarations() const { return impl_->declared; }

void App::declare_keys() {
  Impl& m = *impl_;
  if (m.keys_declared) return;
  m.keys_declared = true;
  declare_server_keys(m.config);
  resilience::RateRules::declare(m.config);
  for (auto& c : m.components) c->declare(m.declared);
}

Status App::init() {
  Impl& m = *impl_;
  // Until the configured level is known: commands other than `serve` keep
  // stdout for their output and log warnings to stderr.
  log::init({m.options.serving ? "info" : "warn", false, !m.options.serving});
  // Every key must be declared before the file and environment are read:
  // an unknown key there is an error naming it.
  declare_keys();
  if (!m.options.config_file.empty()) SB_TRY(m.config.load_file(m.options.config_file));
  SB_TRY(m.config.load_env(m.envp));
  if (m.options.serving)
    log::init({m.config.get(kLogLevel), m.config.get(kLogFormat) == "json", false});

  store::Options so;
  so.sqlite_synchronous = m.config.get(kStoreSqliteSynchronous);
  so.pg_pool_size = static_cast<int>(m.config.get(kStorePoolSize));
  SB_ASSIGN(m.db, store::open(m.database_url(), so));
  SB_TRY(store::migrate(*m.db));

  m.events = std::make_unique<events::EventLog>(*m.db, Clock::system(), &m.metrics);
  // In-memory state (runtime config, revoked sessions, keys) is loaded from
  // the Db below; the live feed replays every change after this point, so
  // nothing another instance writes in between is missed.
  m.kernel.start_head = m.events->head();
  m.config.attach(m.db.get(), m.events.get());
  // Secret runtime values are sealed under the master key: it comes first.
  SB_ASSIGN(m.kernel.master_key, api::load_master_key(m.config, m.data_dir()));
  SB_TRY(m.config.set_master_key(m.kernel.master_key));
  SB_TRY(m.config.load_runtime());
  m.blocking = std::make_unique<ThreadPool>(static_cast<int>(m.config.get(kServerBlockingThreads)),
                                            "sb-blocking",
                                            static_cast<size_t>(m.config.get(kServerBlockingQueue)));
  events::LiveFeedOptions fo;
  fo.heartbeat_ms = static_cast<int>(m.config.get(api::events_keys::kHeartbeatMs));
  fo.poll_ms = static_cast<int>(m.config.get(api::events_keys::kPollMs));
  m.feed = std::make_unique<events::LiveFeed>(*m.events, Clock::system(), fo);
  m.limits = std::make_unique<resilience::RateRules>(m.config, Clock::system(), &m.metrics);
  m.admission = std::make_unique<api::RateLimitAdmission>(*m.limits);
  m.kernel.db = m.db.get();
  m.kernel.events = m.events.get();
  m.kernel.feed = m.feed.get();
  m.kernel.blocking = m.blocking.get();
  m.kernel.limits = m.limits.get();
  m.kernel.data_dir = m.data_dir();
  m.kernel.listen = !m.options.listen.empty() ? m.options.listen : m.config.get(kServerListen);

  std::vector<http::Route> routes;
  for (auto& c : m.components) {
    if (Status s = c->init(); !s) return Status(s.code(), c->name() + ": " + s.message(), s.fields());
    c->routes(routes);
  }
  // A typo in a route's permission or rate-limit group would silently open
  // the route or drop its brute-force limit: refuse to start instead.
  SB_TRY(api::check_routes(routes, m.declared));
  for (auto& r : routes) m.router.add(std::move(r));

  http::PipelineOptions po;
  po.access_log = m.config.get(kHttpAccessLog);
  po.trusted_proxies = m.config.get(kHttpTrustedProxies);
  m.authenticator = std::make_unique<api::BearerAuthenticator>(m.identity.credentials(), &m.access.permission_check());
  m.pipeline = std::make_unique<http::Pipeline>(m.router, m.authenticator.get(), &m.metrics, Clock::system(), po,
                                                m.admission.get(), m.blocking.get());
  return {};
}

Status App::serve() {
  Impl& m = *impl_;
  // Bootstrap credential: SWITCHBOARD_ADMIN_KEY (automation, containers) or
  // a generated key printed once on the first start.
  std::string printed_key;
  if (const char* env_key = std::getenv("SWITCHBOARD_ADMIN_KEY"); env_key && *env_key) {
    SB_TRY(api_keys().create("env", std::string(env_key)));
  } else {
    SB_ASSIGN(int64_t active, api_keys().active_count());
    if (active == 0) {
      SB_ASSIGN(auto issued, api_keys().create("bootstrap"));
      printed_key = issued.key;
    }
  }

  http::ServerOptions so;
  std::string listen = !m.options.listen.empty() ? m.options.listen : m.config.get(kServerListen);
  SB_TRY(split_listen(listen, so.host, so.port));
  so.threads = static_cast<int>(m.config.get(kServerThreads));
  so.max_body_bytes = static_cast<size_t>(m.config.get(kHttpMaxBodyBytes));
  so.max_header_bytes = static_cast<size_t>(m.config.get(kHttpMaxHeaderBytes));
  so.read_timeout_ms = static_cast<int>(m.config.get(kHttpReadTimeoutMs));
  so.idle_timeout_ms = static_cast<int>(m.config.get(kHttpIdleTimeoutMs));
  so.shutdown_grace_ms = static_cast<int>(m.config.get(kHttpShutdownGraceMs));
  m.server = std::make_unique<http::Server>(*m.pipeline, so);

  // The shutdown signals are blocked in every thread (run_cli blocks them
  // before any thread starts); this one thread waits for them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  SB_TRY(m.server->listen());
  m.feed->start();
  SB_TRY(m.start_components());

  std::string url = "http://" + so.host + ":" + std::to_string(m.server->port());
  std::printf("switchboard listening on %s (database %s)\n", url.c_str(),
              m.db->engine() == store::Engine::kSqlite ? m.database_url().c_str() : "postgresql");
  if (!printed_key.empty())
    std::printf("bootstrap admin API key (shown once, store it now): %s\n", printed_key.c_str());
  std::fflush(stdout);
  spdlog::info("switchboard listening on {}", url);

  std::thread signals([&] {
    int sig = 0;
    sigwait(&sigs, &sig);
    spdlog::info("received signal {}, shutting down", sig);
    m.server->stop();
  });
  m.server->run();
  if (signals.joinable()) {
    // run() also returns if stop() came from elsewhere; wake the waiter.
    pthread_kill(signals.native_handle(), SIGTERM);
    signals.join();
  }
  m.stop_all();
  spdlog::info("switchboard stopped");
  log::shutdown();
  std::printf("switchboard stopped\n");
  std::fflush(stdout);
  return {};
}

}  // namespace sb::app
