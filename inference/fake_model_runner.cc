#include "inference/fake_model_runner.h"

#include <limits>
#include <string>
#include <utility>

namespace inference {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t Extend(uint64_t hash, int32_t token) {
  return SplitMix64(hash ^ static_cast<uint64_t>(static_cast<uint32_t>(token)));
}

}  // namespace

class FakeModelRunner::State final : public SequenceState {
 public:
  State(std::atomic<int32_t>& live, uint64_t seed) : live_(live), hash(SplitMix64(seed)) {
    ++live_;
  }
  ~State() override { --live_; }

  std::atomic<int32_t>& live_;
  uint64_t hash;
  std::vector<int32_t> tokens;
};

FakeModelRunner::FakeModelRunner(FakeModelOptions options) : options_(std::move(options)) {}

base::StatusOr<std::unique_ptr<SequenceState>> FakeModelRunner::NewSequence() {
  if (options_.max_sequences > 0 && live_sequences_.load() >= options_.max_sequences) {
    return base::ResourceExhausted("fake model: all " + std::to_string(options_.max_sequences) +
                                   " sequence slots are in use");
  }
  return std::unique_ptr<SequenceState>(std::make_unique<State>(live_sequences_, options_.seed));
}

base::StatusOr<std::unique_ptr<SequenceState>> FakeModelRunner::CopySequence(
    const SequenceState& seq) {
  if (!options_.copyable) return ModelRunner::CopySequence(seq);
  FC_ASSIGN_OR_RETURN(std::unique_ptr<SequenceState> copy, NewSequence());
  const State& from = static_cast<const State&>(seq);
  static_cast<State&>(*copy).hash = from.hash;
  static_cast<State&>(*copy).tokens = from.tokens;
  return copy;
}

std::vector<float> FakeModelRunner::LogitsFor(std::span<const int32_t> context) const {
  uint64_t hash = SplitMix64(options_.seed);
  for (int32_t t : context) hash = Extend(hash, t);
  return LogitsFromHash(hash, context);
}

std::vector<float> FakeModelRunner::LogitsFromHash(uint64_t hash,
                                                   std::span<const int32_t> context) const {
  std::vector<float> logits(options_.vocab_size);
  for (int32_t v = 0; v < options_.vocab_size; ++v) {
    // 24 random bits scaled to [-4, 4): a spread that makes sampling parameters matter.
    const uint64_t r = SplitMix64(hash ^ (static_cast<uint64_t>(v) << 32));
    logits[v] = static_cast<float>(r >> 40) / static_cast<float>(1 << 24) * 8.0f - 4.0f;
  }
  if (options_.next_token) {
    if (auto t = options_.next_token(context); t && *t >= 0 && *t < options_.vocab_size) {
      logits[*t] += kBias;
    }
  }
  if (options_.nan_after_token && !context.empty() && context.back() == *options_.nan_after_token) {
    logits[0] = std::numeric_limits<float>::quiet_NaN();
  }
  return logits;
}

base::StatusOr<std::vector<float>> FakeModelRunner::Prefill(SequenceState& seq,
                                                            std::span<const int32_t> tokens) {
  if (options_.on_forward) options_.on_forward();
  ++forward_calls_;
  auto& state = static_cast<State&>(seq);
  if (tokens.empty()) return base::InvalidArgument("fake model: nothing to feed");
  if (static_cast<int64_t>(state.tokens.size() + tokens.size()) > options_.context_length) {
    return base::InvalidArgument("fake model: " + std::to_string(state.tokens.size()) + " + " +
                                 std::to_string(tokens.size()) + " tokens exceed the context of " +
                                 std::to_string(options_.context_length));
  }
  for (int32_t t : tokens) {
    if (t < 0 || t >= options_.vocab_size) {
      return base::InvalidArgument("fake model: token " + std::to_string(t) +
                                   " outside the vocabulary");
    }
    state.hash = Extend(state.hash, t);
    state.tokens.push_back(t);
  }
  tokens_fed_ += static_cast<int64_t>(tokens.size());
  // Like a real cache, the running hash is all that carries the context forward.
  return LogitsFromHash(state.hash, state.tokens);
}

base::StatusOr<std::vector<float>> FakeModelRunner::Decode(SequenceState& seq, int32_t token) {
  return Prefill(seq, std::span<const int32_t>(&token, 1));
}

base::StatusOr<std::vector<std::vector<float>>> FakeModelRunner::DecodeBatch(
    std::span<SequenceState* const> seqs, std::span<const int32_t> tokens) {
  const auto size = static_cast<int32_t>(seqs.size());
  if (size > largest_decode_batch_.load()) largest_decode_batch_ = size;  // engine thread only
  return ModelRunner::DecodeBatch(seqs, tokens);
}

}  // namespace inference
