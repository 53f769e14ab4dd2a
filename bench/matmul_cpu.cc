// matmul_cpu: weight-read throughput of the CPU matrix products a decode step runs (one
// activation row), per stored format, against the memory bandwidth measured in the same run.
//
//   matmul_cpu [--threads N] [--runs R] [--rows M] [--cold-mib C] [--json FILE]
//
// For each format (FP8 e4m3 with 128x128 scales, MXFP4, bf16) and each of 1 and N threads:
//   hot   one 1024x1024 weight (at most 2 MiB) multiplied again and again: it stays in the
//         caches, so this is what the kernel computes per second;
//   cold  products over a set of such weights whose bytes total C MiB (default 2048, larger than
//         the last-level cache), in turn: what the kernel reaches when the bytes come from memory.
// Figures are GB of weight bytes per second (medians of R passes), and cold as a fraction of the
// read bandwidth measured in the same run (bench/memory_bandwidth.h). Inputs are random; results
// are not checked here (matmul_test does that).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <new>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "bench/memory_bandwidth.h"
#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/thread_pool.h"

namespace {

using inference::ThreadPool;
using Json = nlohmann::ordered_json;

struct Args {
  size_t threads = ThreadPool::DefaultSize();
  int runs = 5;
  size_t rows = 1;
  size_t cold_mib = 2048;
  std::string json;
};

bool ParseArgs(int argc, char** argv, Args& a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i], v = argv[i + 1];
    if (arg == "--threads") {
      a.threads = std::max(1, std::atoi(v.c_str()));
    } else if (arg == "--runs") {
      a.runs = std::max(1, std::atoi(v.c_str()));
    } else if (arg == "--rows") {
      a.rows = std::clamp(std::atoi(v.c_str()), 1, 64);
    } else if (arg == "--cold-mib") {
      a.cold_mib = std::max(64, std::atoi(v.c_str()));
    } else if (arg == "--json") {
      a.json = v;
    } else {
      return false;
    }
  }
  return argc % 2 == 1;
}

constexpr size_t kOut = 1024, kIn = 1024;

// On huge pages, as the model's weights are.
using WeightBytes = std::vector<uint8_t, bench::HugePageAllocator<uint8_t>>;
// Scale bytes are drawn from [kScaleLow, kScaleLow + kScaleSpan): near 1.
constexpr uint8_t kScaleLow = 120, kScaleSpan = 8;

// One format's weights: `count` matrices of kOut x kIn in one allocation, random bytes (FP8
// codes avoid NaN; scales stay near 1 so the products are ordinary numbers), each rewritten in
// the interleaved layout the model's weights use (interleaved_weight.h).
struct Format {
  std::string name;
  size_t bytes_per_matrix;
  std::function<void(const uint8_t* data, const uint8_t* scale, const float* x, size_t M, float* y,
                     ThreadPool* pool)>
      product;
  size_t scale_bytes;
};

// Rewrites one matrix's bytes (and MXFP4 scales) in place in the interleaved order.
template <typename Weight>
void InterleaveInPlace(const Weight& plain, uint8_t* data, size_t data_bytes, uint8_t* scale,
                       size_t scale_bytes) {
  const auto copy = inference::Interleaved(plain);
  if (!copy.view.interleaved) throw std::runtime_error("matmul_cpu: weight not interleaved");
  std::memcpy(data, copy.view.data, data_bytes);
  if constexpr (std::is_same_v<Weight, inference::Fp4Weight>)
    std::memcpy(scale, copy.view.scale, scale_bytes);
}

std::vector<Format> Formats() {
  using inference::Bf16Weight, inference::Fp4Weight, inference::Fp8Weight;
  return {
      {"fp8", kOut * kIn,
       [](const uint8_t* d, const uint8_t* s, const float* x, size_t M, float* y, ThreadPool* p) {
         inference::MatmulFp8(x, M, Fp8Weight{d, s, kOut, kIn, true}, y, p);
       },
       (kOut / 128) * (kIn / 128)},
      {"fp4", kOut * kIn / 2,
       [](const uint8_t* d, const uint8_t* s, const float* x, size_t M, float* y, ThreadPool* p) {
         Fp4Weight w{d, s, kOut, kIn, true};
         w.scale_min = kScaleLow;  // the bounds Interleave records (see the scales below)
         w.scale_max = kScaleLow + kScaleSpan - 1;
         inference::MatmulFp4(x, M, w, y, p);
       },
       kOut * kIn / 32},
      {"bf16", kOut * kIn * 2,
       [](const uint8_t* d, const uint8_t*, const float* x, size_t M, float* y, ThreadPool* p) {
         inference::MatmulBf16WeightF32(x, M, Bf16Weight{d, kOut, kIn, true}, y, p);
       },
       0},
  };
}

