#include "inference/model/random_checkpoint.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "inference/backend/cpu/number_formats.h"
#include "inference/model/checkpoint.h"
#include "inference/model/deepseek_v4.h"
#include "inference/model/model_presets.h"

namespace inference {
namespace {

namespace fs = std::filesystem;

// A fresh path under /tmp (not created), removed with its contents at scope exit.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag)
      : path_(fs::temp_directory_path() /
              ("flashcode_randckpt_" + tag + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
  }
  ~ScratchDir() { fs::remove_all(path_); }
  std::string str() const { return path_.string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string SourceDir() {
  const char* dir = std::getenv("FLASHCODE_SOURCE_DIR");
  return dir ? dir : ".";
}

// A preset's config.json with some fields replaced (a small vocabulary keeps tests fast).
std::string PresetWith(const std::string& preset, const nlohmann::json& overrides) {
  auto text = ModelPresetConfigJson(preset);
  REQUIRE_MESSAGE(text.ok(), text.status().ToString());
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(*text);
  for (auto it = overrides.begin(); it != overrides.end(); ++it) j[it.key()] = it.value();
  return j.dump(2);
}

// A two-layer model (CSA, HCA, MTP) with a 512-row vocabulary: every tensor kind, little data.
std::string MiniConfig() {
  return PresetWith("tiny", {{"vocab_size", 512},
                             {"num_hidden_layers", 2},
                             {"num_hash_layers", 1},
                             {"compress_ratios", {4, 128, 0}}});
}

std::vector<uint8_t> TensorBytes(const Checkpoint& ckpt, const std::string& name) {
  const TensorView* v = ckpt.Get(name);
  REQUIRE_MESSAGE(v != nullptr, name);
  return std::vector<uint8_t>(v->data, v->data + v->nbytes);
}

// Loads `dir`, runs `n` random tokens (seeded) then 3 decode steps; checks the logits are
// finite, O(1) and not constant. Returns the prefill's last row.
std::vector<float> RunAndCheckLogits(const std::string& dir, size_t n, uint32_t seed) {
  auto model = DeepSeekV4Model::Load(dir);
  REQUIRE_MESSAGE(model.ok(), model.status().ToString());
  const int64_t V = (*model)->config().vocab_size;
  std::mt19937 gen(seed);
  std::vector<int32_t> tokens(n);
  for (int32_t& t : tokens) t = static_cast<int32_t>(gen() % V);
  auto cache = (*model)->NewCache();
  auto prefill = (*model)->Forward(tokens, 0, *cache);
  REQUIRE_MESSAGE(prefill.ok(), prefill.status().ToString());
  REQUIRE(prefill->logits.size() == static_cast<size_t>(V));
  std::vector<float> rows = prefill->logits;
  for (int step = 0; step < 3; ++step) {
    const int32_t next = static_cast<int32_t>(gen() % V);
    auto out = (*model)->Forward(std::span(&next, 1), cache->length(), *cache);
    REQUIRE_MESSAGE(out.ok(), out.status().ToString());
    rows.insert(rows.end(), out->logits.begin(), out->logits.end());
  }
  double sum = 0, sum_sq = 0;
  size_t non_finite = 0;
  for (float x : rows) {
    non_finite += !std::isfinite(x);
    sum += x, sum_sq += double(x) * x;
  }
  REQUIRE(non_finite == 0);
  const double mean = sum / rows.size(), std_dev = std::sqrt(sum_sq / rows.size() - mean * mean);
  MESSAGE("logits over 4 rows: mean " << mean << ", std " << std_dev);
  CHECK(std_dev > 0.2);
  CHECK(std_dev < 5.0);
  return std::vector<float>(prefill->logits.begin(), prefill->logits.end());
}

}  // namespace

TEST_CASE("the presets parse, small has Flash's layer schedule, tiny the golden tiny's") {
  for (std::string_view name : ModelPresetNames()) {
    auto text = ModelPresetConfigJson(name);
    REQUIRE(text.ok());
    auto config = ParseModelConfig(*text);
    REQUIRE_MESSAGE(config.ok(), config.status().ToString());
    const ParameterCount count = CountParameters(*config);
    uint64_t bytes = 0;
    for (const TensorSpec& spec : ExpectedTensors(*config)) {
      if (!spec.optional) bytes += spec.NumElements() * DTypeSize(spec.dtype);
    }
    std::printf("preset %s: %lld layers, %.1fM parameters (%.1fM active), %.0f MB of weights\n",
                std::string(name).c_str(), static_cast<long long>(config->n_layers),
                count.total / 1e6, count.active / 1e6, bytes / 1e6);
    CHECK(bytes < 400e6);  // CPU-friendly: a few hundred MB at most
  }
  auto flash = LoadModelConfig(SourceDir() + "/tests/data/golden/configs/v4-flash/config.json");
  auto tiny_golden = LoadModelConfig(SourceDir() + "/tests/data/golden/v4-tiny/config.json");
  REQUIRE(flash.ok());
  REQUIRE(tiny_golden.ok());
  auto small = ParseModelConfig(*ModelPresetConfigJson("small"));
  auto tiny = ParseModelConfig(*ModelPresetConfigJson("tiny"));
  REQUIRE(small.ok());
  REQUIRE(tiny.ok());
  CHECK(small->compress_ratios == flash->compress_ratios);
  CHECK(small->n_hash_layers == flash->n_hash_layers);
  CHECK(small->vocab_size == flash->vocab_size);
  CHECK(tiny->compress_ratios == tiny_golden->compress_ratios);
  CHECK(tiny->dim == tiny_golden->dim);
  CHECK(tiny->vocab_size == flash->vocab_size);  // every id of the real tokenizer is valid
  CHECK(!ModelPresetConfigJson("huge").ok());
}

TEST_CASE("a written checkpoint loads with the real loader, in shards, and gives sane logits") {
  const uint64_t seed = 1234;
  MESSAGE("seed " << seed);
  ScratchDir dir("load");
  RandomCheckpointOptions options;
  options.seed = seed;
  options.max_shard_bytes = 1 << 20;  // forces several shards
  const std::string config_text = PresetWith("tiny", {{"vocab_size", 1024}});
  auto summary = WriteRandomCheckpoint(dir.str(), config_text, options);
  REQUIRE_MESSAGE(summary.ok(), summary.status().ToString());
  CHECK(summary->shards > 2);
  CHECK(!fs::exists(dir.str() + ".partial-" + std::to_string(::getpid())));

  auto ckpt = Checkpoint::Open(dir.str());
  REQUIRE_MESSAGE(ckpt.ok(), ckpt.status().ToString());
  std::set<std::string> expected;
  for (const TensorSpec& spec : ExpectedTensors((*ckpt)->config())) {
    if (!spec.optional) expected.insert(spec.name);
  }
  std::ifstream index_in(dir.path() / "model.safetensors.index.json");
  const auto index = nlohmann::json::parse(index_in);
  std::set<std::string> listed, shard_files;
  for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it) {
    listed.insert(it.key());
    shard_files.insert(it.value().get<std::string>());
  }
  CHECK(listed == expected);
  CHECK(static_cast<int64_t>(shard_files.size()) == summary->shards);
  char first[64];
  std::snprintf(first, sizeof first, "model-00001-of-%05lld.safetensors",
                static_cast<long long>(summary->shards));
  CHECK(shard_files.count(first) == 1);
  CHECK(index["metadata"]["total_size"].get<uint64_t>() == summary->weight_bytes);
  CHECK(summary->tensors == static_cast<int64_t>(expected.size()));
  std::ifstream config_in(dir.path() / "config.json");
  CHECK(std::string(std::istreambuf_iterator<char>(config_in), {}) == config_text);
  CHECK(fs::exists(dir.path() / "generation_config.json"));
  CHECK(!fs::exists(dir.path() / "tokenizer.json"));  // none was passed

  RunAndCheckLogits(dir.str(), 150, static_cast<uint32_t>(seed));
}

TEST_CASE("quantised weights use tight power-of-two scales and N(0, 1/in) values") {
  ScratchDir dir("quant");
  REQUIRE(WriteRandomCheckpoint(dir.str(), MiniConfig()).ok());
  auto ckpt = Checkpoint::Open(dir.str());
  REQUIRE_MESSAGE(ckpt.ok(), ckpt.status().ToString());

  // FP8: each 128x128 block's largest |value| lands in [224, 448] after its scale.
  const TensorView& w = *(*ckpt)->Get("layers.0.attn.wq_b.weight");  // [2048, 256]
  const TensorView& s = *(*ckpt)->Get("layers.0.attn.wq_b.scale");   // [16, 2]
  const int64_t out = w.shape[0], in = w.shape[1];
  std::vector<float> block_amax(s.NumElements(), 0);
  double sum_sq = 0;
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i) {
      const float q = E4m3ToFloat(w.data[o * in + i]);
      const int64_t b = (o / 128) * s.shape[1] + i / 128;
      block_amax[b] = std::max(block_amax[b], std::fabs(q));
      const float v = q * E8m0ToFloat(s.data[b]);
      sum_sq += double(v) * v;
    }
  }
  // (amax/scale lies in (224, 448]; rounding onto the grid can land on 224 itself.)
  for (float a : block_amax) CHECK_MESSAGE((a >= 224 && a <= 448), a);
  CHECK(sum_sq / (out * in) == doctest::Approx(1.0 / in).epsilon(0.1));

