// The MoE experts' clamped SwiGLU on one row, as DeepSeek-V4's reference computes it:
// g = bf16(route_weight * silu(min(g, L)) * clamp(u, -L, L)), silu(v) = v / (1 + exp(-v)) with
// torch's exponential, every operation in fp32 (the route weight only for routed experts).
// The AVX-512 and AVX2 paths run the same operations 16 and 8 values at a time, bit for bit.
// Owned by the CPU backend. Pure functions on caller-owned buffers; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// In place in g over `inter` values (u is clamped in place too); limit <= 0 means no clamp.
// scratch holds at least `inter` floats.
void SwiGluRow(float limit, float route_weight, bool weighted, size_t inter, float* g, float* u,
               float* scratch);

// The scalar definition (tests compare the paths).
void SwiGluRowScalar(float limit, float route_weight, bool weighted, size_t inter, float* g,
                     float* u, float* scratch);

}  // namespace inference
