// ModelHost: the model the daemon serves — checkpoint, tokenizer and engine — loaded once at
// start-up from a checkpoint directory (config.json, tokenizer.json, safetensors shards).
// Everything that generates text goes through engine(); the tokenizer renders prompts.
// Thread-safe after Load (the engine is, the tokenizer is immutable).
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "inference/engine.h"
#include "inference/tokenizer/tokenizer.h"

namespace inference {
class ThreadPool;
class TokenizerTextCodec;
}

namespace flashcoded {

struct LoadedModelInfo {
  std::string name;  // the checkpoint directory's last component
  std::string path;
  int64_t total_params = 0;
  int64_t active_params = 0;
  int64_t context_length = 0;
  int64_t load_ms = 0;
};

class ModelHost {
 public:
  // Loads the checkpoint in `dir` and starts its engine. `context_limit` > 0 caps the context
  // (memory). `clock` is borrowed and must outlive the host. Errors: NotFound (no such
  // directory, missing tokenizer.json), InvalidArgument / DataLoss (a malformed checkpoint,
  // with file and tensor named), as the loaders report them.
  static base::StatusOr<std::unique_ptr<ModelHost>> Load(const std::string& dir,
                                                         int64_t context_limit,
                                                         const base::Clock& clock);
  ~ModelHost();
  ModelHost(const ModelHost&) = delete;
  ModelHost& operator=(const ModelHost&) = delete;

  inference::Engine& engine() { return *engine_; }
  const inference::Tokenizer& tokenizer() const { return *tokenizer_; }
  const LoadedModelInfo& info() const { return info_; }

 private:
  ModelHost() = default;
  LoadedModelInfo info_;
  std::unique_ptr<inference::ThreadPool> pool_;  // the forward pass's threads; outlives the model
  std::unique_ptr<inference::Tokenizer> tokenizer_;
  std::unique_ptr<inference::TokenizerTextCodec> codec_;  // borrowed by the engine
  std::unique_ptr<inference::Engine> engine_;             // destroyed first (declared last)
};

}  // namespace flashcoded
