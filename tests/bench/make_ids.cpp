// Prints COUNT tracking ids, one a line, for the benchmark's wrk script:
// valid ids sealed with the environment's keys (as gog-serve reads them),
// or with --invalid, ids of the same shape that no key opens. A benchmark
// helper, not part of the product.
#include <iostream>
#include <string>

#include "common/crypto.hpp"
#include "common/tracking_keys.hpp"

namespace {

std::string invalid_id() {
  auto bytes = gog::random_bytes(80);
  bytes[0] = 1;  // names key 1, so the tracker really tries to open it
  return gog::core::base64_encode(bytes, gog::core::Alphabet::kUrl, false);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench-make_ids COUNT [--invalid]\n";
    return 2;
  }
  long count = std::stol(argv[1]);
  bool invalid = argc > 2 && std::string(argv[2]) == "--invalid";
  auto keys = gog::load_keys(gog::environment_lookup());
  std::int64_t sent_at = 1767225600;

  for (long i = 0; i < count; ++i) {
    if (invalid) {
      std::cout << invalid_id() << "\n";
      continue;
    }
    gog::core::Payload p{"reader" + std::to_string(i) + "@example.com",
                         "a1b2c3", sent_at};
    std::cout << gog::seal_id(keys, p) << "\n";
  }
  return std::cout.good() ? 0 : 1;
}
