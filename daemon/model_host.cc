#include "daemon/model_host.h"

#include <filesystem>

#include "inference/backend/cpu/thread_pool.h"
#include "inference/deepseek_v4_runner.h"
#include "inference/local_engine.h"
#include "inference/model/checkpoint_layout.h"
#include "inference/model/model_config.h"
#include "inference/tokenizer_text_codec.h"

namespace flashcoded {

ModelHost::~ModelHost() = default;

base::StatusOr<std::unique_ptr<ModelHost>> ModelHost::Load(const std::string& dir,
                                                           int64_t context_limit,
                                                           const base::Clock& clock) {
  auto start = clock.Now();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return base::NotFound("model directory " + dir + " does not exist");
  }
  FC_ASSIGN_OR_RETURN(inference::ModelConfig config,
                      inference::LoadModelConfig(dir + "/config.json"));
  FC_ASSIGN_OR_RETURN(auto tokenizer, inference::Tokenizer::FromFile(dir + "/tokenizer.json"));
  if (tokenizer->vocab_size() > config.vocab_size) {
    return base::InvalidArgument(
        dir + "/tokenizer.json has " + std::to_string(tokenizer->vocab_size()) +
        " tokens but config.json's vocab_size is " + std::to_string(config.vocab_size));
  }
  std::unique_ptr<ModelHost> host(new ModelHost);
  host->pool_ = std::make_unique<inference::ThreadPool>(inference::ThreadPool::DefaultSize());
  inference::ModelOptions options;
  options.pool = host->pool_.get();
  // Served answers must not depend on how a prompt was split into calls: the prefix cache
  // continues cached prompts from the middle, and chunked prefill splits long ones. DeepSeek's
  // reference rounds some sums by call shape (its own decode differs from its prefill by up to
  // 0.25 rms_rel on golden case 2), so that bit-exact mode is for checking against it
  // (`flashcode model run`, the golden tests); the daemon runs the chunking-independent one.
  options.reference_shape_rounding = false;
  FC_ASSIGN_OR_RETURN(auto model, inference::DeepSeekV4Model::Load(dir, options));
  auto runner = std::make_unique<inference::DeepSeekV4Runner>(std::move(model), context_limit);
  host->info_.path = dir;
  host->info_.name = std::filesystem::path(dir).lexically_normal().filename().string();
  if (host->info_.name.empty())
    host->info_.name = std::filesystem::path(dir).parent_path().filename().string();
  inference::ParameterCount params = inference::CountParameters(config);
  host->info_.total_params = params.total;
  host->info_.active_params = params.active;
  host->info_.context_length = runner->ContextLength();
  host->tokenizer_ = std::move(tokenizer);
  host->codec_ = std::make_unique<inference::TokenizerTextCodec>(*host->tokenizer_);
  host->engine_ = std::make_unique<inference::LocalEngine>(std::move(runner), *host->codec_, clock);
  host->info_.load_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now() - start).count();
  return host;
}

}  // namespace flashcoded
