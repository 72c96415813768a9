// Unix seconds <-> ISO 8601 UTC text, without the C library's time zone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gog::core {

// "2026-12-04T16:11:14Z"
std::string iso8601(std::int64_t unix_seconds);

// Accepts unix seconds ("1767225600", digits only), a date ("2026-12-04", midnight UTC)
// or "YYYY-MM-DDTHH:MM:SSZ" (also with "+00:00", a space for 'T', or no
// zone, read as UTC). Returns nullopt for anything else.
std::optional<std::int64_t> parse_time(std::string_view text);

}  // namespace gog::core
