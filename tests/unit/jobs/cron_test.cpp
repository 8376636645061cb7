#include "jobs/cron.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "core/clock.h"

namespace sb::jobs {
namespace {

int64_t at(std::string_view rfc3339) {
  int64_t ms = 0;
  EXPECT_TRUE(parse_rfc3339(rfc3339, ms)) << rfc3339;
  return ms;
}

// The next `n` fire times after `start`, each found from the one before, as
// RFC 3339 UTC strings (an error ends the list with its message).
std::vector<std::string> fires(std::string_view expr, std::string_view start, int n,
                               std::string_view tz = "UTC") {
  auto c = CronExpression::parse(expr);
  if (!c) return {"parse failed: " + c.status().to_string()};
  std::vector<std::string> out;
  int64_t t = at(start);
  for (int i = 0; i < n; ++i) {
    auto next = c->next_after(t, tz);
    if (!next) {
      out.push_back("error: " + next.status().to_string());
      break;
    }
    out.push_back(format_rfc3339(*next));
    t = *next;
  }
  return out;
}

// Expected instants, written with whatever offset reads best (the local wall
// time), in fires()'s form.
std::vector<std::string> utc(std::initializer_list<std::string_view> times) {
  std::vector<std::string> out;
  for (auto t : times) out.push_back(format_rfc3339(at(t)));
  return out;
}

// parse()'s error: always invalid argument on field "cron"; returns its message.
std::string parse_error(std::string_view expr) {
  auto c = CronExpression::parse(expr);
  if (c) return "parsed";
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument) << expr;
  EXPECT_EQ(c.status().fields().size(), 1u) << expr;
  if (c.status().fields().empty()) return c.status().message();
  EXPECT_EQ(c.status().fields()[0].field, "cron") << expr;
  return c.status().fields()[0].message;
}

TEST(CronParse, ErrorsNameTheField) {
  EXPECT_EQ(parse_error("61 * * * *"), "minute field: 61 is out of range 0-59");
  EXPECT_EQ(parse_error("* 24 * * *"), "hour field: 24 is out of range 0-23");
  EXPECT_EQ(parse_error("* * 0 * *"), "day-of-month field: 0 is out of range 1-31");
  EXPECT_EQ(parse_error("* * * 13 *"), "month field: 13 is out of range 1-12");
  EXPECT_EQ(parse_error("* * * * 8"), "day-of-week field: 8 is out of range 0-7");
  EXPECT_EQ(parse_error("99999999999 * * * *"), "minute field: 99999999999 is out of range 0-59");
  EXPECT_EQ(parse_error("* * * FOO *"), "month field: 'FOO' is not a number or a month name (JAN-DEC)");
  EXPECT_EQ(parse_error("* * * * MONDAY"),
            "day-of-week field: 'MONDAY' is not a number or a day name (SUN-SAT)");
  EXPECT_EQ(parse_error("* * MON * *"), "day-of-month field: 'MON' is not a number");
  EXPECT_EQ(parse_error("* 1x * * *"), "hour field: '1x' is not a number");
  EXPECT_EQ(parse_error("* * * * 5-1"), "day-of-week field: range 5-1 is backwards (write low-high)");
  EXPECT_EQ(parse_error("1- * * * *"), "minute field: '1-' is missing a value");
  EXPECT_EQ(parse_error("1,,2 * * * *"), "minute field: empty list item");
  EXPECT_EQ(parse_error("*/0 * * * *"), "minute field: step 0 is out of range 1-59");
  EXPECT_EQ(parse_error("* */24 * * *"), "hour field: step 24 is out of range 1-23");
  EXPECT_EQ(parse_error("*/x * * * *"), "minute field: step 'x' is not a number");
  EXPECT_EQ(parse_error("*/ * * * *"), "minute field: '*/' is missing the step after '/'");
  EXPECT_EQ(parse_error("5/15 * * * *"), "minute field: '5/15': a step needs a range, e.g. 5-59/15 or */15");
}

TEST(CronParse, ErrorsInTheWholeExpression) {
  EXPECT_EQ(parse_error(""), "expected 5 fields (minute hour day-of-month month day-of-week), got 0");
  EXPECT_EQ(parse_error("* * * *"), "expected 5 fields (minute hour day-of-month month day-of-week), got 4");
  EXPECT_EQ(parse_error("0 * * * * 2026"),
            "expected 5 fields (minute hour day-of-month month day-of-week), got 6");
  EXPECT_EQ(parse_error("@often"),
            "unknown nickname '@often' (known: @hourly @daily @midnight @weekly @monthly @yearly @annually)");
  EXPECT_EQ(parse_error("@reboot"), "@reboot is not supported: a queue schedule has no boot to run at");
  EXPECT_EQ(parse_error("@daily 0"), "@daily takes no fields after it");
  EXPECT_EQ(parse_error(std::string(201, '*')), "longer than 200 characters");
  // No Feb 30 or Apr 31 ever; under the OR day rule a weekday still matches.
  EXPECT_EQ(parse_error("0 0 30 2 *"),
            "never fires: no day of the day-of-month field exists in the months of the month field");
  EXPECT_EQ(parse_error("0 0 31 4,6,9,11 *"),
            "never fires: no day of the day-of-month field exists in the months of the month field");
  EXPECT_TRUE(CronExpression::parse("0 0 30 2 MON").ok());
  // The whole message carries the field name too.
  EXPECT_EQ(CronExpression::parse("61 * * * *").status().message(), "cron: minute field: 61 is out of range 0-59");
}

TEST(CronParse, BlanksAroundAndBetweenFieldsAreIgnored) {
  auto c = CronExpression::parse("  0\t0   * * *  ");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->text(), "0\t0   * * *");
}

