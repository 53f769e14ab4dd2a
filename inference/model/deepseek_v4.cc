#include "inference/model/deepseek_v4.h"

#include <algorithm>

#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/rms_norm.h"
#include "inference/model/block.h"
#include "inference/model/mhc.h"

namespace inference {
namespace {

HcShape ShapeOf(const ModelConfig& c) {
  return {static_cast<size_t>(c.hc_mult), static_cast<size_t>(c.dim),
          static_cast<size_t>(c.hc_sinkhorn_iters), static_cast<float>(c.norm_eps),
          static_cast<float>(c.hc_eps)};
}

// hc_head -> RMSNorm -> fp32 head over rows [first, T) of X.
std::vector<float> HeadLogits(const ModelConfig& c, const HcParams& hc_head,
                              const std::vector<float>& norm, const Bf16Weight& head,
                              const float* X, size_t T, ThreadPool* pool) {
  const size_t d = static_cast<size_t>(c.dim);
  std::vector<float> y(T * d);
  HcHead(ShapeOf(c), hc_head, X, T, y.data());
  for (size_t t = 0; t < T; ++t)
    RmsNormBf16(&y[t * d], d, norm.data(), static_cast<float>(c.norm_eps), &y[t * d]);
  std::vector<float> logits(T * static_cast<size_t>(c.vocab_size));
  MatmulBf16WeightF32(y.data(), T, head, logits.data(), pool);
  return logits;
}

}  // namespace

base::StatusOr<std::unique_ptr<DeepSeekV4Model>> DeepSeekV4Model::Load(
    const std::string& dir, const ModelOptions& options) {
  std::unique_ptr<DeepSeekV4Model> model(new DeepSeekV4Model());
  model->options_ = options;
  FC_ASSIGN_OR_RETURN(model->checkpoint_, Checkpoint::Open(dir));
  FC_ASSIGN_OR_RETURN(model->weights_, ModelWeights::Build(*model->checkpoint_));
  model->window_rope_ = std::make_unique<Rope>(model->config(), false);
  model->compressed_rope_ = std::make_unique<Rope>(model->config(), true);
  return model;
}

std::unique_ptr<SequenceCache> DeepSeekV4Model::NewCache() const {
  return std::make_unique<SequenceCache>(config());
}

const Rope& DeepSeekV4Model::RopeFor(int64_t layer) const {
  return config().CompressRatio(layer) > 0 ? *compressed_rope_ : *window_rope_;
}

base::Status DeepSeekV4Model::CheckTokens(std::span<const int32_t> tokens) const {
  if (tokens.empty()) return base::InvalidArgument("no tokens to run");
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= config().vocab_size) {
      return base::InvalidArgument("token " + std::to_string(i) + " is " +
                                   std::to_string(tokens[i]) + ", outside the vocabulary [0, " +
                                   std::to_string(config().vocab_size) + ")");
    }
  }
  return base::Status::Ok();
}

std::vector<float> DeepSeekV4Model::Logits(const float* X, size_t T) const {
  return HeadLogits(config(), weights_->hc_head, weights_->norm, weights_->head, X, T,
                    options_.pool);
}

base::Status DeepSeekV4Model::RunLayer(int64_t layer, float* X, std::span<const int32_t> tokens,
                                       int64_t start_pos, SequenceCache& cache,
                                       const ForwardTrace* trace) const {
  if (layer < 0 || layer >= config().n_layers)
    return base::InvalidArgument("no layer " + std::to_string(layer));
  FC_RETURN_IF_ERROR(CheckTokens(tokens));
  BlockForward(config(), weights_->blocks[layer], RopeFor(layer), X, tokens.data(), tokens.size(),
               start_pos, cache.layer(layer), options_.reference_shape_rounding, trace,
               "layers." + std::to_string(layer) + ".", options_.pool);
  return base::Status::Ok();
}

