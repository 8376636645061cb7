// Service::apply_rules: the event log -> notifications, exactly once.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "core/json.h"
#include "events/event_log.h"
#include "notify/service_impl.h"

namespace sb::notify {

Result<int> Service::apply_rules(const std::function<std::vector<Rule>()>& current, const std::string& instance,
                                 int64_t lease_ms, int batch) {
  Impl& m = *impl_;
  SB_ASSIGN(int64_t head, m.events.refresh());  // before the rules: see the header
  const std::vector<Rule> rules = current();
  int64_t cursor = 0;
  SB_TRY(m.db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT cursor FROM notify_rule_cursor WHERE name = 'rules'"));
    cursor = rows.empty() ? 0 : rows[0].int_at(0);
    return {};
  }));
  if (cursor >= head) return 0;  // nothing new: an idle instance writes nothing

  const int64_t now = m.clock.now_ms();
  bool ours = false;
  SB_TRY(m.db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t n, tx.exec("UPDATE notify_rule_cursor SET lease_owner = $1, lease_until = $2 WHERE name = "
                                 "'rules' AND (lease_until < $3 OR lease_owner = $1)",
                                 {instance, now + lease_ms, now}));
    ours = n == 1;
    if (!ours) return {};
    SB_ASSIGN(auto rows, tx.query("SELECT cursor FROM notify_rule_cursor WHERE name = 'rules'"));
    cursor = rows.empty() ? 0 : rows[0].int_at(0);
    // First run (cursor -1): rules apply from now on, not to history. With
    // no rules the cursor follows the head, so a rule added later starts
    // where it was added.
    if (cursor < 0 || rules.empty()) {
      SB_TRY(tx.exec("UPDATE notify_rule_cursor SET cursor = $1 WHERE name = 'rules'", {std::max(cursor, head)}));
      cursor = -2;  // done for this call
    }
    return {};
  }));
  if (!ours || cursor == -2) return 0;

  // Everything up to `head` is looked at: a short page means no later
  // matching event exists before it, so the cursor may move to it.
  events::Query q;
  q.after = cursor;
  q.limit = batch;
  for (auto& r : rules) q.any_type_patterns.push_back(r.on);
  SB_ASSIGN(auto page, m.events.read(q));
  int64_t to = static_cast<int>(page.size()) < batch ? std::max(cursor, head) : page.back().sequence;

  SB_TRY(m.db.write([&](store::Tx& tx) -> Status {
    for (auto& e : page) {
      if (e.sequence > to) break;
      auto envelope = json::parse(e.envelope);
      if (!envelope.ok()) continue;
      for (size_t i = 0; i < rules.size(); ++i) {
        const Rule& r = rules[i];
        if (!events::matches(r.on, e.type)) continue;
        const auto* user = at_path(*envelope, r.user);
        if (!user || !user->is_string() || user->get_string().empty()) {
          spdlog::warn("notify rule {} ({}): event {} has no user at {}", i, r.on, e.sequence, r.user);
          continue;
        }
        SendRequest req;
        req.user_id = std::string(user->get_string());
        req.type = r.type;
        req.channels = r.channels;
        req.critical = r.critical;
        const auto* data = at_path(*envelope, r.data);
        req.data_json = data && data->is_object() ? json::serialize(*data) : "{}";
        req.idempotency_key = "rule:" + r.type + ":" + std::to_string(e.sequence) + ":" + std::to_string(i);
        auto sent = m.send_in(tx, req);
        // A rule that cannot apply (no template yet, a bad user id) must not
        // hold the cursor back for every later event.
        if (!sent.ok() && sent.status().code() == Code::kInvalidArgument) {
          spdlog::warn("notify rule {} ({}): event {} not sent: {}", i, r.on, e.sequence, sent.status().to_string());
          continue;
        }
        SB_TRY(sent.status());
      }
    }
    SB_ASSIGN(int64_t moved, tx.exec("UPDATE notify_rule_cursor SET cursor = $1 WHERE name = 'rules' AND cursor = $2 "
                                     "AND lease_owner = $3",
                                     {to, cursor, instance}));
    if (moved != 1) return Status::conflict("the rules cursor moved meanwhile");  // rolls the sends back
    return {};
  }));
  return static_cast<int>(page.size());
}

}  // namespace sb::notify
