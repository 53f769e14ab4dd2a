#include "inference/deepseek_v4_runner.h"

#include <algorithm>
#include <utility>

namespace inference {
namespace {

class CacheState final : public SequenceState {
 public:
  explicit CacheState(std::unique_ptr<SequenceCache> cache_in) : cache(std::move(cache_in)) {}
  const std::unique_ptr<SequenceCache> cache;
};

}  // namespace

base::StatusOr<std::unique_ptr<DeepSeekV4Runner>> DeepSeekV4Runner::Load(const std::string& dir,
                                                                         int64_t context_limit) {
  FC_ASSIGN_OR_RETURN(std::unique_ptr<DeepSeekV4Model> model, DeepSeekV4Model::Load(dir));
  return std::make_unique<DeepSeekV4Runner>(std::move(model), context_limit);
}

DeepSeekV4Runner::DeepSeekV4Runner(std::unique_ptr<DeepSeekV4Model> model, int64_t context_limit)
    : model_(std::move(model)),
      context_length_(context_limit > 0
                          ? std::min(context_limit, model_->config().max_position_embeddings)
                          : model_->config().max_position_embeddings),
      vocab_size_(static_cast<int32_t>(model_->config().vocab_size)) {}

base::StatusOr<std::unique_ptr<SequenceState>> DeepSeekV4Runner::NewSequence() {
  return std::unique_ptr<SequenceState>(std::make_unique<CacheState>(model_->NewCache()));
}

base::StatusOr<std::unique_ptr<SequenceState>> DeepSeekV4Runner::CopySequence(
    const SequenceState& seq) {
  // SequenceCache has no copy constructor (a cache belongs to one sequence); its parts are
  // plain values, so a fresh cache takes them one layer at a time.
  SequenceCache& from = *static_cast<const CacheState&>(seq).cache;
  std::unique_ptr<SequenceCache> copy = model_->NewCache();
  for (int64_t l = 0; l < model_->config().n_layers; ++l) copy->layer(l) = from.layer(l);
  copy->mtp_layer() = from.mtp_layer();
  copy->set_length(from.length());
  copy->set_mtp_length(from.mtp_length());
  return std::unique_ptr<SequenceState>(std::make_unique<CacheState>(std::move(copy)));
}

base::StatusOr<std::vector<float>> DeepSeekV4Runner::Prefill(SequenceState& seq,
                                                             std::span<const int32_t> tokens) {
  SequenceCache& cache = *static_cast<CacheState&>(seq).cache;
  FC_ASSIGN_OR_RETURN(ForwardResult result, model_->Forward(tokens, cache.length(), cache));
  // Without all_logits the model returns the last position's row only.
  if (result.rows != 1 || result.logits.size() != static_cast<size_t>(vocab_size_)) {
    return base::Internal("model returned " + std::to_string(result.rows) + " logit rows of " +
                          std::to_string(result.logits.size()) + " values; expected 1 of " +
                          std::to_string(vocab_size_));
  }
  return std::move(result.logits);
}

base::StatusOr<std::vector<float>> DeepSeekV4Runner::Decode(SequenceState& seq, int32_t token) {
  return Prefill(seq, std::span<const int32_t>(&token, 1));
}

}  // namespace inference
