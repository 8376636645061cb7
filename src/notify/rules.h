// Event rules: "when an event of this type is appended, send this
// notification" (config notify.rules, settable at runtime):
//
//   notify.rules = [{ on = "user.registered", type = "welcome",
//                     user = "$.data.user_id", channels = ["email"] }]
//
// `user` and `data` are paths into the CloudEvent envelope ("$.data.user_id";
// `data` defaults to "$.data", the template's values). A state change that
// appends transaction.created thus produces its alert with no extra call,
// and nothing is lost between the two: Service::apply_rules moves one
// durable cursor over the log in the same transaction as the notifications
// it sends (each also carries an idempotency key naming the rule and event).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "core/result.h"

namespace sb::notify {

struct Rule {
  std::string on;    // event type pattern: "user.registered", "order.*"
  std::string type;  // notification type
  std::string user = "$.data.user_id";
  std::string data = "$.data";
  std::vector<std::string> channels;  // empty = the type's templates
  bool critical = false;
};

// InvalidArgument naming "/<i>/<field>" for a malformed rule.
Result<std::vector<Rule>> parse_rules(const boost::json::value& v);
// "$" or "$.a.b": the value there, if any.
const boost::json::value* at_path(const boost::json::value& root, std::string_view path);

}  // namespace sb::notify
