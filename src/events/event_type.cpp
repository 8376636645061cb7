#include "events/event_type.h"

#include <boost/json/serialize.hpp>

#include "core/ids.h"

namespace sb::events {

Event EventType::make_serialized(const Clock& clock, std::string subject, std::string data_json) const {
  Event e;
  e.id = new_uuid_v7(clock);
  e.source = source;
  e.type = type;
  e.subject = std::move(subject);
  e.time_ms = clock.now_ms();
  e.datacontenttype = "application/json";
  e.data_json = std::move(data_json);
  return e;
}

Event EventType::make(const Clock& clock, std::string subject, const boost::json::object& data) const {
  return make_serialized(clock, std::move(subject), boost::json::serialize(data));
}

}  // namespace sb::events
