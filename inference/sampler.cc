#include "inference/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace inference {
namespace {

// Uniform in [0, 1) from the top 53 bits: the same on every platform for the same state.
double UniformDouble(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

bool InVocab(int32_t token, size_t vocab) {
  return token >= 0 && static_cast<size_t>(token) < vocab;
}

// Largest value first, then lowest id, so every ordering below is total and reproducible.
struct ByValueThenId {
  std::span<const float> values;
  bool operator()(int32_t a, int32_t b) const {
    if (values[a] != values[b]) return values[a] > values[b];
    return a < b;
  }
};

base::Status CheckLogits(std::span<const float> logits) {
  if (logits.empty()) return base::Internal("model returned no logits");
  bool any_finite = false;
  for (size_t i = 0; i < logits.size(); ++i) {
    const float x = logits[i];
    if (std::isnan(x) || x == std::numeric_limits<float>::infinity()) {
      return base::Internal("model returned a non-finite logit (" + std::to_string(x) +
                            ") for token " + std::to_string(i));
    }
    any_finite = any_finite || std::isfinite(x);
  }
  if (!any_finite) return base::Internal("model returned no finite logit");
  return base::Status::Ok();
}

}  // namespace

base::Status Sampler::Validate(const SamplingParams& p) {
  if (!std::isfinite(p.temperature) || p.temperature < 0) {
    return base::InvalidArgument("temperature must be >= 0, got " + std::to_string(p.temperature));
  }
  if (p.top_k < 0) return base::InvalidArgument("top_k must be >= 0, got " + std::to_string(p.top_k));
  if (!(p.top_p > 0 && p.top_p <= 1)) {
    return base::InvalidArgument("top_p must be in (0, 1], got " + std::to_string(p.top_p));
  }
  if (!(p.min_p >= 0 && p.min_p <= 1)) {
    return base::InvalidArgument("min_p must be in [0, 1], got " + std::to_string(p.min_p));
  }
  if (!(std::isfinite(p.repetition_penalty) && p.repetition_penalty > 0)) {
    return base::InvalidArgument("repetition_penalty must be > 0, got " +
                                 std::to_string(p.repetition_penalty));
  }
  if (!std::isfinite(p.presence_penalty) || !std::isfinite(p.frequency_penalty)) {
    return base::InvalidArgument("presence_penalty and frequency_penalty must be finite");
  }
  if (p.top_logprobs < 0 || p.top_logprobs > kMaxTopLogprobs) {
    return base::InvalidArgument("top_logprobs must be in [0, " + std::to_string(kMaxTopLogprobs) +
                                 "], got " + std::to_string(p.top_logprobs));
  }
  return base::Status::Ok();
}

base::StatusOr<SampledToken> Sampler::Sample(std::span<const float> logits,
                                             const SamplingParams& params,
                                             std::span<const int32_t> prompt,
                                             std::span<const int32_t> output,
                                             std::mt19937_64& rng) {
  FC_RETURN_IF_ERROR(CheckLogits(logits));
  scratch_.assign(logits.begin(), logits.end());
  ApplyPenalties(params, prompt, output);

  SampledToken result;
  // Below kGreedyTemperature the scaled logits could overflow; the limit is greedy anyway.
  if (params.temperature < kGreedyTemperature || params.top_k == 1) {
    // Greedy: the first maximum, i.e. the lowest id on ties.
    result.token = static_cast<int32_t>(std::max_element(scratch_.begin(), scratch_.end()) -
                                        scratch_.begin());
  } else {
    for (float& x : scratch_) x /= params.temperature;
    result.token = SampleFromScratch(params, rng);
  }

  if (params.logprobs) {
    // Log-probabilities under the model's raw distribution (before penalties and temperature),
    // which is what a client comparing alternatives wants to see. Sums in double.
    const float max = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (float x : logits) sum += std::exp(static_cast<double>(x) - max);
    const double log_z = max + std::log(sum);
    auto logprob_of = [&](int32_t t) {
      return TokenLogprob{t, static_cast<float>(logits[t] - log_z)};
    };
    result.logprob = logprob_of(result.token);
    const size_t n = std::min<size_t>(params.top_logprobs, logits.size());
    candidates_.resize(logits.size());
    std::iota(candidates_.begin(), candidates_.end(), 0);
    std::partial_sort(candidates_.begin(), candidates_.begin() + n, candidates_.end(),
                      ByValueThenId{logits});
    for (size_t i = 0; i < n; ++i) result.alternatives.push_back(logprob_of(candidates_[i]));
  }
  return result;
}

void Sampler::ApplyPenalties(const SamplingParams& params, std::span<const int32_t> prompt,
                             std::span<const int32_t> output) {
  const size_t vocab = scratch_.size();
  if (params.repetition_penalty != 1.0f) {
    seen_.resize(vocab, 0);
    // Each distinct token is penalised once, however often it occurs.
    auto penalise = [&](int32_t t) {
      if (!InVocab(t, vocab) || seen_[t]) return;
      seen_[t] = 1;
      float& x = scratch_[t];
      x = x > 0 ? x / params.repetition_penalty : x * params.repetition_penalty;
    };
    for (int32_t t : prompt) penalise(t);
    for (int32_t t : output) penalise(t);
    for (int32_t t : prompt) {
      if (InVocab(t, vocab)) seen_[t] = 0;
    }
    for (int32_t t : output) {
      if (InVocab(t, vocab)) seen_[t] = 0;
    }
  }
  if (params.presence_penalty != 0 || params.frequency_penalty != 0) {
    counts_.resize(vocab, 0);
    for (int32_t t : output) {
      if (InVocab(t, vocab)) ++counts_[t];
    }
    for (int32_t t : output) {
      if (!InVocab(t, vocab) || counts_[t] == 0) continue;
      scratch_[t] -= params.presence_penalty + params.frequency_penalty * counts_[t];
      counts_[t] = 0;  // once per distinct token; also leaves counts_ zeroed for the next call
    }
  }
}

int32_t Sampler::SampleFromScratch(const SamplingParams& params, std::mt19937_64& rng) {
  candidates_.clear();
  for (size_t i = 0; i < scratch_.size(); ++i) {
    if (std::isfinite(scratch_[i])) candidates_.push_back(static_cast<int32_t>(i));
  }
  // Penalties cannot make every logit -inf (they scale or shift finite values), so at least one
  // candidate is left.
  const ByValueThenId by_value{scratch_};
  if (params.top_k > 0 && static_cast<size_t>(params.top_k) < candidates_.size()) {
    std::nth_element(candidates_.begin(), candidates_.begin() + params.top_k, candidates_.end(),
                     by_value);
    candidates_.resize(params.top_k);
    std::sort(candidates_.begin(), candidates_.end());  // back to id order: reproducible
  }

  float max = -std::numeric_limits<float>::infinity();
  for (int32_t t : candidates_) max = std::max(max, scratch_[t]);
  // Weights relative to the most likely token: min-p compares against 1 directly.
  weights_.clear();
  size_t kept = 0;
  for (int32_t t : candidates_) {
    const double w = std::exp(static_cast<double>(scratch_[t]) - max);
    if (w < params.min_p) continue;
    candidates_[kept++] = t;
    weights_.push_back(w);
  }
  candidates_.resize(kept);

  if (params.top_p < 1.0f) {
    // Sort by weight (scratch_ order is the same) and keep the smallest prefix reaching top_p.
    std::sort(candidates_.begin(), candidates_.end(), by_value);
    double total = 0;
    for (int32_t t : candidates_) total += std::exp(static_cast<double>(scratch_[t]) - max);
    weights_.clear();
    double cumulative = 0;
    for (int32_t t : candidates_) {
      const double w = std::exp(static_cast<double>(scratch_[t]) - max);
      weights_.push_back(w);
      cumulative += w;
      if (cumulative >= params.top_p * total) break;
    }
    candidates_.resize(weights_.size());
  }

  double total = 0;
  for (double w : weights_) total += w;
  const double u = UniformDouble(rng) * total;
  double cumulative = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    cumulative += weights_[i];
    if (u < cumulative) return candidates_[i];
  }
  return candidates_.back();  // u rounded up to the total
}

}  // namespace inference