  // FP4: each row's 32-groups reach [3, 6] after their scale; low nibble is the even column.
  const TensorView& e = *(*ckpt)->Get("layers.1.ffn.experts.5.w2.weight");  // I8 [256, 64]
  const TensorView& es = *(*ckpt)->Get("layers.1.ffn.experts.5.w2.scale");  // [256, 4]
  const int64_t e_in = e.shape[1] * 2;
  double e_sum_sq = 0;
  for (int64_t o = 0; o < e.shape[0]; ++o) {
    for (int64_t g = 0; g < e_in / 32; ++g) {
      float amax = 0;
      for (int64_t k = 0; k < 32; ++k) {
        const int64_t i = g * 32 + k;
        const uint8_t byte = e.data[o * e.shape[1] + i / 2];
        const float q = E2m1ToFloat(i % 2 == 0 ? byte & 0xf : byte >> 4);
        amax = std::max(amax, std::fabs(q));
        const float v = q * E8m0ToFloat(es.data[o * (e_in / 32) + g]);
        e_sum_sq += double(v) * v;
      }
      CHECK_MESSAGE((amax >= 3 && amax <= 6), amax);
    }
  }
  // FP4 rounding adds noise of about a fifth of the variance: mean square near 1/in.
  CHECK(e_sum_sq / (e.shape[0] * e_in) == doctest::Approx(1.0 / e_in).epsilon(0.3));

