#include "identity/identity_events.h"

#include <boost/json/serialize.hpp>

#include "core/ids.h"

namespace sb::identity {

events::Event identity_event(const Clock& clock, std::string type, std::string subject,
                             boost::json::object data) {
  events::Event e;
  e.id = new_uuid_v7(clock);
  e.source = kIdentitySource;
  e.type = std::move(type);
  e.subject = std::move(subject);
  e.time_ms = clock.now_ms();
  e.datacontenttype = "application/json";
  e.data_json = boost::json::serialize(data);
  return e;
}

}  // namespace sb::identity
