#include "core/timefmt.hpp"

#include <charconv>
#include <cstdio>

namespace gog::core {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date, using 400-year eras
// that start on March 1st so that the leap day falls at the end of a year.
std::int64_t days_from_date(std::int64_t y, int m, int d) {
  y -= m <= 2;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  std::int64_t year_of_era = y - era * 400;
  int month_from_march = m > 2 ? m - 3 : m + 9;
  std::int64_t day_of_year = (153 * month_from_march + 2) / 5 + d - 1;
  std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct Date {
  std::int64_t year;
  int month;
  int day;
};

Date date_from_days(std::int64_t days) {
  days += 719468;
  std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  std::int64_t day_of_era = days - era * 146097;
  std::int64_t year_of_era = (day_of_era - day_of_era / 1460 +
                              day_of_era / 36524 - day_of_era / 146096) /
                             365;
  std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int month_from_march = static_cast<int>((5 * day_of_year + 2) / 153);
  int day =
      static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  int month =
      month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
  return {year_of_era + era * 400 + (month <= 2), month, day};
}

bool read_int(std::string_view text, std::size_t pos, std::size_t len,
              int& out) {
  if (pos + len > text.size())
    return false;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (text[i] < '0' || text[i] > '9')
      return false;
  }
  std::from_chars(text.data() + pos, text.data() + pos + len, out);
  return true;
}

bool days_in_month_ok(int year, int month, int day) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) {
    return false;
  }
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

// Digits only: "-5", "+5" and "1e3" are not times a person means.
std::optional<std::int64_t> parse_unix(std::string_view text) {
  if (text.empty() || text.size() > 12 ||
      text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

std::string iso8601(std::int64_t unix_seconds) {
  std::int64_t days = unix_seconds / 86400;
  std::int64_t secs = unix_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    days -= 1;
  }
  Date d = date_from_days(days);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
                static_cast<long long>(d.year), d.month, d.day,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return buf;
}

std::optional<std::int64_t> parse_time(std::string_view text) {
  if (text.empty())
    return std::nullopt;
  if (text.find('-', 1) == std::string_view::npos)
    return parse_unix(text);

  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!read_int(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
      !read_int(text, 5, 2, month) || text[7] != '-' ||
      !read_int(text, 8, 2, day) || !days_in_month_ok(year, month, day)) {
    return std::nullopt;
  }

  std::string_view rest = text.substr(10);
  if (!rest.empty()) {
    if ((rest[0] != 'T' && rest[0] != ' ') || rest.size() < 9 ||
        !read_int(rest, 1, 2, hour) || rest[3] != ':' ||
        !read_int(rest, 4, 2, minute) || rest[6] != ':' ||
        !read_int(rest, 7, 2, second) || hour > 23 || minute > 59 ||
        second > 59) {
      return std::nullopt;
    }
    std::string_view zone = rest.substr(9);
    if (!(zone.empty() || zone == "Z" || zone == "+00:00")) {
      return std::nullopt;
    }
  }
  return days_from_date(year, month, day) * 86400 + hour * 3600 + minute * 60 +
         second;
}

}  // namespace gog::core
