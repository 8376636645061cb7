#include "app/cli_services.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/app.h"
#include "app/cli_output.h"
#include "core/clock.h"
#include "discovery/registry.h"

namespace sb::app {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "-" : out;
}

int ls(App& app) {
  std::vector<Row> rows{{"SERVICE", "INSTANCES", "PASSING", "INDEX"}};
  for (const auto& svc : app.services().services()) {
    int passing = 0;
    for (const auto& in : svc->instances) passing += in.health == discovery::Health::kPassing;
    rows.push_back({svc->name, std::to_string(svc->instances.size()), std::to_string(passing),
                    std::to_string(svc->index)});
  }
  print_table(rows);
  return 0;
}

int show(App& app, const std::string& name) {
  if (Status st = discovery::validate_service_name(name, "service"); !st) return fail(st);
  auto svc = app.services().service(name);
  std::vector<Row> rows{{"ID", "ADDRESS", "STATUS", "TAGS", "VERSION", "LAST HEARTBEAT", "OUTPUT"}};
  for (const auto& in : svc->instances)
    rows.push_back({in.id, in.address + ":" + std::to_string(in.port), discovery::health_name(in.health),
                    join(in.tags), in.version.empty() ? "-" : in.version, format_rfc3339(in.last_heartbeat_ms),
                    in.output.empty() ? "-" : in.output});
  print_table(rows);
  return 0;
}

}  // namespace

void add_services_commands(CLI::App& cli, ServicesCommands& c, const std::function<void(CLI::App*)>& add_common) {
  auto* services = cli.add_subcommand("services", "Inspect the service registry; deregister an instance");
  services->require_subcommand(1);
  c.ls = services->add_subcommand("ls", "Every service with its instance and passing counts");
  c.show = services->add_subcommand("show", "The instances of one service and their health");
  c.show->add_option("service", c.service, "Service name")->required();
  c.deregister = services->add_subcommand("deregister", "Remove an instance (appends service.deregistered)");
  c.deregister->add_option("service", c.service, "Service name")->required();
  c.deregister->add_option("id", c.id, "Instance id")->required();
  for (auto* cmd : {c.ls, c.show, c.deregister}) add_common(cmd);
}

std::optional<int> run_services_commands(ServicesCommands& c, App& app) {
  if (*c.ls) return ls(app);
  if (*c.show) return show(app, c.service);
  if (*c.deregister) {
    if (Status s = app.services().deregister(c.service, c.id, "deregistered by cli"); !s) return fail(s);
    std::printf("%s/%s: deregistered\n", c.service.c_str(), c.id.c_str());
    return 0;
  }
  return std::nullopt;
}

}  // namespace sb::app