TEST(CronNext, EveryMinuteIsStrictlyAfterAndOnAWholeMinute) {
  EXPECT_EQ(fires("* * * * *", "2026-06-15T12:00:00Z", 3),
            utc({"2026-06-15T12:01:00Z", "2026-06-15T12:02:00Z", "2026-06-15T12:03:00Z"}));
  EXPECT_EQ(fires("* * * * *", "2026-06-15T11:59:59.999Z", 1), utc({"2026-06-15T12:00:00Z"}));
  EXPECT_EQ(fires("* * * * *", "2026-06-15T12:00:59.999Z", 1), utc({"2026-06-15T12:01:00Z"}));
}

TEST(CronNext, EverySyntaxForm) {
  // */n
  EXPECT_EQ(fires("*/15 * * * *", "2026-01-01T00:07:00Z", 4),
            utc({"2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:00:00Z"}));
  // lists of values and ranges
  EXPECT_EQ(fires("5,10-12 * * * *", "2026-01-01T00:00:00Z", 5),
            utc({"2026-01-01T00:05:00Z", "2026-01-01T00:10:00Z", "2026-01-01T00:11:00Z", "2026-01-01T00:12:00Z",
                 "2026-01-01T01:05:00Z"}));
  // a-b/n
  EXPECT_EQ(fires("10-40/15 * * * *", "2026-01-01T00:00:00Z", 4),
            utc({"2026-01-01T00:10:00Z", "2026-01-01T00:25:00Z", "2026-01-01T00:40:00Z", "2026-01-01T01:10:00Z"}));
  EXPECT_EQ(fires("0 9-17/4 * * *", "2026-01-01T00:00:00Z", 4),
            utc({"2026-01-01T09:00:00Z", "2026-01-01T13:00:00Z", "2026-01-01T17:00:00Z", "2026-01-02T09:00:00Z"}));
  // month names, any case, in lists and stepped ranges
  EXPECT_EQ(fires("0 12 1 jan,Jul *", "2026-01-01T12:00:00Z", 2),
            utc({"2026-07-01T12:00:00Z", "2027-01-01T12:00:00Z"}));
  EXPECT_EQ(fires("30 6 1 JAN-MAR/2 *", "2026-01-01T06:30:00Z", 2),
            utc({"2026-03-01T06:30:00Z", "2027-01-01T06:30:00Z"}));
}

TEST(CronNext, Nicknames) {
  const char* from = "2026-05-15T10:20:00Z";  // a Friday
  EXPECT_EQ(fires("@hourly", from, 1), utc({"2026-05-15T11:00:00Z"}));
  EXPECT_EQ(fires("@daily", from, 1), utc({"2026-05-16T00:00:00Z"}));
  EXPECT_EQ(fires("@midnight", from, 1), utc({"2026-05-16T00:00:00Z"}));
  EXPECT_EQ(fires("@weekly", from, 1), utc({"2026-05-17T00:00:00Z"}));
  EXPECT_EQ(fires("@monthly", from, 1), utc({"2026-06-01T00:00:00Z"}));
  EXPECT_EQ(fires("@yearly", from, 1), utc({"2027-01-01T00:00:00Z"}));
  EXPECT_EQ(fires("@ANNUALLY", from, 1), utc({"2027-01-01T00:00:00Z"}));
}

TEST(CronNext, WeekdayNames) {
  // From Friday 2026-01-02: the weekend is skipped.
  EXPECT_EQ(fires("0 0 * * MON-FRI", "2026-01-02T00:00:00Z", 6),
            utc({"2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z", "2026-01-08T00:00:00Z",
                 "2026-01-09T00:00:00Z", "2026-01-12T00:00:00Z"}));
  EXPECT_EQ(fires("0 0 * * sat,Sun", "2026-01-02T00:00:00Z", 3),
            utc({"2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", "2026-01-10T00:00:00Z"}));
}

