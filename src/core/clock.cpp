#include "core/clock.h"

#include <cstdio>
#include <ctime>
#include <string>

namespace sb {
namespace {
class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  int64_t steady_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  }
};

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
}  // namespace

Clock& Clock::system() {
  static SystemClock clock;
  return clock;
}

std::string format_rfc3339(int64_t unix_ms) {
  // Civil date from days since the epoch (H. Hinnant's algorithm): no
  // gmtime_r/snprintf, since every appended event formats its time.
  int64_t ms = unix_ms % 1000, secs = unix_ms / 1000;
  if (ms < 0) { ms += 1000; --secs; }
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) { rem += 86400; --days; }
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char out[24];
  auto put = [&](int pos, int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) out[pos + i] = static_cast<char>('0' + v % 10);
  };
  put(0, y, 4);
  out[4] = '-';
  put(5, m, 2);
  out[7] = '-';
  put(8, d, 2);
  out[10] = 'T';
  put(11, rem / 3600, 2);
  out[13] = ':';
  put(14, rem / 60 % 60, 2);
  out[16] = ':';
  put(17, rem % 60, 2);
  out[19] = '.';
  put(20, ms, 3);
  out[23] = 'Z';
  return std::string(out, 24);
}

bool parse_rfc3339(std::string_view s, int64_t& unix_ms) {
  int y, mo, d, h, mi, se;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
    return false;
  // A day the month does not have would be normalised by timegm (Feb 30 ->
  // Mar 2): refused instead of silently changed.
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || h > 23 || mi > 59 || se > 60) return false;
  if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) return false;
  size_t p = 19;
  int ms = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    size_t start = p;
    int scale = 100;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      ms += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
    }
    if (p == start) return false;
  }
  int offset_min = 0;
  if (p >= s.size()) return false;
  if (s[p] == 'Z' || s[p] == 'z') {
    ++p;
  } else if (s[p] == '+' || s[p] == '-') {
    int oh, om;
    if (!digits(s, p + 1, 2, oh) || p + 3 >= s.size() || s[p + 3] != ':' || !digits(s, p + 4, 2, om) ||
        oh > 23 || om > 59)
      return false;
    offset_min = (oh * 60 + om) * (s[p] == '-' ? -1 : 1);
    p += 6;
  } else {
    return false;
  }
  if (p != s.size()) return false;
  // Arithmetic rather than timegm, which takes glibc's time-zone lock: the
  // feature-flag evaluator parses a context's currentTime on its hot path.
  int64_t secs = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi - offset_min) * 60 + se;
  unix_ms = secs * 1000 + ms;
  return true;
}

}  // namespace sb
