#include "jobs/cron.h"

// Built against Debian's libdate-tz, which is compiled with USE_OS_TZDB=1
// (CMakeLists.txt defines it for sb_jobs): zones come from /usr/share/zoneinfo.
#include <date/tz.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <exception>
#include <vector>

namespace sb::jobs {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

// How far ahead of the start the search looks. The longest wait of any
// expression parse() accepts is Feb 29 on one weekday under the AND day rule
// ("0 0 29 2 */7"), which recurs within 40 years (2096 → 2136 skips 2100).
constexpr int64_t kSearchDays = 41 * 366;
constexpr int64_t kMinutesPerDay = 1440;
// 9999-12-31T23:59:59.999Z: keeps the search far from the date library's
// year limit (32767).
constexpr int64_t kMaxUnixMs = 253'402'300'799'999;
constexpr size_t kMaxLength = 200;
// Names longer than any IANA zone are refused before the lookup, and keep
// error messages short.
constexpr size_t kMaxZoneName = 64;

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct FieldSpec {
  const char* name;
  int low;
  int high;                  // highest value written (7 for day-of-week)
  int star_high;             // what `*` spans (day-of-week: 6, as 7 is Sunday again)
  const char* const* names;  // names of low, low+1, …; nullptr if none
  int name_count;
  const char* name_hint;
};

constexpr FieldSpec kFields[5] = {
    {"minute", 0, 59, 59, nullptr, 0, nullptr},
    {"hour", 0, 23, 23, nullptr, 0, nullptr},
    {"day-of-month", 1, 31, 31, nullptr, 0, nullptr},
    {"month", 1, 12, 12, kMonthNames, 12, "a month name (JAN-DEC)"},
    {"day-of-week", 0, 7, 6, kDayNames, 7, "a day name (SUN-SAT)"},
};

struct Nickname {
  const char* name;
  const char* fields;
};
constexpr Nickname kNicknames[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto up = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; };
    if (up(a[i]) != up(b[i])) return false;
  }
  return true;
}

std::vector<std::string_view> split_blanks(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_blank(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && !is_blank(s[j])) ++j;
    if (j > i) parts.push_back(s.substr(i, j - i));
    i = j;
  }
  return parts;
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

Status field_error(const FieldSpec& f, const std::string& detail) {
  return Status::invalid("cron", std::string(f.name) + " field: " + detail);
}

std::string range_text(int lo, int hi) { return std::to_string(lo) + "-" + std::to_string(hi); }

// A number or (month, weekday) a name; `item` is the list item, for messages.
Result<int> parse_value(std::string_view tok, std::string_view item, const FieldSpec& f) {
  if (tok.empty()) return field_error(f, quoted(item) + " is missing a value");
  if (is_digit(tok[0])) {
    int v = 0;
    const auto [end, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (ec == std::errc() && end != tok.data() + tok.size()) {
      return field_error(f, quoted(tok) + " is not a number");
    }
    if (ec != std::errc() || v < f.low || v > f.high) {
      return field_error(f, std::string(tok) + " is out of range " + range_text(f.low, f.high));
    }
    return v;
  }
  for (int i = 0; i < f.name_count; ++i) {
    if (iequals(tok, f.names[i])) return f.low + i;
  }
  std::string msg = quoted(tok) + " is not a number";
  if (f.name_hint) msg += std::string(" or ") + f.name_hint;
  return field_error(f, msg);
}

// One list item: `*`, `v`, `a-b`, `*/n` or `a-b/n`; sets its values in `bits`.
Status add_item(std::string_view item, const FieldSpec& f, uint64_t& bits) {
  if (item.empty()) return field_error(f, "empty list item");
  std::string_view base = item, step_text;
  const size_t slash = item.find('/');
  const bool has_step = slash != std::string_view::npos;
  if (has_step) {
    base = item.substr(0, slash);
    step_text = item.substr(slash + 1);
  }
  int lo = 0, hi = 0;
  if (base == "*") {
    lo = f.low;
    hi = f.star_high;
  } else if (const size_t dash = base.find('-'); dash != std::string_view::npos) {
    SB_ASSIGN(lo, parse_value(base.substr(0, dash), item, f));
    SB_ASSIGN(hi, parse_value(base.substr(dash + 1), item, f));
    if (lo > hi) return field_error(f, "range " + std::string(base) + " is backwards (write low-high)");
  } else {
    SB_ASSIGN(lo, parse_value(base, item, f));
    hi = lo;
    if (has_step) {
      // Vixie cron reads "5/15" as 5, most others as 5-59/15: make it explicit.
      return field_error(f, quoted(item) + ": a step needs a range, e.g. " + std::string(base) + "-" +
                                std::to_string(f.star_high) + "/" + std::string(step_text) + " or */" +
                                std::string(step_text));
    }
  }
  int step = 1;
  if (has_step) {
    if (step_text.empty()) return field_error(f, quoted(item) + " is missing the step after '/'");
    if (!std::all_of(step_text.begin(), step_text.end(), is_digit)) {
      return field_error(f, "step " + quoted(step_text) + " is not a number");
    }
    const auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
    if (ec != std::errc() || step < 1 || step > f.high) {
      return field_error(f, "step " + std::string(step_text) + " is out of range " + range_text(1, f.high));
    }
  }
  for (int v = lo; v <= hi; v += step) bits |= uint64_t{1} << v;
  return {};
}

Result<uint64_t> parse_field(std::string_view text, const FieldSpec& f) {
  uint64_t bits = 0;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    const size_t len = comma == std::string_view::npos ? std::string_view::npos : comma - start;
    SB_TRY(add_item(text.substr(start, len), f, bits));
    if (comma == std::string_view::npos) return bits;
    start = comma + 1;
  }
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t to_unix_ms(date::sys_seconds at) {
  return std::chrono::duration_cast<milliseconds>(at.time_since_epoch()).count();
}

// A wall-clock minute (minutes since 1970-01-01 00:00 wall time), rounded up.
template <typename Duration>
int64_t wall_minute_ceil(date::local_time<Duration> wall) {
  return std::chrono::ceil<minutes>(wall).time_since_epoch().count();
}

Status unknown_zone(std::string_view tz) {
  return Status::invalid("tz", "unknown time zone " + quoted(tz.substr(0, kMaxZoneName)) +
                                   " (an IANA name such as UTC or Europe/Berlin)");
}

Result<const date::time_zone*> find_zone(std::string_view tz) {
  // "localtime" is the host's setting, not a zone every instance agrees on.
  if (tz.empty() || tz.size() > kMaxZoneName || tz == "localtime") return unknown_zone(tz);
  try {
    date::get_tzdb();
  } catch (const std::exception& e) {
    return Status::unavailable(std::string("time zone database unavailable (is tzdata installed?): ") +
                               e.what());
  }
  try {
    return date::locate_zone(tz);
  } catch (const std::exception&) {
    return unknown_zone(tz);
  }
}

Status never_fires() {
  return Status::invalid("cron", "never fires (no match within " + std::to_string(kSearchDays / 366) +
                                     " years and before the year 10000)");
}

}  // namespace