TEST(CronNext, SevenIsSundayLikeZero) {
  const auto sundays = utc({"2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"});
  EXPECT_EQ(fires("0 0 * * 0", "2026-01-01T00:00:00Z", 2), sundays);
  EXPECT_EQ(fires("0 0 * * 7", "2026-01-01T00:00:00Z", 2), sundays);
  EXPECT_EQ(fires("0 0 * * SUN", "2026-01-01T00:00:00Z", 2), sundays);
  EXPECT_EQ(fires("0 0 * * 0,7", "2026-01-01T00:00:00Z", 2), sundays);
  EXPECT_EQ(fires("0 0 * * 5-7", "2026-01-01T00:00:00Z", 4),
            utc({"2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", "2026-01-09T00:00:00Z"}));
}

TEST(CronNext, BothDayFieldsRestrictedMatchEither) {
  // Vixie cron: every 13th (Tue 2026-01-13) and every Friday.
  EXPECT_EQ(fires("0 0 13 * FRI", "2026-01-01T00:00:00Z", 5),
            utc({"2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z", "2026-01-16T00:00:00Z",
                 "2026-01-23T00:00:00Z"}));
  // One field restricted: only that one counts.
  EXPECT_EQ(fires("0 0 13 * *", "2026-01-01T00:00:00Z", 2),
            utc({"2026-01-13T00:00:00Z", "2026-02-13T00:00:00Z"}));
  // A field starting with `*` counts as unrestricted even with a step, so
  // both must match: the first 1st/11th/21st/31st that is a Friday.
  EXPECT_EQ(fires("0 0 */10 * FRI", "2026-01-01T00:00:00Z", 1), utc({"2026-05-01T00:00:00Z"}));
}

TEST(CronNext, AcrossMonthAndYearEnds) {
  EXPECT_EQ(fires("0 0 1 * *", "2026-12-31T23:59:30Z", 2),
            utc({"2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"}));
  EXPECT_EQ(fires("59 23 31 12 *", "2026-12-31T23:59:00Z", 1), utc({"2027-12-31T23:59:00Z"}));
  // Months without a 31st are passed over.
  EXPECT_EQ(fires("0 0 31 * *", "2026-01-31T00:00:00Z", 2),
            utc({"2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z"}));
  EXPECT_EQ(fires("0 12 * * *", "2028-02-28T12:00:00Z", 2),
            utc({"2028-02-29T12:00:00Z", "2028-03-01T12:00:00Z"}));
}