  // Hash routing: every token gets distinct, valid experts.
  const TensorView& table = *(*ckpt)->Get("layers.0.ffn.gate.tid2eid");
  const int64_t k = table.shape[1], n_experts = (*ckpt)->config().n_routed_experts;
  for (int64_t row = 0; row < table.shape[0]; ++row) {
    std::set<int64_t> experts;
    for (int64_t j = 0; j < k; ++j) {
      int64_t x;
      std::memcpy(&x, table.data + (row * k + j) * 8, 8);
      CHECK((x >= 0 && x < n_experts));
      experts.insert(x);
    }
    CHECK(static_cast<int64_t>(experts.size()) == k);
  }
}

TEST_CASE("the same seed gives the same bytes whatever the sharding, another seed differs") {
  ScratchDir a("seed_a"), b("seed_b"), c("seed_c");
  RandomCheckpointOptions one_shard, many_shards, other_seed;
  many_shards.max_shard_bytes = 1;
  other_seed.seed = one_shard.seed + 1;
  MESSAGE("seeds " << one_shard.seed << " and " << other_seed.seed);
  REQUIRE(WriteRandomCheckpoint(a.str(), MiniConfig(), one_shard).ok());
  REQUIRE(WriteRandomCheckpoint(b.str(), MiniConfig(), many_shards).ok());
  REQUIRE(WriteRandomCheckpoint(c.str(), MiniConfig(), other_seed).ok());
  auto ca = Checkpoint::Open(a.str()), cb = Checkpoint::Open(b.str()),
       cc = Checkpoint::Open(c.str());
  REQUIRE((ca.ok() && cb.ok() && cc.ok()));
  for (const TensorSpec& spec : ExpectedTensors((*ca)->config())) {
    if (spec.optional) continue;
    CHECK_MESSAGE(TensorBytes(**ca, spec.name) == TensorBytes(**cb, spec.name), spec.name);
  }
  CHECK(TensorBytes(**ca, "embed.weight") != TensorBytes(**cc, "embed.weight"));
  CHECK(TensorBytes(**ca, "layers.1.attn.wkv.weight") !=
        TensorBytes(**cc, "layers.1.attn.wkv.weight"));
}