base::StatusOr<ForwardResult> DeepSeekV4Model::Forward(std::span<const int32_t> tokens,
                                                       int64_t start_pos, SequenceCache& cache,
                                                       const ForwardOptions& options) const {
  FC_RETURN_IF_ERROR(CheckTokens(tokens));
  if (start_pos != cache.length()) {
    return base::FailedPrecondition("start_pos " + std::to_string(start_pos) +
                                    " does not continue the cache (length " +
                                    std::to_string(cache.length()) + ")");
  }
  const ModelConfig& c = config();
  const size_t T = tokens.size(), d = static_cast<size_t>(c.dim),
               hc = static_cast<size_t>(c.hc_mult);
  // The embedding, copied into every residual stream.
  std::vector<float> X(T * hc * d);
  std::vector<float> row(d);
  for (size_t t = 0; t < T; ++t) {
    DecodeBf16Row(weights_->embed, static_cast<size_t>(tokens[t]), row.data());
    for (size_t j = 0; j < hc; ++j) std::copy(row.begin(), row.end(), &X[(t * hc + j) * d]);
  }
  for (int64_t l = 0; l < c.n_layers; ++l) {
    const BlockWeights* next = l + 1 < c.n_layers ? &weights_->blocks[l + 1] : nullptr;
    BlockForward(c, weights_->blocks[l], RopeFor(l), X.data(), tokens.data(), T, start_pos,
                 cache.layer(l), options_.reference_shape_rounding, options.trace,
                 "layers." + std::to_string(l) + ".", options_.pool, next);
  }
  cache.set_length(start_pos + static_cast<int64_t>(T));
  ForwardResult result;
  const size_t first = options.all_logits ? 0 : T - 1;
  result.rows = T - first;
  result.logits = Logits(&X[first * hc * d], result.rows);
  if (options.keep_hidden) result.hidden = std::move(X);
  return result;
}

base::StatusOr<ForwardResult> DeepSeekV4Model::ForwardMtp(std::span<const float> main_hidden,
                                                          std::span<const int32_t> next_tokens,
                                                          int64_t start_pos, SequenceCache& cache,
                                                          const ForwardOptions& options) const {
  const ModelConfig& c = config();
  if (weights_->mtp.empty()) return base::FailedPrecondition("the model has no MTP block");
  FC_RETURN_IF_ERROR(CheckTokens(next_tokens));
  const size_t T = next_tokens.size(), d = static_cast<size_t>(c.dim),
               hc = static_cast<size_t>(c.hc_mult);
  if (main_hidden.size() != T * hc * d) {
    return base::InvalidArgument("main_hidden has " + std::to_string(main_hidden.size()) +
                                 " values, expected " + std::to_string(T * hc * d));
  }
  if (start_pos != cache.mtp_length()) {
    return base::FailedPrecondition("MTP start_pos " + std::to_string(start_pos) +
                                    " does not continue the MTP cache (length " +
                                    std::to_string(cache.mtp_length()) + ")");
  }
  const MtpWeights& m = weights_->mtp[0];
  const float eps = static_cast<float>(c.norm_eps);
  // X = e_proj(enorm(embed(next))) broadcast to the streams + h_proj(hnorm(main streams)).
  std::vector<float> e(T * d), ep(T * d), h(T * hc * d), hp(T * hc * d);
  for (size_t t = 0; t < T; ++t) {
    DecodeBf16Row(weights_->embed, static_cast<size_t>(next_tokens[t]), &e[t * d]);
    RmsNormBf16(&e[t * d], d, m.enorm.data(), eps, &e[t * d]);
  }
  for (size_t r = 0; r < T * hc; ++r)
    RmsNormBf16(&main_hidden[r * d], d, m.hnorm.data(), eps, &h[r * d]);
  m.e_proj.Apply(e.data(), T, ep.data(), options_.pool);
  m.h_proj.Apply(h.data(), T * hc, hp.data(), options_.pool);
  std::vector<float> X(T * hc * d);
  for (size_t t = 0; t < T; ++t) {
    for (size_t j = 0; j < hc; ++j) {
      for (size_t i = 0; i < d; ++i)
        X[(t * hc + j) * d + i] = RoundToBf16(ep[t * d + i] + hp[(t * hc + j) * d + i]);
    }
  }
  const int64_t layer = c.n_layers;
  BlockForward(c, m.block, RopeFor(layer), X.data(), next_tokens.data(), T, start_pos,
               cache.mtp_layer(), options_.reference_shape_rounding, options.trace, "mtp.0.",
               options_.pool);
  cache.set_mtp_length(start_pos + static_cast<int64_t>(T));
  ForwardResult result;
  const size_t first = options.all_logits ? 0 : T - 1;
  result.rows = T - first;
  result.logits = HeadLogits(c, m.hc_head, m.norm, weights_->head, &X[first * hc * d], result.rows,
                             options_.pool);
  if (options.keep_hidden) result.hidden = std::move(X);
  return result;
}

}  // namespace inference
