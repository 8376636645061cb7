// events::EventType — a type of event Switchboard's own modules append,
// declared once, next to the code that appends it:
//
//   inline constexpr events::EventType kRoleCreated{kAccessSource, "role.created", "A role was created"};
//   log.append(tx, kRoleCreated.make(clock, role.name, data));
//
// make() is the one way those events are built, so every envelope a webhook
// receiver sees has the same shape: a UUIDv7 id, source
// "/switchboard/<module>", time, datacontenttype "application/json", and a
// JSON object as data. Components list their types (api::Declarations), which
// is what `switchboard` documents. Client events (POST /v1/events) are the
// caller's own and are validated by parse_event instead.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/clock.h"
#include "events/event.h"

namespace sb::events {

struct EventType {
  std::string_view source;  // "/switchboard/identity"
  std::string_view type;    // "user.registered"
  std::string_view description;

  Event make(const Clock& clock, std::string subject, const boost::json::object& data) const;
  // `data_json` is an already serialized JSON object (hot paths build it as text).
  Event make_serialized(const Clock& clock, std::string subject, std::string data_json) const;
};

}  // namespace sb::events
