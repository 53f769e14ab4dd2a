#include "inference/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "inference/logit_scan.h"

namespace inference {
namespace {

// Uniform in [0, 1) from the top 53 bits: the same on every platform for the same state.
double UniformDouble(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

bool InVocab(int32_t token, size_t vocab) {
  return token >= 0 && static_cast<size_t>(token) < vocab;
}

// Checks the model's logits, returning the index of the largest (lowest id on ties).
base::StatusOr<int32_t> CheckLogits(std::span<const float> logits) {
  if (logits.empty()) return base::Internal("model returned no logits");
  const LogitScan scan = ScanLogits(logits);
  if (scan.first_bad >= 0) {
    return base::Internal("model returned a non-finite logit (" +
                          std::to_string(logits[scan.first_bad]) + ") for token " +
                          std::to_string(scan.first_bad));
  }
  if (scan.argmax < 0) return base::Internal("model returned no finite logit");
  return static_cast<int32_t>(scan.argmax);
}

}  // namespace

base::Status Sampler::Validate(const SamplingParams& p) {
  if (!std::isfinite(p.temperature) || p.temperature < 0) {
    return base::InvalidArgument("temperature must be >= 0, got " + std::to_string(p.temperature));
  }
  if (p.top_k < 0)
    return base::InvalidArgument("top_k must be >= 0, got " + std::to_string(p.top_k));
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
  FC_ASSIGN_OR_RETURN(const int32_t raw_best, CheckLogits(logits));
  const bool penalised = params.repetition_penalty != 1.0f || params.presence_penalty != 0 ||
                         params.frequency_penalty != 0;
  const bool greedy = params.temperature < kGreedyTemperature || params.top_k == 1;

  SampledToken result;
  if (greedy && !penalised) {
    result.token = raw_best;
  } else {
    scratch_.assign(logits.begin(), logits.end());
    ApplyPenalties(params, prompt, output);
    if (greedy) {
      // The first maximum, i.e. the lowest id on ties (penalties keep logits finite).
      result.token = static_cast<int32_t>(std::max<int64_t>(0, ScanLogits(scratch_).argmax));
    } else {
      result.token = SampleFromScratch(params, rng);
    }
  }

  if (params.logprobs) {
    // Log-probabilities under the model's raw distribution (before penalties and temperature),
    // which is what a client comparing alternatives wants to see. Sums in double.
    const float max = logits[raw_best];
    double sum = 0;
    for (float x : logits) sum += std::exp(x - max);
    const double log_z = max + std::log(sum);
    auto logprob_of = [&](int32_t t) {
      return TokenLogprob{t, static_cast<float>(logits[t] - log_z)};
    };
    result.logprob = logprob_of(result.token);
    // The top N in one pass: a short sorted list, most likely first (lower id on ties, since
    // ids arrive in increasing order and only a strictly larger logit moves ahead).
    const size_t n = std::min<size_t>(params.top_logprobs, logits.size());
    top_.clear();
    for (size_t i = 0; i < logits.size() && n > 0; ++i) {
      const float x = logits[i];
      if (top_.size() == n && x <= top_.back().logprob) continue;
      if (top_.size() == n) top_.pop_back();
      auto at = std::find_if(top_.begin(), top_.end(),
                             [&](const TokenLogprob& e) { return x > e.logprob; });
      top_.insert(at, TokenLogprob{static_cast<int32_t>(i), x});
    }
    for (const TokenLogprob& e : top_) result.alternatives.push_back(logprob_of(e.token));
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
  // Largest logit first, then lowest id: a total order, so every cut below is reproducible.
  auto by_logit = [](const Candidate& a, const Candidate& b) {
    if (a.logit != b.logit) return a.logit > b.logit;
    return a.token < b.token;
  };
  candidates_.clear();
  float max = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < scratch_.size(); ++i) {
    const float x = scratch_[i] / params.temperature;
    if (!std::isfinite(x)) continue;  // masked (-inf) tokens are never sampled
    candidates_.push_back({x, static_cast<int32_t>(i)});
    max = std::max(max, x);
  }
  // The raw logits had a finite maximum and penalties only scale or shift finite values, so at
  // least one candidate is left.
  if (params.top_k > 0 && static_cast<size_t>(params.top_k) < candidates_.size()) {
    std::nth_element(candidates_.begin(), candidates_.begin() + params.top_k, candidates_.end(),
                     by_logit);
    candidates_.resize(params.top_k);
    std::sort(candidates_.begin(), candidates_.end(), by_logit);  // a reproducible order
  }
  if (params.min_p > 0) {
    // p / p_max = exp(logit - max): keep tokens at least min_p as likely as the best one.
    std::erase_if(candidates_,
                  [&](const Candidate& c) { return std::exp(c.logit - max) < params.min_p; });
  }
  if (params.top_p < 1.0f) {
    // The nucleus is usually small: sort the best M candidates only, and widen M until their
    // probability reaches top_p. The prefix found is the one a full sort would give.
    double total = 0;
    for (const Candidate& c : candidates_) total += std::exp(c.logit - max);
    const double target = params.top_p * total;
    for (size_t m = 256;; m *= 4) {
      const bool whole = m >= candidates_.size();
      const auto end = whole ? candidates_.end() : candidates_.begin() + m;
      if (!whole) std::nth_element(candidates_.begin(), end, candidates_.end(), by_logit);
      std::sort(candidates_.begin(), end, by_logit);
      double cumulative = 0;
      size_t kept = 0;
      while (candidates_.begin() + kept != end && cumulative < target) {
        cumulative += std::exp(candidates_[kept++].logit - max);
      }
      if (cumulative >= target || whole) {
        candidates_.resize(std::max<size_t>(kept, 1));
        break;
      }
    }
  }

  double total = 0;
  for (const Candidate& c : candidates_) total += std::exp(c.logit - max);
  const double u = UniformDouble(rng) * total;
  double cumulative = 0;
  for (const Candidate& c : candidates_) {
    cumulative += std::exp(c.logit - max);
    if (u < cumulative) return c.token;
  }
  return candidates_.back().token;  // u rounded up to the total
}

}  // namespace inference