TEST_CASE("init refuses a non-empty directory and a bad config, leaving nothing behind") {
  ScratchDir dir("refuse");
  fs::create_directories(dir.path());
  std::ofstream(dir.path() / "notes.txt") << "keep me";
  auto taken = WriteRandomCheckpoint(dir.str(), MiniConfig());
  REQUIRE(!taken.ok());
  CHECK(taken.status().code() == base::StatusCode::kAlreadyExists);
  CHECK(fs::exists(dir.path() / "notes.txt"));
  CHECK(!fs::exists(dir.path() / "config.json"));

  ScratchDir bad("bad_config");
  auto invalid = WriteRandomCheckpoint(bad.str(), "{\"vocab_size\": 3}");
  REQUIRE(!invalid.ok());
  CHECK(invalid.status().code() == base::StatusCode::kInvalidArgument);
  CHECK(!fs::exists(bad.path()));

  // An empty directory is fine (scripts create it first).
  ScratchDir empty("empty");
  fs::create_directories(empty.path());
  CHECK(WriteRandomCheckpoint(empty.str(), MiniConfig()).ok());
  CHECK(fs::exists(empty.path() / "model.safetensors.index.json"));
}

TEST_CASE("the tiny preset as `model init` writes it: real vocabulary, loads and runs") {
  ScratchDir dir("tiny_preset");
  RandomCheckpointOptions options;
  options.tokenizer_json = "{\"stand-in\": true}";  // the CLI passes the real V4 tokenizer
  const auto start = std::chrono::steady_clock::now();
  auto summary = WriteRandomCheckpoint(dir.str(), *ModelPresetConfigJson("tiny"), options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE_MESSAGE(summary.ok(), summary.status().ToString());
  std::printf("tiny preset: %lld tensors, %lld shards, %.1f MB written in %.2f s (seed %llu)\n",
              static_cast<long long>(summary->tensors), static_cast<long long>(summary->shards),
              summary->weight_bytes / 1e6, seconds, static_cast<unsigned long long>(options.seed));
  CHECK(fs::exists(dir.path() / "tokenizer.json"));
  std::ifstream tok_config(dir.path() / "tokenizer_config.json");
  const auto tc = nlohmann::json::parse(tok_config);
  CHECK(tc["eos_token"]["content"] == "<｜end▁of▁sentence｜>");
  CHECK(tc["add_bos_token"] == false);
  RunAndCheckLogits(dir.str(), 20, static_cast<uint32_t>(options.seed));
}

}  // namespace inference
