// The events notify appends (source "/switchboard/notify", subject = the
// notification id). Data holds ids, the channel, the provider and the error,
// never the rendered message or the recipient's address.
#pragma once

#include "events/event_type.h"

namespace sb::notify {

inline constexpr const char* kNotifySource = "/switchboard/notify";

inline constexpr events::EventType kNotificationSent{kNotifySource, "notification.sent",
                                                     "A provider accepted a delivery"};
inline constexpr events::EventType kNotificationDelivered{kNotifySource, "notification.delivered",
                                                          "A delivery reached the user (in-app inbox, or a provider's callback)"};
inline constexpr events::EventType kNotificationBounced{kNotifySource, "notification.bounced",
                                                        "A provider's callback said a sent delivery bounced"};
inline constexpr events::EventType kNotificationFailed{kNotifySource, "notification.failed",
                                                       "A delivery attempt failed; it is retried"};
inline constexpr events::EventType kNotificationDead{kNotifySource, "notification.dead",
                                                     "A delivery failed for good (attempts used, or refused)"};

inline constexpr const events::EventType* kNotifyEventTypes[] = {
    &kNotificationSent, &kNotificationDelivered, &kNotificationFailed, &kNotificationDead,
    &kNotificationBounced};

}  // namespace sb::notify
