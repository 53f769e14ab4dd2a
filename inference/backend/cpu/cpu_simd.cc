#include "inference/backend/cpu/cpu_simd.h"

#include <cstdlib>
#include <string>

namespace inference {
namespace {

Simd DetectSimd() {
  const char* cap = std::getenv("FLASHCODE_CPU_SIMD");
  const std::string limit = cap ? cap : "";
  if (limit == "baseline") return Simd::kBaseline;
  // The AVX-512 kernels also use FMA and F16C (every AVX-512 CPU has them; checked all the same).
  if (limit != "avx2" && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
    return Simd::kAvx512;
  if (__builtin_cpu_supports("avx2")) return Simd::kAvx2;
  return Simd::kBaseline;
}

}  // namespace

Simd CpuSimd() {
  // The CPU does not change while the process runs.
  static const Simd simd = DetectSimd();
  return simd;
}

}  // namespace inference
