// Random stored bytes for the CPU kernels' tests: weight codes and scale bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace inference {

// n bytes drawn uniformly from [low, low + span).
inline std::vector<uint8_t> RandomBytes(size_t n, std::mt19937& rng, unsigned low = 0,
                                        unsigned span = 256) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(low + rng() % span);
  return v;
}

// n e4m3 codes: every code but the NaNs (0x7f, 0xff), which interleaved weights never hold.
inline std::vector<uint8_t> RandomE4m3Codes(size_t n, std::mt19937& rng) {
  std::vector<uint8_t> v = RandomBytes(n, rng);
  for (auto& b : v) {
    if ((b & 0x7f) == 0x7f) b ^= 1;
  }
  return v;
}

}  // namespace inference
