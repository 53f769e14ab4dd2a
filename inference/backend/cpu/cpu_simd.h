// Which SIMD path the CPU kernels take: the widest this CPU runs (checked once at run time),
// capped by FLASHCODE_CPU_SIMD=baseline|avx2 when set (to compare the paths, which must agree
// bit for bit, or to rule one out on a misbehaving host). Owned by the CPU backend; thread-safe.
#pragma once

namespace inference {

enum class Simd { kBaseline, kAvx2, kAvx512 };

// AVX-512 means AVX-512 F and BW. Immutable after the first call.
Simd CpuSimd();

}  // namespace inference
