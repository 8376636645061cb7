#include "app/app.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "access/access_control.h"
#include "api/rate_limits.h"
#include "api/services.h"
#include "app/authenticator.h"
#include "app/config_keys.h"
#include "app/identity_setup.h"
#include "config/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "events/event_log.h"
#include "events/live_feed.h"
#include "events/subscriptions.h"
#include "core/thread_pool.h"
#include "providers/http_client.h"
#include "providers/messaging.h"
#include "http/pipeline.h"
#include "http/router.h"
#include "http/server.h"
#include "identity/api_keys.h"
#include "identity/auth_service.h"
#include "store/db.h"

namespace sb::app {

namespace {

// Applies events from every instance (and from the CLI) to in-memory state:
// config values, permission caches, revoked sessions, signing keys.
class EventApplier final : public events::LiveSubscriber {
 public:
  explicit EventApplier(std::function<void(const events::Event&)> apply) : apply_(std::move(apply)) {}
  bool deliver(const events::StoredEvent& e) override {
    auto ev = events::parse_stored(e.sequence, e.envelope);
    if (ev.ok()) apply_(*ev);
    return true;
  }
  bool heartbeat() override { return true; }

 private:
  std::function<void(const events::Event&)> apply_;
};

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

// Runs AuthService::purge_expired every `interval` on its own thread (it
// blocks on the Db) until stop(). The first run is one interval after start.
class IdentityPurger {
 public:
  IdentityPurger(identity::AuthService& auth, std::chrono::seconds interval)
      : auth_(auth), interval_(interval), thread_([this] {
          name_this_thread("sb-purge");
          run();
        }) {}
  ~IdentityPurger() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      auto n = auth_.purge_expired();
      if (!n.ok())
        spdlog::warn("identity: purging expired rows failed: {}", n.status().to_string());
      else if (*n > 0)
        spdlog::info("identity: purged {} expired rows (codes, links, challenges, sessions)", *n);
      lock.lock();
    }
  }

  identity::AuthService& auth_;
  const std::chrono::seconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;     // last: starts once the members above exist
};

}  // namespace

struct App::Impl {
  AppOptions options;
  char** envp;
  metrics::Registry metrics;
  config::ConfigService config{nullptr, nullptr};
  // Declared right after config: its keys must exist before the file is read.
  std::unique_ptr<providers::Messaging> messaging;
  std::unique_ptr<ThreadPool> blocking;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<events::EventLog> events;
  std::unique_ptr<identity::ApiKeys> api_keys;
  std::unique_ptr<events::LiveFeed> feed;
  std::unique_ptr<events::Subscriptions> subscriptions;
  std::unique_ptr<access::AccessControl> access;
  std::unique_ptr<identity::Notifier> notifier;
  std::unique_ptr<identity::AuthService> auth;
  std::unique_ptr<api::RateLimits> limits;
  int64_t start_head = 0;  // log head before in-memory state was loaded from the Db
  api::Services services;
  http::Router router;
  std::unique_ptr<BearerAuthenticator> authenticator;
  std::unique_ptr<http::Pipeline> pipeline;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<IdentityPurger> purger;

  std::string data_dir() const {
    return !options.data_dir.empty() ? options.data_dir : config.get(kServerDataDir);
  }
  std::string database_url() const {
    if (!options.database.empty()) return options.database;
    std::string url = config.get(kStoreDatabase).value_or("");
    return url.empty() ? "sqlite:" + data_dir() + "/switchboard.db" : url;
  }
};

App::App(AppOptions options, char** envp) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->envp = envp;
}

App::~App() {
  impl_->purger.reset();  // joins; it uses auth and the Db
  if (impl_->subscriptions) impl_->subscriptions->stop();
  if (impl_->blocking) impl_->blocking->stop();
  if (impl_->feed) impl_->feed->stop();
  if (impl_->db) impl_->db->close();
}

config::ConfigService& App::config() { return impl_->config; }
events::EventLog& App::events() { return *impl_->events; }
identity::ApiKeys& App::api_keys() { return *impl_->api_keys; }
identity::AuthService& App::auth() { return *impl_->auth; }
access::AccessControl& App::access() { return *impl_->access; }
store::Db& App::db() { return *impl_->db; }

void App::declare_keys() {
  Impl& m = *impl_;
  if (m.messaging) return;  // declared already
  declare_server_keys(m.config);
  declare_identity_keys(m.config);
  api::RateLimits::declare(m.config);
  m.messaging = std::make_unique<providers::Messaging>(m.config, Clock::system(), &m.metrics, "");
}