Status check_time_zone(std::string_view tz) { return find_zone(tz).status(); }

Result<CronExpression> CronExpression::parse(std::string_view expr) {
  while (!expr.empty() && is_blank(expr.front())) expr.remove_prefix(1);
  while (!expr.empty() && is_blank(expr.back())) expr.remove_suffix(1);
  if (expr.size() > kMaxLength) {
    return Status::invalid("cron", "longer than " + std::to_string(kMaxLength) + " characters");
  }
  std::vector<std::string_view> parts = split_blanks(expr);
  if (!parts.empty() && parts[0].front() == '@') {
    const Nickname* nick = nullptr;
    for (const Nickname& n : kNicknames) {
      if (iequals(parts[0], n.name)) nick = &n;
    }
    if (!nick) {
      if (iequals(parts[0], "@reboot")) {
        return Status::invalid("cron", "@reboot is not supported: a queue schedule has no boot to run at");
      }
      return Status::invalid("cron", "unknown nickname " + quoted(parts[0]) +
                                         " (known: @hourly @daily @midnight @weekly @monthly @yearly "
                                         "@annually)");
    }
    if (parts.size() > 1) {
      return Status::invalid("cron", std::string(nick->name) + " takes no fields after it");
    }
    parts = split_blanks(nick->fields);
  }
  if (parts.size() != 5) {
    return Status::invalid("cron", "expected 5 fields (minute hour day-of-month month day-of-week), got " +
                                       std::to_string(parts.size()));
  }
  uint64_t bits[5] = {};
  for (size_t i = 0; i < 5; ++i) {
    SB_ASSIGN(bits[i], parse_field(parts[i], kFields[i]));
  }
  CronExpression c;
  c.text_ = std::string(expr);
  c.minutes_ = bits[0];
  c.hours_ = static_cast<uint32_t>(bits[1]);
  c.days_ = static_cast<uint32_t>(bits[2]);
  c.months_ = static_cast<uint32_t>(bits[3]);
  c.weekdays_ = static_cast<uint32_t>((bits[4] | bits[4] >> 7) & 0x7f);  // 7 is Sunday too
  c.dom_star_ = parts[2].front() == '*';
  c.dow_star_ = parts[4].front() == '*';
  c.wildcard_time_ = parts[0].front() == '*' || parts[1].front() == '*';

  // Under the AND day rule (one day field starts with `*`) some listed day of
  // the month must exist in some listed month; every such date falls on every
  // weekday sooner or later. Under the OR rule a weekday always matches.
  if (c.dom_star_ || c.dow_star_) {
    static constexpr int kLongest[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool possible = false;
    for (int m = 1; m <= 12; ++m) {
      const uint64_t days_in_month = ((uint64_t{2} << kLongest[m]) - 1) & ~uint64_t{1};
      if ((c.months_ >> m & 1u) && (c.days_ & days_in_month)) possible = true;
    }
    if (!possible) {
      return Status::invalid("cron", "never fires: no day of the day-of-month field exists in the months of "
                                     "the month field");
    }
  }
  return c;
}

bool CronExpression::day_matches(unsigned day_of_month, unsigned weekday) const {
  const bool dom = (days_ >> day_of_month) & 1u;
  const bool dow = (weekdays_ >> weekday) & 1u;
  return (dom_star_ || dow_star_) ? (dom && dow) : (dom || dow);
}

int CronExpression::first_time_of_day(int from_minute) const {
  for (int h = from_minute / 60; h < 24; ++h) {
    if (!((hours_ >> h) & 1u)) continue;
    const int m0 = h == from_minute / 60 ? from_minute % 60 : 0;
    const uint64_t left = minutes_ & (~uint64_t{0} << m0);
    if (left) return h * 60 + std::countr_zero(left);
  }
  return -1;
}

std::optional<int64_t> CronExpression::next_wall_minute(int64_t from, int64_t limit) const {
  int64_t day = floor_div(from, kMinutesPerDay);
  int from_minute = static_cast<int>(from - day * kMinutesPerDay);
  while (day * kMinutesPerDay < limit) {
    const date::local_days ld{date::days{static_cast<int>(day)}};
    const date::year_month_day ymd{ld};
    if (!((months_ >> static_cast<unsigned>(ymd.month())) & 1u)) {
      // A month outside the month field is skipped whole.
      const date::year_month_day next = ymd.year() / ymd.month() / 1 + date::months{1};
      day = date::local_days{next}.time_since_epoch().count();
      from_minute = 0;
      continue;
    }
    if (day_matches(static_cast<unsigned>(ymd.day()), date::weekday{ld}.c_encoding())) {
      if (const int t = first_time_of_day(from_minute); t >= 0) {
        const int64_t found = day * kMinutesPerDay + t;
        if (found < limit) return found;
        return std::nullopt;
      }
    }
    ++day;
    from_minute = 0;
  }
  return std::nullopt;
}

Result<int64_t> CronExpression::next_after(int64_t unix_ms, std::string_view tz) const {
  SB_ASSIGN(const date::time_zone* zone, find_zone(tz));
  if (unix_ms < 0 || unix_ms > kMaxUnixMs) {
    return Status::invalid("time", "must be between 1970-01-01 and 9999-12-31");
  }
  const date::sys_time<milliseconds> t{milliseconds{unix_ms}};
  try {
    // Candidates are whole wall minutes after t's own wall time: an earlier
    // wall minute never maps to an instant after t (see the DST rules).
    const int64_t from = std::chrono::floor<minutes>(zone->to_local(t)).time_since_epoch().count() + 1;
    // Nor past the calendar's end, the year 9999 in wall time.
    static const int64_t kCalendarEnd =
        date::local_days{date::year{10000} / 1 / 1}.time_since_epoch().count() * kMinutesPerDay;
    const int64_t limit = std::min(from + kSearchDays * kMinutesPerDay, kCalendarEnd);

    if (!wildcard_time_) {
      // Fixed-time kind: walk matching wall times in order; each maps to one
      // instant, and that map never goes backwards, so the first one after t
      // is the answer.
      for (int64_t next = from;;) {
        const std::optional<int64_t> m = next_wall_minute(next, limit);
        if (!m) return never_fires();
        const date::local_seconds wall{minutes{*m}};
        const date::local_info li = zone->get_info(wall);
        // In a gap: the first instant after it. Twice in an overlap: the first.
        const date::sys_seconds at = li.result == date::local_info::nonexistent
                                         ? li.second.begin
                                         : date::sys_seconds{(wall - li.first.offset).time_since_epoch()};
        if (at > t) return to_unix_ms(at);
        next = *m + 1;  // the overlap's second pass: this wall time fired already
      }
    }

    // Wildcard kind: real time. Between two transitions the UTC offset is
    // fixed, so search each such period's wall-clock span in turn.
    date::sys_seconds s = std::chrono::floor<minutes>(t) + minutes{1};
    for (;;) {
      const date::sys_info info = zone->get_info(s);
      const int64_t wall_from = wall_minute_ceil(date::local_seconds{(s + info.offset).time_since_epoch()});
      const int64_t wall_end =
          std::min(limit, wall_minute_ceil(date::local_seconds{(info.end + info.offset).time_since_epoch()}));
      if (const std::optional<int64_t> m = next_wall_minute(wall_from, wall_end)) {
        return to_unix_ms(date::sys_seconds{minutes{*m}} - info.offset);
      }
      if (wall_end >= limit) return never_fires();
      s = info.end;
    }
  } catch (const std::exception& e) {
    // The library reads a zone's file on first use; a damaged tzdata lands here.
    return Status::unavailable("time zone " + quoted(tz) + ": " + e.what());
  }
}

}  // namespace sb::jobs
