// Digests (notify.digests, docs/notifications.md): a notification type may
// batch its non-critical deliveries on some channels into one message per
// window, per user. A delivery of such a type x channel gets status
// `digested` and joins the digest of the window it falls in; the digest is a
// job on the queue "notify.digest" whose dedup key names (user, type,
// channel, window end) and whose run_at is that end, so it is durable with
// the send and one digest per window exists whichever instance sends. When
// the job runs it renders the template `<type>.digest` once with every
// delivery it carries and moves each of them to sent (or retrying, dead,
// suppressed) together (notify/digest.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "core/result.h"

namespace sb::notify {

inline constexpr const char* kDigestQueue = "notify.digest";
// The template a digest of `type` is rendered from.
inline std::string digest_template_type(const std::string& type) { return type + ".digest"; }

// One entry of notify.digests: exactly one of `window_ms` (fixed windows
// counted from the Unix epoch, so "1h" closes on the hour in UTC) and
// `daily_minute` (once a day at that local time in the user's time zone).
struct Digest {
  std::string type;
  std::vector<std::string> channels;
  int64_t window_ms = 0;
  int daily_minute = -1;  // minutes after local midnight; -1 = fixed windows
};

// The value of notify.digests: [{type, channels, window = "1h"} | {type,
// channels, daily_at = "09:00"}]. InvalidArgument naming "/<i>/<field>"; a
// type x channel named twice is refused (which digest would it join?).
Result<std::vector<Digest>> parse_digests(const boost::json::value& v);

// When the digest a delivery made at `now_ms` joins is sent: the end of the
// fixed window `now_ms` falls in, or the next `daily_at` strictly after it in
// `time_zone` (the cron rules of jobs/cron.h across daylight-saving changes:
// a time skipped by a spring-forward gap fires right after the gap, a
// repeated one fires once, at its first occurrence).
Result<int64_t> digest_due(const Digest& d, int64_t now_ms, const std::string& time_zone);

}  // namespace sb::notify
