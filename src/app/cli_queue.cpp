#include "app/cli_queue.h"
#include "app/cli_output.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "api/jobs_json.h"
#include "app/app.h"
#include "core/clock.h"
#include "jobs/queue.h"

namespace sb::app {

namespace {

// One line, at most `max` bytes (cut on a UTF-8 character boundary).
std::string one_line(std::string text, size_t max = 60) {
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (text.size() <= max) return text;
  size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

int ls(App& app, bool json) {
  auto all = app.jobs().queues();
  if (!all.ok()) return fail(all.status());
  if (json) {
    std::string out = "[";
    for (size_t i = 0; i < all->size(); ++i) out += (i ? "," : "") + api::queue_json((*all)[i]);
    std::printf("%s]\n", out.c_str());
    return 0;
  }
  std::vector<Row> rows{{"NAME", "WAITING", "DELAYED", "ACTIVE", "COMPLETED", "DEAD", "PAUSED"}};
  for (auto& q : *all) {
    const auto& c = q.counts;
    rows.push_back({q.name, std::to_string(c.waiting), std::to_string(c.delayed), std::to_string(c.active),
                    std::to_string(c.completed), std::to_string(c.dead), yes_no(q.settings.paused)});
  }
  print_table(rows);
  return 0;
}

int stats(App& app, const std::string& queue, bool json) {
  auto info = app.jobs().info(queue);
  if (!info.ok()) return fail(info.status());
  if (json) {
    std::printf("%s\n", api::queue_json(*info).c_str());
    return 0;
  }
  const auto& c = info->counts;
  const auto& s = info->settings;
  auto limit = [](int64_t v) { return v == 0 ? std::string("no limit") : std::to_string(v); };
  auto or_default = [](int64_t v) { return v < 0 ? std::string("default") : std::to_string(v); };
  std::printf("queue: %s\npaused: %s\n", info->name.c_str(), yes_no(s.paused).c_str());
  std::printf("waiting: %lld\ndelayed: %lld\nactive: %lld\ncompleted: %lld\ndead: %lld\ncancelled: %lld\n",
              static_cast<long long>(c.waiting), static_cast<long long>(c.delayed), static_cast<long long>(c.active),
              static_cast<long long>(c.completed), static_cast<long long>(c.dead), static_cast<long long>(c.cancelled));
  std::printf("concurrency: %s\n", limit(s.concurrency).c_str());
  if (s.rate_max == 0) std::printf("rate: no limit\n");
  else std::printf("rate: %lld per %lld ms\n", static_cast<long long>(s.rate_max),
                   static_cast<long long>(s.rate_interval_ms));
  std::printf("keep_completed: %s\nkeep_completed_ms: %s\n", or_default(s.keep_completed).c_str(),
              or_default(s.keep_completed_ms).c_str());
  return 0;
}

int list_jobs(App& app, const QueueCommands& c) {
  std::optional<jobs::State> state;
  if (!c.state.empty()) {
    state = jobs::parse_state(c.state);
    if (!state)
      return fail(Status::invalid("--state", "must be waiting, delayed, active, completed, dead or cancelled, not '" +
                                                 c.state + "'"));
  }
  if (c.limit < 1 || c.limit > 1000) return fail(Status::invalid("--limit", "must be 1 to 1000"));
  auto list = app.jobs().list(c.queue, state, c.limit);
  if (!list.ok()) return fail(list.status());
  if (c.json) {
    std::string out = "[";
    for (size_t i = 0; i < list->size(); ++i) out += (i ? "," : "") + api::job_json((*list)[i]);
    std::printf("%s]\n", out.c_str());
    return 0;
  }
  std::vector<Row> rows{{"ID", "STATE", "ATTEMPTS", "PRIORITY", "CREATED", "LAST ERROR"}};
  for (auto& j : *list)
    rows.push_back({j.id, std::string(jobs::state_name(j.state)),
                    std::to_string(j.attempts) + "/" + std::to_string(j.max_attempts), std::to_string(j.priority),
                    j.created_ms > 0 ? format_rfc3339(j.created_ms) : "-",
                    j.errors.empty() ? "-" : one_line(j.errors.back().message)});
  print_table(rows);
  return 0;
}

// Every dead job of the queue, newest first, paged by id (a job retried
// leaves the dead set, so paging by id stays exact). A job that cannot be
// retried (its dedup key is taken again) is reported and skipped.
int retry_all_dead(App& app, const std::string& queue) {
  constexpr int kPage = 1000;
  int64_t retried = 0, failed = 0;
  std::string before;
  for (;;) {
    auto page = app.jobs().list(queue, jobs::State::kDead, kPage, before);
    if (!page.ok()) return fail(page.status());
    for (auto& j : *page) {
      if (Status s = app.jobs().retry(queue, j.id); !s) {
        std::fprintf(stderr, "error: %s\n", s.message().c_str());
        ++failed;
      } else {
        ++retried;
      }
    }
    if (page->size() < static_cast<size_t>(kPage)) break;
    before = page->back().id;
  }
  std::printf("retried %lld dead job(s) in queue %s\n", static_cast<long long>(retried), queue.c_str());
  return failed ? 1 : 0;
}

}  // namespace

void add_queue_commands(CLI::App& cli, QueueCommands& c, const std::function<void(CLI::App*)>& add_common) {
  auto* queue = cli.add_subcommand("queue", "Inspect job queues; retry dead jobs, pause and resume queues");
  queue->require_subcommand(1);
  c.ls = queue->add_subcommand("ls", "Every queue with its job counts and whether it is paused");
  c.ls->add_flag("--json", c.json, "Print the JSON array (as GET /v1/queues)");
  c.stats = queue->add_subcommand("stats", "Counts and settings of one queue");
  c.stats->add_option("name", c.queue, "Queue name")->required();
  c.stats->add_flag("--json", c.json, "Print the JSON object (as GET /v1/queues/NAME)");
  c.jobs = queue->add_subcommand("jobs", "The newest jobs of a queue");
  c.jobs->add_option("name", c.queue, "Queue name")->required();
  c.jobs->add_option("--state", c.state, "waiting, delayed, active, completed, dead or cancelled (default: all)");
  c.jobs->add_option("--limit", c.limit, "How many, 1 to 1000 (default 20)");
  c.jobs->add_flag("--json", c.json, "Print the JSON array of jobs");
  c.retry = queue->add_subcommand("retry", "Put a dead or cancelled job back to waiting (attempts reset)");
  c.retry->add_option("name", c.queue, "Queue name")->required();
  auto* id = c.retry->add_option("id", c.id, "Job id");
  auto* all = c.retry->add_flag("--all-dead", c.all_dead, "Retry every dead job of the queue");
  id->excludes(all);
  c.pause = queue->add_subcommand("pause", "Stop handing out the queue's jobs (enqueues still accepted)");
  c.pause->add_option("name", c.queue, "Queue name")->required();
  c.resume = queue->add_subcommand("resume", "Hand out the queue's jobs again");
  c.resume->add_option("name", c.queue, "Queue name")->required();
  for (auto* cmd : {c.ls, c.stats, c.jobs, c.retry, c.pause, c.resume}) add_common(cmd);
}

std::optional<int> run_queue_commands(QueueCommands& c, App& app) {
  if (*c.ls) return ls(app, c.json);
  if (*c.stats) return stats(app, c.queue, c.json);
  if (*c.jobs) return list_jobs(app, c);
  if (*c.retry) {
    if (c.all_dead) return retry_all_dead(app, c.queue);
    if (c.id.empty()) return fail(Status::invalid("id", "give a job id or --all-dead"));
    if (Status s = app.jobs().retry(c.queue, c.id); !s) return fail(s);
    std::printf("job %s: waiting\n", c.id.c_str());
    return 0;
  }
  if (*c.pause || *c.resume) {
    bool pause = static_cast<bool>(*c.pause);
    if (Status s = pause ? app.jobs().pause(c.queue) : app.jobs().resume(c.queue); !s) return fail(s);
    std::printf("queue %s: %s\n", c.queue.c_str(), pause ? "paused" : "running");
    return 0;
  }
  return std::nullopt;
}

}  // namespace sb::app
