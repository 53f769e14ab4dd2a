// Sampler: picks the next token from a row of logits under a request's SamplingParams.
//
// Randomness is passed in (conventions.md §5): each request owns a std::mt19937_64 seeded from
// its seed, and the sampler draws from it, so a seed reproduces the same tokens. The uniform
// draw is computed from the raw 64-bit output (not std::uniform_real_distribution, whose
// algorithm differs between standard libraries). Logits from the model are validated: NaN or
// +inf, or no finite logit at all, give Internal instead of a crash. Cost is a few passes over
// the vocabulary; top-p sorts only as many candidates as the nucleus needs.
// The Sampler keeps scratch buffers between calls; one per engine, used by the engine thread
// only (thread-compatible).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "base/status.h"
#include "inference/request.h"

namespace inference {

struct SampledToken {
  int32_t token = 0;
  std::optional<TokenLogprob> logprob;     // when params.logprobs
  std::vector<TokenLogprob> alternatives;  // params.top_logprobs of them, most likely first
};

class Sampler {
 public:
  static constexpr int32_t kMaxTopLogprobs = 20;
  static constexpr float kGreedyTemperature = 1e-6f;  // temperatures below this are greedy

  // InvalidArgument naming the field when a parameter is out of range.
  static base::Status Validate(const SamplingParams& params);

  // `prompt` and `output` feed the penalties (ids outside the vocabulary are ignored).
  // `params` must have passed Validate.
  base::StatusOr<SampledToken> Sample(std::span<const float> logits, const SamplingParams& params,
                                      std::span<const int32_t> prompt,
                                      std::span<const int32_t> output, std::mt19937_64& rng);

 private:
  void ApplyPenalties(const SamplingParams& params, std::span<const int32_t> prompt,
                      std::span<const int32_t> output);
  int32_t SampleFromScratch(const SamplingParams& params, std::mt19937_64& rng);

  std::vector<float> scratch_;   // logits after penalties and temperature
  std::vector<int32_t> counts_;  // per-token occurrences in the output; zero between calls
  std::vector<uint8_t> seen_;    // per-token "in prompt or output"; zero between calls
  struct Candidate {
    float logit;
    int32_t token;
  };
  std::vector<Candidate> candidates_;
  std::vector<TokenLogprob> top_;  // logprobs alternatives being collected
};

}  // namespace inference
