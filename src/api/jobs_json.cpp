#include "api/jobs_json.h"

#include "core/clock.h"
#include "core/json.h"

namespace sb::api {

namespace {
void field(std::string& out, const char* name, std::string_view text, bool first = false) {
  if (!first) out += ',';
  out += '"';
  out += name;
  out += "\":";
  json::append_quoted(out, text);
}
void field_raw(std::string& out, const char* name, const std::string& raw) {
  out += ",\"";
  out += name;
  out += "\":";
  out += raw.empty() ? "null" : raw;
}
void field_int(std::string& out, const char* name, int64_t v) {
  out += ",\"";
  out += name;
  out += "\":" + std::to_string(v);
}
void field_time(std::string& out, const char* name, int64_t ms) {
  if (ms > 0) field(out, name, format_rfc3339(ms));
  else field_raw(out, name, "");
}
}  // namespace

std::string claimed_json(const std::vector<jobs::Claimed>& jobs) {
  std::string out = "{\"jobs\":[";
  for (size_t i = 0; i < jobs.size(); ++i) {
    const auto& j = jobs[i];
    out += i ? ",{" : "{";
    field(out, "id", j.id, true);
    field_raw(out, "payload", j.payload);
    field_int(out, "attempt", j.attempt);
    field(out, "lease", j.lease);
    field(out, "lease_until", format_rfc3339(j.lease_until_ms));
    field_int(out, "priority", j.priority);
    out += '}';
  }
  return out + "]}";
}

std::string job_json(const jobs::JobInfo& j) {
  std::string out = "{";
  field(out, "id", j.id, true);
  field(out, "queue", j.queue);
  field(out, "state", jobs::state_name(j.state));
  field_int(out, "attempts", j.attempts);
  field_int(out, "max_attempts", j.max_attempts);
  field_int(out, "priority", j.priority);
  field_raw(out, "payload", j.payload);
  field_raw(out, "result", j.result);
  field_raw(out, "progress", j.progress);
  out += ",\"errors\":[";
  for (size_t i = 0; i < j.errors.size(); ++i) {
    out += i ? ",{" : "{";
    out += "\"attempt\":" + std::to_string(j.errors[i].attempt);
    field(out, "time", format_rfc3339(j.errors[i].time_ms));
    field(out, "message", j.errors[i].message);
    out += '}';
  }
  out += ']';
  if (!j.dedup_key.empty()) field(out, "dedup_key", j.dedup_key);
  field_time(out, "created_at", j.created_ms);
  field_time(out, "run_at", j.run_at_ms);
  field_time(out, "started_at", j.started_ms);
  field_time(out, "finished_at", j.finished_ms);
  if (j.state == jobs::State::kActive) field_time(out, "lease_until", j.lease_until_ms);
  return out + "}";
}

std::string queue_json(const jobs::QueueInfo& q) {
  std::string out = "{";
  field(out, "name", q.name, true);
  const auto& c = q.counts;
  out += ",\"counts\":{\"waiting\":" + std::to_string(c.waiting) + ",\"delayed\":" + std::to_string(c.delayed) +
         ",\"active\":" + std::to_string(c.active) + ",\"completed\":" + std::to_string(c.completed) +
         ",\"dead\":" + std::to_string(c.dead) + ",\"cancelled\":" + std::to_string(c.cancelled) + "}";
  out += q.settings.paused ? ",\"paused\":true" : ",\"paused\":false";
  field_int(out, "concurrency", q.settings.concurrency);
  out += ",\"rate\":{\"max\":" + std::to_string(q.settings.rate_max) +
         ",\"interval_ms\":" + std::to_string(q.settings.rate_interval_ms) + "}";
  field_int(out, "keep_completed", q.settings.keep_completed);
  field_int(out, "keep_completed_ms", q.settings.keep_completed_ms);
  return out + "}";
}

}  // namespace sb::api