// Rewrites matrix m of format f in the interleaved order.
void Interleave(const Format& f, size_t m, WeightBytes& data, WeightBytes& scale) {
  uint8_t* d = data.data() + m * f.bytes_per_matrix;
  uint8_t* s = scale.data() + m * f.scale_bytes;
  if (f.name == "fp8") {
    InterleaveInPlace(inference::Fp8Weight{d, s, kOut, kIn}, d, f.bytes_per_matrix, s, 0);
  } else if (f.name == "fp4") {
    InterleaveInPlace(inference::Fp4Weight{d, s, kOut, kIn}, d, f.bytes_per_matrix, s,
                      f.scale_bytes);
  } else {
    InterleaveInPlace(inference::Bf16Weight{d, kOut, kIn}, d, f.bytes_per_matrix, s, 0);
  }
}

double Seconds(const std::function<void()>& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// GB/s of weight bytes: median over `runs` passes of `matrices` products (matrix i % count).
double Rate(const Format& f, const WeightBytes& data, const WeightBytes& scale, size_t count,
            size_t matrices, const std::vector<float>& x, size_t M, std::vector<float>& y,
            ThreadPool* pool, int runs) {
  std::vector<double> rates;
  for (int r = 0; r <= runs; ++r) {  // pass 0 warms up
    const double s = Seconds([&] {
      for (size_t i = 0; i < matrices; ++i) {
        const size_t m = i % count;
        f.product(data.data() + m * f.bytes_per_matrix, scale.data() + m * f.scale_bytes, x.data(),
                  M, y.data(), pool);
      }
    });
    const size_t bytes = matrices * (f.bytes_per_matrix + f.scale_bytes);  // scales are read too
    if (r > 0) rates.push_back(static_cast<double>(bytes) / s / 1e9);
  }
  return bench::Median(rates);
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!ParseArgs(argc, argv, a)) {
    std::fprintf(stderr,
                 "usage: matmul_cpu [--threads N] [--runs R] [--rows M] [--cold-mib C] "
                 "[--json FILE]\n");
    return 2;
  }
  ThreadPool single(1), all(a.threads);
  const double bw_1 = bench::MeasureReadBandwidth(single, 1024, a.runs);
  const double bw_n = bench::MeasureReadBandwidth(all, 1024, a.runs);
  std::printf("matmul_cpu: %zu activation row(s), lane kernels %s, %zu threads\n", a.rows,
              inference::MatmulSimdPath(), a.threads);
  std::printf("memory read bandwidth: %.2f GB/s (1 thread), %.2f GB/s (%zu threads)\n\n", bw_1,
              bw_n, a.threads);
  std::printf("%-5s %7s | %9s %9s %7s\n", "fmt", "threads", "hot GB/s", "cold GB/s", "cold %");

  std::mt19937 rng(7);
  std::vector<float> x(a.rows * kIn), y(a.rows * kOut);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& v : x) v = normal(rng);
  Json report{{"rows", a.rows},
              {"simd", inference::MatmulSimdPath()},
              {"bandwidth_gb_s", {{"1", bw_1}, {std::to_string(a.threads), bw_n}}},
              {"formats", Json::array()}};
  for (const Format& f : Formats()) {
    const size_t count = std::max<size_t>(1, (a.cold_mib << 20) / f.bytes_per_matrix);
    WeightBytes data(count * f.bytes_per_matrix), scale(count * f.scale_bytes);
    for (size_t i = 0; i < data.size(); ++i) {
      uint8_t b = static_cast<uint8_t>(rng());
      if (f.name == "fp8" && (b & 0x7f) == 0x7f) b ^= 1;        // no NaN codes
      if (f.name == "bf16") b = i % 2 ? (b & 0x3f) | 0x3c : b;  // |w| in [2^-7, 2)-ish
      data[i] = b;
    }
    for (uint8_t& s : scale) s = static_cast<uint8_t>(kScaleLow + rng() % kScaleSpan);
    for (size_t m = 0; m < count; ++m) Interleave(f, m, data, scale);
    for (ThreadPool* pool : {&single, &all}) {
      if (pool == &all && a.threads == 1) break;
      const double hot = Rate(f, data, scale, 1, 64, x, a.rows, y, pool, a.runs);
      const double cold = Rate(f, data, scale, count, count, x, a.rows, y, pool, a.runs);
      const double bw = pool == &single ? bw_1 : bw_n;
      std::printf("%-5s %7zu | %9.2f %9.2f %6.1f%%\n", f.name.c_str(), pool->size(), hot, cold,
                  100 * cold / bw);
      report["formats"].push_back({{"format", f.name},
                                   {"threads", pool->size()},
                                   {"hot_gb_s", hot},
                                   {"cold_gb_s", cold},
                                   {"cold_fraction_of_bandwidth", cold / bw}});
    }
  }
  if (!a.json.empty()) std::ofstream(a.json) << report.dump(2) << "\n";
  return 0;
}
