// CronExpression — when a repeatable job fires (jobs::Schedule::cron).
//
// Syntax: the 5 standard fields, minute hour day-of-month month day-of-week,
// separated by blanks. A field is a comma list of items; an item is `*`, a
// value, a range `a-b` (a <= b), or either of `*`/`a-b` with a step `/n`.
// `5/15` is refused: Vixie cron reads it as "5", other crons as "5-59/15",
// so we make the author write what they mean. Months take JAN-DEC, weekdays
// SUN-SAT (any case); weekday 0 and 7 are both Sunday. Nicknames: @hourly,
// @daily = @midnight, @weekly, @monthly, @yearly = @annually (@reboot has no
// meaning for a durable queue and is refused).
//
// Day rule (Vixie cron): when both day fields are restricted, a day matches
// if EITHER matches ("0 0 13 * FRI" = every 13th and every Friday). A field
// counts as unrestricted when it starts with `*`, so "*/2" in one of them
// means AND, exactly as in Vixie cron and cronie. An expression that can
// never match a real date (Feb 30, Apr 31) is refused by parse().
//
// Time zones: the fields are wall-clock time in an IANA zone; zone data is
// the OS tzdb (/usr/share/zoneinfo, package tzdata) read by H. Hinnant's
// date library. Daylight-saving changes follow cronie, which sorts jobs in
// two kinds:
//  - fixed-time (neither minute nor hour starts with `*`, e.g. "30 2 * * *",
//    @daily): a wall time skipped by a spring-forward gap fires at the first
//    instant after the gap (Berlin 2026-03-29 02:30 → 03:00 CEST); a wall
//    time that occurs twice in a fall-back overlap fires once, at its first
//    occurrence. A daily job therefore runs exactly once every day.
//  - wildcard (minute or hour starts with `*`, e.g. "*/15 * * * *",
//    @hourly): evaluated on real time. Each instant fires whose wall time
//    matches, so an interval keeps its pace across both changes: wall times
//    in a gap do not exist and do not fire (the gap is not caught up), and
//    the repeated hour fires again.
// Known limit: the date library does not read the rule footer of TZif files,
// so a zone's last listed transition (2037 in Debian's tzdata) stays in force
// afterwards; fire times after 2037 may be an hour off in DST zones.
//
// Immutable; next_after() is thread-safe (zone data loads once, guarded by
// the library).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sb::jobs {

// OK if `tz` names an IANA zone of the OS tzdb ("UTC", "Europe/Berlin"); else
// Status::invalid("tz", …). "localtime" is refused: it means whatever the
// host is set to, and a schedule is shared by every instance.
Status check_time_zone(std::string_view tz);

class CronExpression {
 public:
  // Errors are Status::invalid("cron", …) naming the field, e.g.
  // "minute field: 61 is out of range 0-59".
  static Result<CronExpression> parse(std::string_view expr);

  // The first fire time strictly after `unix_ms` (Unix epoch ms), as Unix ms
  // on a whole minute of wall time, with the fields read in zone `tz`.
  // Errors: unknown zone (field "tz"), `unix_ms` outside 1970..9999 (field
  // "time"), no fire time within 41 years or before the year 10000 (field
  // "cron"; parse() already refuses dates that never exist), and
  // kUnavailable if the zone's tzdata file cannot be read.
  Result<int64_t> next_after(int64_t unix_ms, std::string_view tz) const;

  // The expression as given (trimmed).
  const std::string& text() const { return text_; }

 private:
  CronExpression() = default;

  bool day_matches(unsigned day_of_month, unsigned weekday) const;
  // First minute of the day >= `from_minute` whose hour and minute match, or -1.
  int first_time_of_day(int from_minute) const;
  // First wall-clock minute in [from, limit) that matches every field, as
  // minutes since 1970-01-01 00:00 wall time (no zone involved).
  std::optional<int64_t> next_wall_minute(int64_t from, int64_t limit) const;

  std::string text_;
  uint64_t minutes_ = 0;   // bit m: minute m (0-59)
  uint32_t hours_ = 0;     // bit h: hour h (0-23)
  uint32_t days_ = 0;      // bit d: day-of-month d (1-31)
  uint32_t months_ = 0;    // bit m: month m (1-12)
  uint32_t weekdays_ = 0;  // bit w: weekday w (0 = Sunday … 6)
  bool dom_star_ = false;  // day fields start with `*` (the Vixie day rule)
  bool dow_star_ = false;
  bool wildcard_time_ = false;  // minute or hour starts with `*` (the DST kind)
};

}  // namespace sb::jobs
