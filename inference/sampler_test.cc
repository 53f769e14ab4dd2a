#include "inference/sampler.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <vector>

namespace inference {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Draws `n` tokens and returns each token's observed frequency.
std::map<int32_t, double> Frequencies(Sampler& sampler, const std::vector<float>& logits,
                                      const SamplingParams& params, uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::map<int32_t, double> freq;
  for (int i = 0; i < n; ++i) {
    auto s = sampler.Sample(logits, params, {}, {}, rng);
    REQUIRE(s.ok());
    freq[s->token] += 1.0 / n;
  }
  return freq;
}

uint64_t PrintedSeed(const char* test) {
  const uint64_t seed = std::random_device{}();
  std::printf("%s seed: %llu\n", test, static_cast<unsigned long long>(seed));
  return seed;
}

std::vector<float> LogitsOf(const std::vector<double>& probs) {
  std::vector<float> logits;
  for (double p : probs) logits.push_back(p > 0 ? static_cast<float>(std::log(p)) : kNegInf);
  return logits;
}

TEST_CASE("Greedy picks the largest logit, the lowest id on ties, and ignores the RNG") {
  Sampler sampler;
  SamplingParams greedy;
  greedy.temperature = 0;
  std::mt19937_64 rng(1);
  const std::vector<float> logits = {0.5f, 3.0f, -1.0f, 3.0f, kNegInf};
  auto s = sampler.Sample(logits, greedy, {}, {}, rng);
  REQUIRE(s.ok());
  CHECK(s->token == 1);
  SamplingParams top1;  // top_k = 1 is greedy too
  top1.top_k = 1;
  CHECK(sampler.Sample(logits, top1, {}, {}, rng)->token == 1);
}

TEST_CASE("Temperature sampling follows the softmax distribution") {
  const uint64_t seed = PrintedSeed("temperature sampling");
  CAPTURE(seed);
  Sampler sampler;
  const std::vector<double> probs = {0.5, 0.25, 0.15, 0.1};
  SamplingParams params;  // temperature 1: the model's distribution
  auto freq = Frequencies(sampler, LogitsOf(probs), params, seed, 20000);
  for (size_t t = 0; t < probs.size(); ++t)
    CHECK(freq[t] == doctest::Approx(probs[t]).epsilon(0.1));

  // Temperature 0.5 squares the probabilities (then renormalises).
  params.temperature = 0.5f;
  freq = Frequencies(sampler, LogitsOf(probs), params, seed, 20000);
  double z = 0;
  for (double p : probs) z += p * p;
  for (size_t t = 0; t < probs.size(); ++t) {
    CHECK(freq[t] == doctest::Approx(probs[t] * probs[t] / z).epsilon(0.1));
  }
}

TEST_CASE("top-k, top-p and min-p keep exactly the tokens they should") {
  const uint64_t seed = PrintedSeed("truncation");
  CAPTURE(seed);
  Sampler sampler;
  const std::vector<double> probs = {0.05, 0.5, 0.15, 0.3};  // ranks: 1, 3, 2, 0
  SUBCASE("top_k = 2 keeps tokens 1 and 3, renormalised") {
    SamplingParams p;
    p.top_k = 2;
    auto freq = Frequencies(sampler, LogitsOf(probs), p, seed, 20000);
    CHECK(freq.size() == 2);
    CHECK(freq[1] == doctest::Approx(0.5 / 0.8).epsilon(0.05));
    CHECK(freq[3] == doctest::Approx(0.3 / 0.8).epsilon(0.05));
  }
  SUBCASE("top_p = 0.75 keeps the smallest set reaching it: tokens 1 and 3") {
    SamplingParams p;
    p.top_p = 0.75f;
    auto freq = Frequencies(sampler, LogitsOf(probs), p, seed, 20000);
    CHECK(freq.size() == 2);
    CHECK(freq.count(1) == 1);
    CHECK(freq.count(3) == 1);
  }
  SUBCASE("top_p = 0.85 needs a third token") {
    SamplingParams p;
    p.top_p = 0.85f;
    auto freq = Frequencies(sampler, LogitsOf(probs), p, seed, 20000);
    CHECK(freq.size() == 3);
    CHECK(freq.count(0) == 0);
  }
  SUBCASE("min_p = 0.5 keeps tokens with at least half the top probability") {
    SamplingParams p;
    p.min_p = 0.5f;
    auto freq = Frequencies(sampler, LogitsOf(probs), p, seed, 20000);
    CHECK(freq.size() == 2);
    CHECK(freq[1] == doctest::Approx(0.5 / 0.8).epsilon(0.05));
  }
}

TEST_CASE("top-p over a large vocabulary draws exactly as a full sort would") {
  // The sampler sorts only the best few hundred candidates and widens as needed; this
  // reference sorts everything, cuts the nucleus, and walks it with the same uniform draws.
  const uint64_t seed = PrintedSeed("top-p large vocabulary");
  CAPTURE(seed);
  std::mt19937_64 gen(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> logits(5000);
  for (float& x : logits) x = normal(gen);
  SamplingParams p;
  p.top_p = 0.9f;  // a nucleus of thousands: several widening rounds
  Sampler sampler;
  std::mt19937_64 rng(seed), reference_rng(seed);
  std::vector<int32_t> order(logits.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  });
  const float max = logits[order[0]];
  double total = 0;
  for (float x : logits) total += std::exp(x - max);
  double cumulative = 0;
  size_t nucleus = 0;
  while (cumulative < p.top_p * total) cumulative += std::exp(logits[order[nucleus++]] - max);
  CHECK(nucleus > 1024);
  for (int draw = 0; draw < 50; ++draw) {
    const double u = static_cast<double>(reference_rng() >> 11) * 0x1.0p-53 * cumulative;
    double walked = 0;
    int32_t expected = order[nucleus - 1];
    for (size_t i = 0; i < nucleus; ++i) {
      walked += std::exp(logits[order[i]] - max);
      if (u < walked) {
        expected = order[i];
        break;
      }
    }
    CHECK(sampler.Sample(logits, p, {}, {}, rng)->token == expected);
  }
}

TEST_CASE("The same seed gives the same tokens, another seed gives others") {
  Sampler sampler;
  std::vector<float> logits(50);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(static_cast<float>(i));
  SamplingParams p;
  p.temperature = 1.5f;
  auto draw = [&](uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<int32_t> out;
    for (int i = 0; i < 32; ++i) out.push_back(sampler.Sample(logits, p, {}, {}, rng)->token);
    return out;
  };
  CHECK(draw(7) == draw(7));
  CHECK(draw(7) != draw(8));
}

TEST_CASE("Penalties push down tokens already used") {
  Sampler sampler;
  SamplingParams p;
  p.temperature = 0;
  std::mt19937_64 rng(1);
  const std::vector<float> logits = {2.0f, 1.5f, -0.5f, -0.6f};
  const std::vector<int32_t> output = {0, 0};
  CHECK(sampler.Sample(logits, p, {}, output, rng)->token == 0);

  SUBCASE("repetition penalty divides positive and multiplies negative logits") {
    p.repetition_penalty = 2.0f;  // 2.0 -> 1.0 < 1.5
    CHECK(sampler.Sample(logits, p, {}, output, rng)->token == 1);
    // Prompt tokens count too: token 1 in the prompt drops to 0.75, token 0 still 1.0.
    const std::vector<int32_t> prompt = {1, 1, 1};
    CHECK(sampler.Sample(logits, p, prompt, output, rng)->token == 0);
    // Negative logits become more negative: -0.5 * 2 = -1.0 < -0.6.
    const std::vector<float> negative = {kNegInf, kNegInf, -0.5f, -0.6f};
    const std::vector<int32_t> used = {2};
    CHECK(sampler.Sample(negative, p, {}, used, rng)->token == 3);
  }
  SUBCASE("presence penalty once, frequency penalty per occurrence") {
    p.presence_penalty = 0.4f;  // 2.0 - 0.4 = 1.6 > 1.5
    CHECK(sampler.Sample(logits, p, {}, output, rng)->token == 0);
    p.frequency_penalty = 0.1f;  // 2.0 - 0.4 - 2 * 0.1 = 1.4 < 1.5
    CHECK(sampler.Sample(logits, p, {}, output, rng)->token == 1);
    // Scratch state does not leak into the next call without output.
    CHECK(sampler.Sample(logits, p, {}, {}, rng)->token == 0);
  }
}

TEST_CASE("Logprobs are the raw log-softmax, alternatives most likely first") {
  Sampler sampler;
  SamplingParams p;
  p.temperature = 0;
  p.logprobs = true;
  p.top_logprobs = 3;
  p.repetition_penalty = 4.0f;  // changes the choice, not the reported distribution
  const std::vector<double> probs = {0.1, 0.6, 0.2, 0.1};
  const std::vector<int32_t> output = {1};
  std::mt19937_64 rng(1);
  auto s = sampler.Sample(LogitsOf(probs), p, {}, output, rng);
  REQUIRE(s.ok());
  CHECK(s->token == 2);
  REQUIRE(s->logprob);
  CHECK(s->logprob->token == 2);
  CHECK(s->logprob->logprob == doctest::Approx(std::log(0.2)).epsilon(1e-5));
  REQUIRE(s->alternatives.size() == 3);
  CHECK(s->alternatives[0].token == 1);
  CHECK(s->alternatives[0].logprob == doctest::Approx(std::log(0.6)).epsilon(1e-5));
  CHECK(s->alternatives[1].token == 2);
  CHECK(s->alternatives[2].token == 0);  // ties (0.1 and 0.1): the lower id first
}

TEST_CASE("Bad logits from the model are errors, not crashes") {
  Sampler sampler;
  SamplingParams p;
  std::mt19937_64 rng(1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(sampler.Sample(std::vector<float>{0.f, nan}, p, {}, {}, rng).status().code() ==
        base::StatusCode::kInternal);
  CHECK(sampler.Sample(std::vector<float>{inf, 0.f}, p, {}, {}, rng).status().code() ==
        base::StatusCode::kInternal);
  CHECK(sampler.Sample(std::vector<float>{kNegInf, kNegInf}, p, {}, {}, rng).status().code() ==
        base::StatusCode::kInternal);
  CHECK(sampler.Sample(std::vector<float>{}, p, {}, {}, rng).status().code() ==
        base::StatusCode::kInternal);
}

TEST_CASE("Validate names the offending parameter") {
  CHECK(Sampler::Validate(SamplingParams{}).ok());
  auto invalid = [](auto mutate) {
    SamplingParams p;
    mutate(p);
    base::Status s = Sampler::Validate(p);
    CHECK(s.code() == base::StatusCode::kInvalidArgument);
    return s.message();
  };
  CHECK(invalid([](SamplingParams& p) { p.temperature = -1; }).find("temperature") == 0);
  CHECK(invalid([](SamplingParams& p) { p.temperature = NAN; }).find("temperature") == 0);
  CHECK(invalid([](SamplingParams& p) { p.top_k = -2; }).find("top_k") == 0);
  CHECK(invalid([](SamplingParams& p) { p.top_p = 0; }).find("top_p") == 0);
  CHECK(invalid([](SamplingParams& p) { p.top_p = 1.5f; }).find("top_p") == 0);
  CHECK(invalid([](SamplingParams& p) { p.min_p = -0.1f; }).find("min_p") == 0);
  CHECK(invalid([](SamplingParams& p) { p.repetition_penalty = 0; }).find("repetition") == 0);
  CHECK(invalid([](SamplingParams& p) { p.top_logprobs = 21; }).find("top_logprobs") == 0);
}

}  // namespace
}  // namespace inference
