// The events identity appends (source "/switchboard/identity", subject = the
// user id), internal to identity/. Payloads hold ids, reasons and methods;
// never a password, code, token, hash or secret.
#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "core/clock.h"
#include "events/event.h"

namespace sb::identity {

inline constexpr const char* kIdentitySource = "/switchboard/identity";

events::Event identity_event(const Clock& clock, std::string type, std::string subject,
                             boost::json::object data);

}  // namespace sb::identity
