#include "inference/backend/cpu/torch_math.h"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "inference/backend/cpu/torch_math_avx2.h"

namespace inference {
namespace {

// {x, torch.exp(x)} as IEEE bits, from PyTorch 1.13's CPU kernel (the reference's build).
constexpr uint32_t kExpVectors[][2] = {
    {0x00000000, 0x3f800000}, {0xb22bcc77, 0x3f800000}, {0x322bcc77, 0x3f800000},
    {0xbf000000, 0x3f1b4598}, {0x3f000000, 0x3fd3094c}, {0xc2af0000, 0x006cb2bc},
    {0xc2c80000, 0x0000001b}, {0xc2cfcccd, 0x00000001}, {0x42b00000, 0x7ef882b7},
    {0x41a00000, 0x4de75844}, {0xc1a00000, 0x310da433}, {0x3f800000, 0x402df854},
    {0xbf800000, 0x3ebc5ab2}, {0xbe02f9b0, 0x3f614384}, {0xc04ab174, 0x3d2c8cb9},
    {0xc1093453, 0x3945e1b4}, {0xbf4f035a, 0x3ee41381}, {0xc1625ff9, 0x35406c00},
    {0xbfe6d8b8, 0x3e28ad34}, {0xc1b93f70, 0x2ec1123a}, {0xc1b27ce4, 0x2f60bb37},
    {0xc18ea93d, 0x329aa8a4}, {0xc1d515ea, 0x2c3e639f}, {0xc1587ebb, 0x35b266a8},
    {0xc1bfe0b4, 0x2e2896c3}, {0xc08fd8e6, 0x3c36e172}, {0xc140b47d, 0x36c54739},
    {0xbfd00a16, 0x3e499354}, {0xc15c83b7, 0x358ac516}, {0xc0a894be, 0x3ba8db54},
    {0xc1e3cdcc, 0x2af1f2d4}, {0xc1cb5b42, 0x2d209996}, {0xc1d1f72b, 0x2c8c9a33},
    {0xc19b9831, 0x3175ab57}, {0xc0ce2add, 0x3ad0ac5c}, {0xc1e3d54d, 0x2af1104c},
    {0xbeb9fd48, 0x3f320614}, {0xc0ada462, 0x3b9027c4}, {0xc0b434e2, 0x3b6ad6be},
    {0xc10c8478, 0x3920def8}, {0xc18fed7c, 0x3284033d}, {0xc068cf65, 0x3cd7903a},
    {0xc05c686f, 0x3d02d441}, {0xc0fa71c8, 0x39d1396f}, {0xc1c13dc3, 0x2e0e2b8e},
    {0xc085c9a1, 0x3c7a6f3f}, {0xbfc5f58f, 0x3e5a1777}, {0xbfffeb7d, 0x3e0aab8c},
    {0xc0f3cc92, 0x3a00c1ce}, {0xc130f0c1, 0x37841b3a}, {0xbe04d8c0, 0x3f60da39},
    {0xc0ff451c, 0x39b3f008}, {0xc1749df6, 0x347620b5}, {0xc065b180, 0x3ce25231},
    {0x40456016, 0x41aec358}, {0x3e5cd974, 0x3f9ecf28}, {0xbf0dad7f, 0x3f133191},
    {0x3f1be9d9, 0x3feb5935}, {0xbf1cff27, 0x3f0aa4da}, {0xbf9e42ce, 0x3e94b271},
    {0x4003f9e0, 0x40fb9afd}, {0xbe6705a8, 0x3f4c4bc7}, {0xbfa28c03, 0x3e8fccec},
    {0x3fa1ed86, 0x4062c595}, {0xbf45df15, 0x3eec5e2e}, {0xc0bb97ca, 0x3b3a6f0a},
    {0xc06a8dae, 0x3cd1c558}, {0xbf7dc2e1, 0x3ebe0239}, {0xbfa2ee8b, 0x3e8f5e65},
    {0x3fc4c94d, 0x4094e0d8}, {0xbd73dc41, 0x3f71341c}, {0xc05758a5, 0x3d0d98ae},
    {0xbfbbcd42, 0x3e6c1a80}};

// {x, F.softplus(x)} as IEEE bits, same build.
constexpr uint32_t kSoftplusVectors[][2] = {
    {0x406bd177, 0x406d67b8}, {0x3f84d5ca, 0x3faba66d}, {0xc05b203d, 0x3d0358fa},
    {0xc059c6cc, 0x3d0619da}, {0x40813e2b, 0x4081cd3d}, {0xbf0987d5, 0x3eeb9d3a},
    {0xbe85dacf, 0x3f1229b7}, {0xc037fd2d, 0x3d60d5ca}, {0x3f4812c6, 0x3f944661},
    {0xbd1b6247, 0x3f2ca2cf}, {0xc02d24dc, 0x3d84848d}, {0xbfbb16e0, 0x3e5586f1},
    {0x3ffce879, 0x4006c382}, {0xbf56bca3, 0x3eb7ec9e}, {0xbf95bbbc, 0x3e8a6c2c},
    {0xbfc8471d, 0x3e427b49}, {0x40b1e947, 0x40b208c1}, {0x401c6b53, 0x4021bf38},
    {0xbf2c4317, 0x3ed313c7}, {0xbff70e2f, 0x3e0ac571}, {0xbe84c64b, 0x3f1265e4},
    {0xbf9a0d50, 0x3e8661f7}, {0x3e947a81, 0x3f593f41}, {0xbe996c4b, 0x3f0df3de},
    {0xbf5ff2af, 0x3eb26f2a}, {0x3fc77bdd, 0x3fdfee86}, {0xbdeef55c, 0x3f22f239},
    {0xc081f3a2, 0x3c8bf62d}, {0x403dd0ba, 0x404107be}, {0x3f7cf28f, 0x3fa6fbc7},
    {0x3eff3335, 0x3f791d64}, {0x405f9eba, 0x40618904}, {0xbf05f965, 0x3eee3fc6},
    {0xbfbb7dd3, 0x3e54ec20}, {0x40595997, 0x405b7586}, {0xbeb77730, 0x3f07aa94},
    {0x407626d4, 0x40778125}, {0x3f136e28, 0x3f82d0b3}, {0x3fefd1e5, 0x40010d9a},
    {0xc099ccf7, 0x3c0572cc}, {0xbe97716b, 0x3f0e5fdc}, {0x3fe58e67, 0x3ff941e6},
    {0x3f8c5293, 0x3fb1388c}, {0xc051cea4, 0x3d178ef3}, {0x3f7a17b1, 0x3fa5f1e3},
    {0x3f1faaee, 0x3f86c3f7}, {0x3fb3ff05, 0x3fd00d70}, {0x3bb28301, 0x3f3224da},
    {0xbf84a322, 0x3e9b7793}, {0x40481960, 0x404ad8ce}, {0x401e2d52, 0x40235db9},
    {0x403f83ed, 0x4042a5e3}, {0xbf83b550, 0x3e9c715d}, {0x3f9f267c, 0x3fbf9643},
    {0xbfa575dd, 0x3e78683b}, {0x3fe8b019, 0x3ffbf26c}, {0x3f10fa7d, 0x3f820827},
    {0xc03fc2b2, 0x3d47bdf0}, {0xbf1e465d, 0x3edcb348}, {0xbf9aa638, 0x3e85d507},
    {0x00000000, 0x3f317218}, {0x419f3333, 0x419f3333}, {0x41c80000, 0x41c80000},
    {0xc1f00000, 0x29d2b706}, {0xc2b40000, 0x0008ec28}, {0x40600000, 0x4061e76e},
    {0xba83126f, 0x3f315155}

};

}  // namespace

TEST_CASE("TorchExp reproduces torch's fp32 exp bit for bit") {
  for (const auto& v : kExpVectors) {
    const float x = std::bit_cast<float>(v[0]);
    CHECK_MESSAGE(std::bit_cast<uint32_t>(TorchExp(x)) == v[1], "x = " << x);
  }
  CHECK(TorchExp(-std::numeric_limits<float>::infinity()) == 0.0f);
  CHECK(TorchExp(-200.0f) == 0.0f);
  CHECK(std::isinf(TorchExp(101.0f)));
  CHECK(std::isnan(TorchExp(std::numeric_limits<float>::quiet_NaN())));
  CHECK(TorchSigmoid(0.0f) == 0.5f);
}

namespace {

// Every 4099th float bit pattern (both signs: NaNs, infinities, subnormals, the cut-offs'
// neighbourhoods), the torch vectors, values around -104, -87 (subnormal results) and 100,
// arguments whose d / ln2 is a rounding tie (nearbyint rounds those to even), and random values
// of every magnitude from 2^-30 to 2^7 (seed printed).
std::vector<float> ExpInputs() {
  std::vector<float> x;
  for (uint64_t bits = 0; bits <= 0xffffffffu; bits += 4099)
    x.push_back(std::bit_cast<float>(uint32_t(bits)));
  for (const auto& v : kExpVectors) x.push_back(std::bit_cast<float>(v[0]));
  for (float edge : {-104.0f, -87.0f, 100.0f, 88.0f, 0.0f}) {
    float below = edge, above = edge;
    for (int i = 0; i < 50; ++i) {
      x.push_back(below = std::nextafter(below, -1e9f));
      x.push_back(above = std::nextafter(above, 1e9f));
    }
    x.push_back(edge);
  }
  constexpr float kRLn2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
  for (int k = -151; k <= 145; ++k) {
    const float tie = static_cast<float>(k) + 0.5f;
    float d = tie * 0.693147180559945309f;
    for (int i = 0; i < 64; ++i, d = std::nextafter(d, 1e9f)) {
      if (d * kRLn2 == tie) x.push_back(d);
    }
  }
  const unsigned seed = 41;
  MESSAGE("random exp arguments, seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> mantissa(1.0f, 2.0f);
  std::uniform_int_distribution<int> exponent(-30, 6);
  for (int i = 0; i < 20000; ++i) {
    const float m = mantissa(rng) * ((rng() & 1) ? -1.0f : 1.0f);
    x.push_back(std::ldexp(m, exponent(rng)));
  }
  x.push_back(-std::numeric_limits<float>::infinity());
  return x;
}

// Compares exp_many against TorchExp on x[0..n) for several n (every tail of 8 and 16), out of
// place and in place.
void CheckExpMany(void (*exp_many)(const float*, size_t, float*)) {
  const std::vector<float> x = ExpInputs();
  std::vector<size_t> lengths = {31, 33, x.size()};
  for (size_t n = 0; n <= 17; ++n) lengths.push_back(n);
  for (size_t n : lengths) {
    std::vector<float> out(n), in_place(x.begin(), x.begin() + n);
    exp_many(x.data(), n, out.data());
    exp_many(in_place.data(), n, in_place.data());
    size_t mismatches = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t want = std::bit_cast<uint32_t>(TorchExp(x[i]));
      mismatches += std::bit_cast<uint32_t>(out[i]) != want;
      mismatches += std::bit_cast<uint32_t>(in_place[i]) != want;
    }
    CHECK_MESSAGE(mismatches == 0, "n = " << n);
  }
}

}  // namespace

TEST_CASE("TorchExpMany gives TorchExp's bits for every value, at any length") {
  CheckExpMany(TorchExpMany);
}

TEST_CASE("TorchExpAvx2 gives TorchExp's bits for every value, at any length") {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    MESSAGE("skipped: needs AVX2 and FMA");
    return;
  }
  CheckExpMany(TorchExpAvx2);
}

TEST_CASE("TorchSoftplus reproduces torch's fp32 softplus (SLEEF log1p of exp) bit for bit") {
  for (const auto& v : kSoftplusVectors) {
    const float x = std::bit_cast<float>(v[0]);
    CHECK_MESSAGE(std::bit_cast<uint32_t>(TorchSoftplus(x)) == v[1], "x = " << x);
  }
  CHECK(TorchLog1p(0.0f) == 0.0f);
  CHECK(std::isinf(TorchLog1p(-1.0f)));
  CHECK(std::isnan(TorchLog1p(-2.0f)));
}

}  // namespace inference