TEST(CronNext, February29) {
  EXPECT_EQ(fires("0 0 29 2 *", "2026-03-01T00:00:00Z", 2),
            utc({"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}));
  // 2100 is not a leap year.
  EXPECT_EQ(fires("0 0 29 2 *", "2096-03-01T00:00:00Z", 1), utc({"2104-02-29T00:00:00Z"}));
  // The longest wait there is: Feb 29 that is also a Sunday, 2088 → 2128.
  EXPECT_EQ(fires("0 0 29 2 */7", "2088-03-01T00:00:00Z", 1), utc({"2128-02-29T00:00:00Z"}));
}

TEST(CronTimeZone, BerlinSpringForwardFiresAFixedTimeInTheGapAtItsEnd) {
  // 2026-03-29 02:00 CET jumps to 03:00 CEST: 02:30 does not exist that day.
  EXPECT_EQ(fires("30 2 * * *", "2026-03-27T12:00:00Z", 3, "Europe/Berlin"),
            utc({"2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"}));
  // Two skipped wall times fire once.
  EXPECT_EQ(fires("0,30 2 * * *", "2026-03-29T00:00:00+01:00", 2, "Europe/Berlin"),
            utc({"2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"}));
}

TEST(CronTimeZone, BerlinFallBackFiresATimeThatOccursTwiceOnce) {
  // 2026-10-25 03:00 CEST falls back to 02:00 CET: 02:30 occurs twice.
  EXPECT_EQ(fires("30 2 * * *", "2026-10-24T12:00:00Z", 2, "Europe/Berlin"),
            utc({"2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"}));
  // Asked from between the two occurrences: not again at the second one.
  EXPECT_EQ(fires("30 2 * * *", "2026-10-25T02:29:00+01:00", 1, "Europe/Berlin"),
            utc({"2026-10-26T02:30:00+01:00"}));
}

TEST(CronTimeZone, WildcardTimesFollowRealTimeAcrossDst) {
  // Spring: the gap's wall times do not exist and are not caught up.
  EXPECT_EQ(fires("*/30 * * * *", "2026-03-29T01:00:00+01:00", 3, "Europe/Berlin"),
            utc({"2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00"}));
  EXPECT_EQ(fires("30 * * * *", "2026-03-29T01:00:00+01:00", 2, "Europe/Berlin"),
            utc({"2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00"}));
  // Fall: the repeated hour fires again, so the pace never changes.
  EXPECT_EQ(fires("*/30 * * * *", "2026-10-25T01:30:00+02:00", 5, "Europe/Berlin"),
            utc({"2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00",
                 "2026-10-25T02:30:00+01:00", "2026-10-25T03:00:00+01:00"}));
  EXPECT_EQ(fires("@hourly", "2026-10-25T01:30:00+02:00", 3, "Europe/Berlin"),
            utc({"2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"}));
  // Every minute stays every minute of real time.
  EXPECT_EQ(fires("* * * * *", "2026-03-29T01:58:00+01:00", 3, "Europe/Berlin"),
            utc({"2026-03-29T01:59:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:01:00+02:00"}));
  EXPECT_EQ(fires("* * * * *", "2026-10-25T02:58:00+02:00", 3, "Europe/Berlin"),
            utc({"2026-10-25T02:59:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T02:01:00+01:00"}));
}

TEST(CronTimeZone, NewYork) {
  // Weekdays at 09:00 keep 09:00 local across the DST start on Sunday 2026-03-08.
  EXPECT_EQ(fires("0 9 * * MON-FRI", "2026-03-06T08:00:00-05:00", 3, "America/New_York"),
            utc({"2026-03-06T09:00:00-05:00", "2026-03-09T09:00:00-04:00", "2026-03-10T09:00:00-04:00"}));
  EXPECT_EQ(fires("30 2 * * *", "2026-03-07T12:00:00-05:00", 2, "America/New_York"),
            utc({"2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"}));
  // 2026-11-01 02:00 EDT falls back to 01:00 EST: 01:30 fires at its first occurrence.
  EXPECT_EQ(fires("30 1 * * *", "2026-10-31T12:00:00-04:00", 2, "America/New_York"),
            utc({"2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}));
}

TEST(CronTimeZone, FixedOffsetZones) {
  EXPECT_EQ(fires("0 0 * * *", "2026-06-15T13:45:12.345Z", 2, "UTC"),
            utc({"2026-06-16T00:00:00Z", "2026-06-17T00:00:00Z"}));
  EXPECT_EQ(fires("0 0 * * *", "2026-06-15T13:45:12.345Z", 1, "Etc/UTC"), utc({"2026-06-16T00:00:00Z"}));
  // A quarter-hour offset.
  EXPECT_EQ(fires("0 9 * * *", "2026-01-01T00:00:00Z", 1, "Asia/Kathmandu"), utc({"2026-01-01T09:00:00+05:45"}));
}

TEST(CronTimeZone, UnknownZonesAndTimesAreRefused) {
  EXPECT_TRUE(check_time_zone("UTC"));
  EXPECT_TRUE(check_time_zone("Europe/Berlin"));
  EXPECT_TRUE(check_time_zone("America/New_York"));
  for (const char* bad : {"", "Mars/Olympus", "localtime", "../../etc/passwd", "right/Europe/Berlin"}) {
    Status s = check_time_zone(bad);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
    ASSERT_EQ(s.fields().size(), 1u) << bad;
    EXPECT_EQ(s.fields()[0].field, "tz");
  }
  EXPECT_EQ(check_time_zone("Mars/Olympus").message(),
            "tz: unknown time zone 'Mars/Olympus' (an IANA name such as UTC or Europe/Berlin)");

  auto c = CronExpression::parse("* * * * *");
  ASSERT_TRUE(c.ok());
  auto r = c->next_after(at("2026-01-01T00:00:00Z"), "Mars/Olympus");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().fields()[0].field, "tz");
  r = c->next_after(-1, "UTC");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "time: must be between 1970-01-01 and 9999-12-31");
}

TEST(CronNext, NeverFiresWithinTheCalendarIsAnError) {
  // parse() refuses dates that never exist; what remains is the end of the
  // supported calendar: no Feb 29 between 9997 and 9999.
  auto c = CronExpression::parse("0 0 29 2 *");
  ASSERT_TRUE(c.ok());
  auto r = c->next_after(at("9997-01-01T00:00:00Z"), "UTC");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "cron: never fires (no match within 41 years and before the year 10000)");
  EXPECT_EQ(fires("59 23 31 12 *", "9999-12-31T23:58:00Z", 1), utc({"9999-12-31T23:59:00Z"}));
}

}  // namespace
}  // namespace sb::jobs
