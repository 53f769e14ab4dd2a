#include "inference/backend/cpu/onednn_bf16_order.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/thread_pool.h"

namespace inference {
namespace {

// Inputs whose two K halves nearly cancel, so the fp32 summation order shows in the bf16
// result. The same generator in Python fed torch 1.13's einsum("bsgd,grd->bsgr") (oneDNN,
// ONEDNN_MAX_CPU_ISA=AVX512_CORE, 2 threads); the expected bits below are its output.
struct Case {
  size_t M, K;
  std::vector<float> x;
  std::vector<uint8_t> codes, scales;
};

Case MakeCase(size_t M, size_t K) {
  const size_t N = 16;
  uint64_t state = 12345;
  auto rnd = [&] {
    state = (state * 1103515245 + 12345) % (uint64_t{1} << 31);
    return static_cast<uint32_t>(state >> 8);
  };
  Case c{M, K, std::vector<float>(M * K), std::vector<uint8_t>(N * K),
         std::vector<uint8_t>(K / 128, 124)};  // scale 2^-3
  for (size_t m = 0; m < M; ++m) {
    for (size_t k = 0; k < K / 2; ++k) {
      const uint32_t r = rnd();
      const uint16_t bits =
          static_cast<uint16_t>(((r & 1) << 15) | ((120 + (r >> 1) % 15) << 7) | ((r >> 5) & 127));
      c.x[m * K + k] = c.x[m * K + k + K / 2] = Bf16BitsToFloat(bits);
    }
  }
  for (size_t n = 0; n < N; ++n) {
    for (size_t k = 0; k < K / 2; ++k) {
      const uint32_t r = rnd();
      uint8_t code = r & 0x7e;
      if (code == 0x7e) code = 0x7c;
      code = static_cast<uint8_t>(code | (((r >> 7) & 1) << 7));
      c.codes[n * K + k] = code;
      c.codes[n * K + k + K / 2] = static_cast<uint8_t>((code ^ 0x80) ^ (((r >> 9) & 15) == 0));
    }
  }
  return c;
}

std::vector<uint16_t> Run(const Case& c, ThreadPool* pool) {
  const size_t N = 16;
  const Fp8Weight w{c.codes.data(), c.scales.data(), N, c.K};
  std::vector<float> y(c.M * N);
  MatmulDequantizedFp8OneDnnOrder(c.x.data(), c.M, c.K, w, 0, N, y.data(), N, pool);
  std::vector<uint16_t> bits;
  for (float v : y) bits.push_back(FloatToBf16Bits(v));
  return bits;
}

}  // namespace

TEST_CASE("bf16 products in oneDNN's multi-row order equal torch's einsum bit for bit") {
  ThreadPool pool(2);
  const Case halves = MakeCase(3, 1024);  // two K halves of 512, the decode-step kernel (M <= 4)
  const std::vector<uint16_t> want_halves = {
      0xc3af, 0xc2f2, 0xc284, 0x433f, 0xbf78, 0x439a, 0xc2b0, 0xc03a, 0xc19c, 0x41c7,
      0x42a3, 0x4414, 0xc3fc, 0x3e60, 0xc4c9, 0xc329, 0x4167, 0xc3c4, 0x43a5, 0xc1ab,
      0x3fad, 0x43a3, 0xc2d3, 0xc25d, 0xc460, 0xc40e, 0x432c, 0xc377, 0xc445, 0x440b,
      0xc42b, 0x431c, 0x41b2, 0xc2e6, 0x4356, 0x4132, 0xc016, 0x43a9, 0x42f3, 0xc227,
      0x42bc, 0xc349, 0x413e, 0x4228, 0x4394, 0xc3cc, 0xc458, 0xc342};
  const Case single = MakeCase(9, 256);  // one K block, the lane kernel
  const std::vector<uint16_t> want_single = {
      0x41af, 0x405e, 0x40fa, 0xc343, 0xc31e, 0x410d, 0x3d20, 0xc0a6, 0x3f88, 0x4299, 0xbeb1,
      0xc2b0, 0x41a6, 0xc005, 0x4162, 0xc215, 0xbd02, 0x405f, 0x4136, 0x42eb, 0x41c0, 0x41ae,
      0xbf12, 0xc34c, 0xc179, 0xc1f9, 0xc14c, 0xc257, 0x4064, 0x4014, 0xc3b3, 0xc2fc, 0xc371,
      0x406b, 0xc034, 0xc0c4, 0x4329, 0xc333, 0xbe52, 0x4065, 0xc420, 0xc2df, 0x3e03, 0x4337,
      0x416f, 0x40a0, 0xc2e2, 0x3f94, 0xc049, 0x418b, 0x4100, 0xc0e5, 0xc28e, 0xc2fb, 0x3e41,
      0x4329, 0x434c, 0x432f, 0x4131, 0xc339, 0x3f15, 0x423c, 0x4157, 0x425a, 0x412b, 0xc26b,
      0xc335, 0x4065, 0xc184, 0xbf08, 0x401f, 0xc35b, 0x4162, 0x41aa, 0xc15b, 0x4229, 0x3ff0,
      0xc1ac, 0x42b4, 0xc036, 0x4364, 0x412f, 0x402c, 0x4221, 0x402f, 0x4152, 0xbf7a, 0xbee7,
      0xc146, 0x41ae, 0xbecd, 0xc1ba, 0x403d, 0xc035, 0xc349, 0xc17f, 0xbf20, 0x4415, 0xbdbb,
      0xbf49, 0x4295, 0x4100, 0xc134, 0x41d4, 0xc2fc, 0xc324, 0x3fc5, 0x4225, 0x3fc3, 0xc0ac,
      0xc2e6, 0x41c7, 0xc05d, 0xbe3d, 0xc279, 0xc35c, 0xc3d7, 0xc17a, 0x3e1e, 0x4282, 0x4382,
      0xc28c, 0x4082, 0xc249, 0x3caa, 0x4220, 0x4391, 0x430a, 0x3f03, 0xc249, 0xbbdb, 0x42d6,
      0xc3de, 0x426a, 0x3fa7, 0xbea9, 0x4145, 0x424a, 0xbc8f, 0xc253, 0x3c79, 0xc143, 0xc27a,
      0xc242};
  CHECK(Run(halves, nullptr) == want_halves);
  CHECK(Run(halves, &pool) == want_halves);
  CHECK(Run(single, nullptr) == want_single);
  CHECK(Run(single, &pool) == want_single);
  CHECK(OneDnnBf16KBlock(1024) == 512);
  CHECK(OneDnnBf16KBlock(256) == 256);

  // The plain sequential sum differs on these inputs: the test does discriminate the order.
  std::vector<float> y(3 * 16);
  const Fp8Weight w{halves.codes.data(), halves.scales.data(), 16, 1024};
  MatmulDequantizedFp8F32(halves.x.data(), 3, 1024, w, 0, 16, y.data(), 16, nullptr);
  size_t differ = 0;
  for (size_t i = 0; i < y.size(); ++i) differ += FloatToBf16Bits(y[i]) != want_halves[i];
  CHECK(differ > 0);
}

}  // namespace inference
