// The numbers that decide what is stored: one place, read by the native
// tracker, the Worker (through WebAssembly) and the reports.
#pragma once

#include <cstdint>

namespace gog::core {

constexpr std::int64_t kDedupeWindowSeconds = 3600;
constexpr std::int64_t kIpCapWindowSeconds = 3600;
constexpr int kIpCapOpens = 100;
constexpr std::int64_t kRetentionDays = 90;
constexpr std::int64_t kRetentionSeconds = kRetentionDays * 86400;
// An open this soon after sending (or before it) is a machine's.
constexpr std::int64_t kTooFastSeconds = 10;
constexpr int kOpensDefaultLimit = 100;
constexpr int kOpensMaxLimit = 500;
// Requests with a longer target or headers are refused by the servers.
constexpr std::size_t kMaxRequestTargetBytes = 4096;
constexpr std::size_t kMaxUserAgentBytes = 512;

}  // namespace gog::core
