// Frequency caps (notify.caps): parsing, and the check a send makes.
#include <boost/json.hpp>

#include "notify/config_list.h"
#include "notify/service_impl.h"

namespace sb::notify {

Result<std::vector<Cap>> parse_caps(const boost::json::value& v) {
  return parse_config_list<Cap>(
      v, "notify.caps", "caps",
      [](const boost::json::object& o, const std::string& at, const std::vector<Cap>& /*earlier*/,
         std::vector<FieldError>& errs) {
        Cap c;
        if (auto* x = o.if_contains("channel"); x && x->is_string() && known_channel(x->get_string()))
          c.channel = std::string(x->get_string());
        else
          errs.push_back({at + "channel", kChannelMessage});
        if (auto* x = o.if_contains("type")) {
          if (x->is_string() && !x->get_string().empty())
            c.type = std::string(x->get_string());
          else
            errs.push_back({at + "type", "must be a notification type or \"*\""});
        }
        if (auto* x = o.if_contains("max"); x && x->is_int64() && x->get_int64() >= 1)
          c.max = x->get_int64();
        else
          errs.push_back({at + "max", "must be an integer >= 1"});
        if (auto* x = o.if_contains("window_ms"); x && x->is_int64() && x->get_int64() >= 1000)
          c.window_ms = x->get_int64();
        else
          errs.push_back({at + "window_ms", "must be an integer >= 1000"});
        if (auto* x = o.if_contains("over")) {
          if (x->is_string() && (x->get_string() == "defer" || x->get_string() == "drop"))
            c.drop = x->get_string() == "drop";
          else
            errs.push_back({at + "over", "must be defer or drop"});
        }
        return c;
      });
}

Result<Service::Impl::CapVerdict> Service::Impl::check_caps(store::Tx& tx, const std::string& user,
                                                            const std::string& type, const std::string& channel,
                                                            int64_t now) {
  CapVerdict v;
  if (!options.caps) return v;
  for (const Cap& c : options.caps()) {
    if (c.channel != channel || (c.type != "*" && c.type != type)) continue;
    // Deliveries that went, or will go, out to this user in the window.
    std::string sql =
        "SELECT COUNT(*), MIN(n.created_ms) FROM notify_deliveries d JOIN notifications n ON n.id = "
        "d.notification_id WHERE n.user_id = $1 AND d.channel = $2 AND n.created_ms > $3 AND d.status NOT IN "
        "('suppressed', 'dead')";
    store::Params p{user, channel, now - c.window_ms};
    if (c.type != "*") {
      sql += " AND n.type = $4";
      p.emplace_back(type);
    }
    SB_ASSIGN(auto rows, tx.query(sql, p));
    if (rows[0].int_at(0) < c.max) continue;
    std::string why = "frequency cap: " + std::to_string(c.max) + " " + channel + " per " +
                      std::to_string(c.window_ms / 1000) + " s";
    if (c.drop) return CapVerdict{true, 0, why};
    // A slot frees when the oldest in the window leaves it.
    v.defer_until = std::max(v.defer_until, rows[0].int_at(1) + c.window_ms + 1);
    v.reason = why;
  }
  return v;
}

}  // namespace sb::notify