Status App::init() {
  Impl& m = *impl_;
  // Until the configured level is known: commands other than `serve` keep
  // stdout for their output and log warnings to stderr.
  log::init({m.options.serving ? "info" : "warn", false, !m.options.serving});
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
  m.start_head = m.events->head();
  m.config.attach(m.db.get(), m.events.get());
  SB_ASSIGN(auto master_key, load_master_key(m.config, m.data_dir()));
  SB_TRY(m.config.set_master_key(master_key));
  SB_TRY(m.config.load_runtime());
  m.messaging->set_data_dir(m.data_dir());
  if (Status s = m.messaging->reload(); !s)
    spdlog::warn("providers: keeping the previous chain: {}", s.message());
  m.blocking = std::make_unique<ThreadPool>(static_cast<int>(m.config.get(kServerBlockingThreads)), "sb-blocking");
  m.api_keys = std::make_unique<identity::ApiKeys>(*m.db, *m.events, Clock::system());
  events::LiveFeedOptions fo;
  fo.heartbeat_ms = static_cast<int>(m.config.get(kEventsHeartbeatMs));
  fo.poll_ms = static_cast<int>(m.config.get(kEventsPollMs));
  m.feed = std::make_unique<events::LiveFeed>(*m.events, Clock::system(), fo);

  events::DeliveryOptions dopts;
  dopts.max_attempts = static_cast<int>(m.config.get(kSubscriptionsMaxAttempts));
  dopts.base_backoff_ms = m.config.get(kSubscriptionsBackoffBaseMs);
  dopts.max_backoff_ms = m.config.get(kSubscriptionsBackoffMaxMs);
  dopts.workers = static_cast<int>(m.config.get(kSubscriptionsWorkers));
  dopts.poll_ms = fo.poll_ms;
  Millis webhook_timeout{m.config.get(kWebhooksTimeoutMs)};
  // Webhooks go out through the same HTTP client as the provider APIs.
  auto post = [webhook_timeout](const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                                const std::string& body) -> Status {
    providers::HttpRequest req;
    req.url = url;
    req.headers = headers;
    req.body = body;
    req.timeouts.total = webhook_timeout;
    SB_ASSIGN(auto resp, providers::http_send("webhook", req));
    return providers::check_status("webhook", resp);
  };
  m.subscriptions = std::make_unique<events::Subscriptions>(*m.db, *m.events, Clock::system(), &m.metrics, post, dopts);

  m.access = std::make_unique<access::AccessControl>(*m.db, *m.events, Clock::system());
  m.notifier = messaging_notifier(*m.messaging, *m.blocking);
  SB_ASSIGN(auto auth_options, identity_options(m.config, m.data_dir(), m.options.listen));
  identity::AccessHooks hooks;
  access::AccessControl* ac = m.access.get();
  hooks.on_user_created = [ac, roles = m.config.get(identity_keys::kDefaultRoles)](store::Tx& tx,
                                                                                   const std::string& user) -> Status {
    for (const auto& role : roles) SB_TRY(ac->grant_role(tx, user, role, "system"));
    return {};
  };
  hooks.roles_of = [ac](const std::string& user) { return ac->roles_of(user); };
  SB_ASSIGN(m.auth, identity::AuthService::create(*m.db, *m.events, Clock::system(), *m.notifier, std::move(hooks),
                                                  std::move(auth_options)));
  m.limits = std::make_unique<api::RateLimits>(m.config, Clock::system(), &m.metrics);

  m.services.db = m.db.get();
  m.services.auth = m.auth.get();
  m.services.access = m.access.get();
  m.services.limits = m.limits.get();
  m.services.subscriptions = m.subscriptions.get();
  m.services.messaging = m.messaging.get();
  m.services.blocking = m.blocking.get();
  m.services.events = m.events.get();
  m.services.feed = m.feed.get();
  m.services.config = &m.config;
  m.services.metrics = &m.metrics;
  api::add_routes(m.router, m.services);
  return {};
}

Status App::serve() {
  Impl& m = *impl_;
  // Bootstrap credential: SWITCHBOARD_ADMIN_KEY (automation, containers) or
  // a generated key printed once on the first start.
  std::string printed_key;
  if (const char* env_key = std::getenv("SWITCHBOARD_ADMIN_KEY"); env_key && *env_key) {
    SB_TRY(m.api_keys->create("env", std::string(env_key)));
  } else {
    SB_ASSIGN(int64_t active, m.api_keys->active_count());
    if (active == 0) {
      SB_ASSIGN(auto issued, m.api_keys->create("bootstrap"));
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
  http::PipelineOptions po;
  po.access_log = m.config.get(kHttpAccessLog);
  po.trusted_proxies = m.config.get(kHttpTrustedProxies);
  m.authenticator = std::make_unique<BearerAuthenticator>(*m.api_keys, m.auth.get(), m.access.get());
  m.pipeline = std::make_unique<http::Pipeline>(m.router, m.authenticator.get(), &m.metrics, Clock::system(), po,
                                                m.limits.get());
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
  m.subscriptions->start();
  const int64_t head = m.start_head;
  auto to_config = std::make_shared<EventApplier>([&m](const events::Event& e) { m.config.apply_event(e); });
  auto to_auth = std::make_shared<EventApplier>([&m](const events::Event& e) { m.auth->apply_event(e); });
  auto to_access = std::make_shared<EventApplier>([&m](const events::Event& e) { m.access->apply_event(e); });
  m.feed->subscribe("config.updated", head, to_config);
  m.feed->subscribe("session.revoked", head, to_auth);
  m.feed->subscribe("identity.*", head, to_auth);
  m.feed->subscribe("role.*", head, to_access);
  m.feed->subscribe("permission.*", head, to_access);
  m.purger = std::make_unique<IdentityPurger>(*m.auth,
                                              std::chrono::seconds(m.config.get(identity_keys::kPurgeInterval)));

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
  m.purger.reset();
  m.subscriptions->stop();
  m.blocking->stop();
  m.feed->stop();
  m.db->close();
  spdlog::info("switchboard stopped");
  log::shutdown();
  std::printf("switchboard stopped\n");
  std::fflush(stdout);
  return {};
}

}  // namespace sb::app
