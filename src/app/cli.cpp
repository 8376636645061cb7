#include "app/cli.h"
#include "app/cli_output.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "app/app.h"
#include "app/cli_identity.h"
#include "app/cli_queue.h"
#include "app/cli_services.h"
#include "config/config.h"
#include "config/describe.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/json.h"
#include "events/event_log.h"
#include "identity/api_keys.h"
#include "providers/push/web_push_crypto.h"

namespace sb::app {

namespace {

std::string show(const boost::json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v);
}

}  // namespace

int run_cli(int argc, char** argv, char** envp) {
  CLI::App cli{"Switchboard — a self-hosted backend platform in one binary"};
  cli.require_subcommand(1);
  AppOptions opts;
  auto add_common = [&](CLI::App* cmd) {
    cmd->add_option("--database", opts.database, "sqlite:PATH or postgresql://… (env SWITCHBOARD_STORE__DATABASE)");
    cmd->add_option("--data-dir", opts.data_dir, "Data directory (default ./data)");
    cmd->add_option("--config", opts.config_file, "TOML configuration file");
  };

  auto* serve = cli.add_subcommand("serve", "Run the server");
  add_common(serve);
  serve->add_option("--listen", opts.listen, "HOST:PORT (default 127.0.0.1:8080)");

  auto* admin_key = cli.add_subcommand("admin-key", "Manage the admin API key");
  admin_key->require_subcommand(1);
  auto* rotate = admin_key->add_subcommand("rotate", "Revoke every admin key and print a new one");
  add_common(rotate);

  auto* cfg = cli.add_subcommand("config", "Read and change configuration");
  cfg->require_subcommand(1);
  std::string key, value, prefix;
  auto* cget = cfg->add_subcommand("get", "Print a key's effective value");
  cget->add_option("key", key)->required();
  auto* cset = cfg->add_subcommand("set", "Set a runtime value (applied by running servers)");
  cset->add_option("key", key)->required();
  cset->add_option("value", value, "Text, or JSON for lists (\"[\\\"a\\\",\\\"b\\\"]\" or a,b)")->required();
  auto* cunset = cfg->add_subcommand("unset", "Remove a runtime value");
  cunset->add_option("key", key)->required();
  auto* clist = cfg->add_subcommand("list", "List keys and effective values");
  clist->add_option("--prefix", prefix);
  for (auto* c : {cget, cset, cunset, clist}) add_common(c);
  bool markdown = false;
  auto* cdescribe = cfg->add_subcommand("describe", "List every declared key: type, default, when it applies, secret");
  cdescribe->add_flag("--markdown", markdown, "As docs/configuration.md (the file is generated this way)");

  auto* ev = cli.add_subcommand("events", "Publish and follow events");
  ev->require_subcommand(1);
  std::string type, source = "/switchboard/cli", subject, data, pattern = "*";
  int64_t after = -1;
  auto* publish = ev->add_subcommand("publish", "Append one event to the log");
  publish->add_option("--type", type)->required();
  publish->add_option("--source", source);
  publish->add_option("--subject", subject);
  publish->add_option("--data", data, "JSON data");
  auto* tail = ev->add_subcommand("tail", "Print events as they are appended (Ctrl-C to stop)");
  tail->add_option("--type", pattern, "Type pattern: exact, prefix.* or *");
  tail->add_option("--after", after, "Start after this sequence (default: now)");
  for (auto* c : {publish, tail}) add_common(c);

  IdentityCommands identity_cmds;
  add_identity_commands(cli, identity_cmds, add_common);
  QueueCommands queue_cmds;
  add_queue_commands(cli, queue_cmds, add_common);
  ServicesCommands services_cmds;
  add_services_commands(cli, services_cmds, add_common);

  auto* push = cli.add_subcommand("push", "Web Push helpers");
  push->require_subcommand(1);
  auto* vapid_keys = push->add_subcommand(
      "vapid-keys", "Print a new VAPID key pair, base64url: the private key for push.webpush.vapid_private_key, "
                    "the public key for the browser's applicationServerKey");

  cli.add_subcommand("version", "Print the version")->callback([] { std::puts("switchboard 0.1.0"); });

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  if (cli.got_subcommand("version")) return 0;
  if (*vapid_keys) {
    // Needs nothing but the CSPRNG: no configuration, no database.
    auto key = providers::webpush::VapidKey::generate();
    std::printf("private_key: %s\npublic_key: %s\n", key.private_key_base64url().c_str(),
                crypto::base64url_encode(key.public_key()).c_str());
    return 0;
  }

  if (*cdescribe) {
    // Declarations only: no file, environment or database, so the output
    // (and docs/configuration.md) is the same on every machine.
    log::init({"warn", false, true});  // stdout is the document
    App app(opts, envp);
    app.declare_keys();
    auto keys = app.config().declared();
    std::fputs((markdown ? config::describe_markdown(keys) : config::describe_text(keys)).c_str(), stdout);
    return 0;
  }

  opts.serving = static_cast<bool>(*serve);
  if (*serve) {
    // Before any thread exists, so every thread inherits the mask and
    // SIGTERM/SIGINT reach only the server's signal-waiting thread.
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  }
  App app(opts, envp);
  if (Status s = app.init(); !s) return fail(s);

  if (*serve) {
    Status s = app.serve();
    return s ? 0 : fail(s);
  }
  if (auto code = run_identity_commands(identity_cmds, app)) return *code;
  if (auto code = run_queue_commands(queue_cmds, app)) return *code;
  if (auto code = run_services_commands(services_cmds, app)) return *code;
  if (*rotate) {
    auto k = app.api_keys().rotate("rotated");
    if (!k.ok()) return fail(k.status());
    std::printf("new admin API key (shown once; every previous key is revoked): %s\n", k->key.c_str());
    return 0;
  }
  if (*cget) {
    auto e = app.config().entry(key);
    if (!e.ok()) return fail(e.status());
    std::printf("%s\n", show(e->value).c_str());
    return 0;
  }
  if (*cset) {
    auto v = app.config().parse_text(key, value);
    if (!v.ok()) return fail(v.status());
    if (Status s = app.config().set(key, *v, "cli"); !s) return fail(s);
    return 0;
  }
  if (*cunset) {
    Status s = app.config().unset(key, "cli");
    return s ? 0 : fail(s);
  }
  if (*clist) {
    for (auto& e : app.config().list(prefix))
      std::printf("%s = %s  (%s)\n", e.key.c_str(), show(e.value).c_str(), config::layer_name(e.layer));
    return 0;
  }
  if (*publish) {
    events::Event e;
    e.id = new_uuid_v7();
    e.source = source;
    e.type = type;
    e.subject = subject;
    if (!data.empty()) {
      auto d = json::parse(data);
      if (!d.ok()) return fail(Status::invalid("--data", d.status().message()));
      e.data_json = boost::json::serialize(*d);
    }
    boost::json::object raw{{"specversion", "1.0"}, {"id", e.id}, {"source", e.source}, {"type", e.type}};
    if (auto v = events::parse_event(raw); !v.ok()) return fail(v.status());
    auto r = app.events().publish({e});
    if (!r.ok()) return fail(r.status());
    std::printf("%lld\n", static_cast<long long>(r->front().sequence));
    return 0;
  }
  if (*tail) {
    if (Status s = events::validate_pattern(pattern, "--type"); !s) return fail(s);
    int64_t cursor = after >= 0 ? after : app.events().refresh().value();
    for (;;) {
      events::Query q;
      q.type_pattern = pattern;
      q.after = cursor;
      q.limit = 500;
      auto page = app.events().read(q);
      if (!page.ok()) return fail(page.status());
      for (auto& e : *page) {
        std::printf("%s\n", e.envelope.c_str());
        cursor = e.sequence;
      }
      std::fflush(stdout);
      if (page->size() < 500) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
  return 0;
}

}  // namespace sb::app
