#include "inference/model/random_checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <system_error>
#include <vector>

#include "inference/backend/cpu/number_formats.h"
#include "inference/model/checkpoint_layout.h"
#include "inference/model/model_config.h"
#include "inference/model/safetensors_writer.h"

namespace inference {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kFp8Block = 128;
constexpr int64_t kFp4Group = 32;

// xoshiro256** seeded through splitmix64. Our own generator and normal transform rather than
// <random>'s distributions, whose output is implementation-defined: a seed must name the same
// checkpoint on every platform and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : s_) s = SplitMix(seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)

  // Standard normal by Box-Muller in float (init draws hundreds of millions of values; their
  // precision does not matter); the second value of each pair serves the next call.
  float Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const uint64_t bits = Next();
    const float u1 = std::max(static_cast<float>(bits >> 40) * 0x1.0p-24f, 0x1.0p-25f);  // (0, 1)
    const float angle =
        static_cast<float>((bits >> 16) & 0xffffff) * (0x1.0p-24f * 2 * static_cast<float>(M_PI));
    const float r = std::sqrt(-2 * std::log(u1));
    spare_ = r * std::sin(angle);
    has_spare_ = true;
    return r * std::cos(angle);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  uint64_t s_[4];
  float spare_ = 0;
  bool has_spare_ = false;
};

// Each tensor's own stream: FNV-1a of its name mixed with the checkpoint seed.
Rng TensorRng(uint64_t seed, const std::string& name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : name) h = (h ^ ch) * 0x100000001b3ull;
  return Rng(h ^ (seed * 0x9e3779b97f4a7c15ull));
}

// The e4m3fn byte of a value already on the e4m3 grid (|q| <= 448). Computed from the exponent
// rather than by searching the 256-entry table: init quantises hundreds of millions of values.
uint8_t E4m3Byte(float q) {
  const uint8_t sign = std::signbit(q) ? 0x80 : 0;
  const float a = std::fabs(q);
  if (a < 0x1p-6f) return sign | static_cast<uint8_t>(a * 512.0f);  // subnormal: m * 2^-9
  int e;
  std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1), so a = (1 + m/8) * 2^(e-1)
  const int mantissa = static_cast<int>((std::ldexp(a, 1 - e) - 1.0f) * 8.0f);
  return sign | static_cast<uint8_t>((e - 1 + 7) << 3) | static_cast<uint8_t>(mantissa);
}

// The 4-bit e2m1 code (0, 0.5, 1, 1.5, 2, 3, 4, 6; bit 3 = sign) nearest to v in [-6, 6], ties
// to the even code: the midpoints 0.25, 1.25, 2.5 and 5 go down, 0.75, 1.75 and 3.5 go up.
// Thresholds rather than the backend's generic RoundToE2m1: the experts hold most of the values.
uint8_t E2m1Code(float v) {
  const float a = std::fabs(v);
  const uint8_t code = a <= 0.25f   ? 0
                       : a < 0.75f  ? 1
                       : a <= 1.25f ? 2
                       : a < 1.75f  ? 3
                       : a <= 2.5f  ? 4
                       : a < 3.5f   ? 5
                       : a <= 5.0f  ? 6
                                    : 7;
  return (std::signbit(v) ? 8 : 0) | code;
}

// The power-of-two scale that maps a block's amax onto the format's largest value `top`, as
// DeepSeek's ue8m0 block quantisation computes it.
float BlockScale(float amax, float top) {
  return amax > 0 ? Pow2Ceil(std::max(amax / top, 0x1p-126f)) : 1.0f;
}

std::vector<float> NormalMatrix(Rng& rng, int64_t out, int64_t in) {
  std::vector<float> w(out * in);
  const double std_dev = 1.0 / std::sqrt(static_cast<double>(in));
  for (float& x : w) x = static_cast<float>(std_dev * rng.Normal());
  return w;
}

// FP8 linear [out, in] ~ N(0, 1/in): e4m3 values with one e8m0 scale per 128x128 block.
void Fp8Linear(const TensorSpec& weight, Rng& rng, TensorBlob* w, TensorBlob* s) {
  const int64_t out = weight.shape[0], in = weight.shape[1];
  const int64_t rows = (out + kFp8Block - 1) / kFp8Block, cols = (in + kFp8Block - 1) / kFp8Block;
  const std::vector<float> x = NormalMatrix(rng, out, in);
  w->bytes.resize(out * in);
  s->bytes.resize(rows * cols);
  for (int64_t bo = 0; bo < rows; ++bo) {
    for (int64_t bi = 0; bi < cols; ++bi) {
      const int64_t o_end = std::min(out, (bo + 1) * kFp8Block),
                    i_end = std::min(in, (bi + 1) * kFp8Block);
      float amax = 0;
      for (int64_t o = bo * kFp8Block; o < o_end; ++o) {
        for (int64_t i = bi * kFp8Block; i < i_end; ++i)
          amax = std::max(amax, std::fabs(x[o * in + i]));
      }
      const float scale = BlockScale(amax, 448.0f);
      s->bytes[bo * cols + bi] = Pow2ToE8m0(scale);
      for (int64_t o = bo * kFp8Block; o < o_end; ++o) {
        for (int64_t i = bi * kFp8Block; i < i_end; ++i) {
          const float q = RoundToE4m3(std::clamp(x[o * in + i] / scale, -448.0f, 448.0f));
          w->bytes[o * in + i] = E4m3Byte(q);
        }
      }
    }
  }
}

// MXFP4 routed-expert linear: weight I8 [out, in/2] (low nibble = even column), one e8m0 scale
// per 32 inputs of a row.
void Fp4Linear(const TensorSpec& weight, Rng& rng, TensorBlob* w, TensorBlob* s) {
  const int64_t out = weight.shape[0], in = weight.shape[1] * 2, groups = in / kFp4Group;
  const std::vector<float> x = NormalMatrix(rng, out, in);
  w->bytes.assign(out * in / 2, 0);
  s->bytes.resize(out * groups);
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t g = 0; g < groups; ++g) {
      const float* group = &x[o * in + g * kFp4Group];
      float amax = 0;
      for (int64_t k = 0; k < kFp4Group; ++k) amax = std::max(amax, std::fabs(group[k]));
      const float scale = BlockScale(amax, 6.0f), inverse = 1.0f / scale;  // exact: a power of two
      s->bytes[o * groups + g] = Pow2ToE8m0(scale);
      for (int64_t k = 0; k < kFp4Group; ++k) {
        const uint8_t code = E2m1Code(group[k] * inverse);
        const int64_t i = g * kFp4Group + k;
        w->bytes[o * in / 2 + i / 2] |= (i % 2 == 0) ? code : static_cast<uint8_t>(code << 4);
      }
    }
  }
}

// Hash routing table [vocab, k]: k distinct experts per token id.
void HashTable(const TensorSpec& spec, int64_t n_experts, Rng& rng, TensorBlob* t) {
  const int64_t vocab = spec.shape[0], k = spec.shape[1];
  std::vector<int64_t> perm(n_experts);
  std::iota(perm.begin(), perm.end(), 0);
  t->bytes.resize(vocab * k * 8);
  for (int64_t row = 0; row < vocab; ++row) {
    for (int64_t j = 0; j < k; ++j) {  // partial Fisher-Yates: the first k entries are distinct
      const int64_t pick =
          j + static_cast<int64_t>(rng.Next() % static_cast<uint64_t>(n_experts - j));
      std::swap(perm[j], perm[pick]);
      std::memcpy(&t->bytes[(row * k + j) * 8], &perm[j], 8);  // little-endian host
    }
  }
}

// bf16 / fp32 tensors: mean + std * N(0, 1), or U(0.5, 1.5) for the mHC scales, following the
// golden tiny checkpoint's recipe.
void PlainTensor(const TensorSpec& spec, const ModelConfig& c, Rng& rng, TensorBlob* t) {
  const std::string& n = spec.name;
  double mean = 0, std_dev = 1;
  bool uniform = false;
  if (n == "embed.weight" || n.ends_with("emb.tok_emb.weight") || n.ends_with("_base") ||
      n.ends_with("attn_sink")) {
    std_dev = 1;
  } else if (n.ends_with("head.weight")) {
    std_dev = 1 / std::sqrt(static_cast<double>(c.dim));
  } else if (n.ends_with("norm.weight")) {
    mean = 1, std_dev = 0.1;
  } else if (n.ends_with("_scale")) {
    uniform = true;
  } else if (n.ends_with("ape")) {
    std_dev = 0.5;
  } else if (n.ends_with("gate.bias")) {
    std_dev = 0.1;
  } else {  // projections (compressor, indexer, router gate, mHC fn): fan-in scaling
    std_dev = 1 / std::sqrt(static_cast<double>(spec.shape.back()));
  }
  const int64_t count = spec.NumElements();
  t->bytes.resize(count * DTypeSize(spec.dtype));
  for (int64_t i = 0; i < count; ++i) {
    const float v =
        static_cast<float>(uniform ? 0.5 + rng.Uniform() : mean + std_dev * rng.Normal());
    if (spec.dtype == DType::kBF16) {
      const uint16_t bits = FloatToBf16Bits(v);
      std::memcpy(&t->bytes[2 * i], &bits, 2);
    } else {
      std::memcpy(&t->bytes[4 * i], &v, 4);
    }
  }
}

// Splits the tensors into shards, cutting only between blocks (a layer never straddles two
// files, so a weight and its scale always share one).
std::vector<std::vector<const TensorSpec*>> PlanShards(const std::vector<TensorSpec>& specs,
                                                       uint64_t max_shard_bytes) {
  std::vector<std::vector<const TensorSpec*>> shards(1);
  uint64_t bytes = 0;
  for (const TensorSpec& spec : specs) {
    if (spec.optional) continue;
    if (!shards.back().empty() && bytes >= max_shard_bytes &&
        spec.block != shards.back().back()->block) {
      shards.emplace_back();
      bytes = 0;
    }
    shards.back().push_back(&spec);
    bytes += spec.NumElements() * DTypeSize(spec.dtype);
  }
  return shards;
}

// The blobs of one shard, in layout order.
std::vector<TensorBlob> ShardBlobs(const std::vector<const TensorSpec*>& specs,
                                   const ModelConfig& c, uint64_t seed) {
  std::vector<TensorBlob> blobs;
  for (size_t i = 0; i < specs.size(); ++i) {
    const TensorSpec& spec = *specs[i];
    Rng rng = TensorRng(seed, spec.name);
    TensorBlob t{spec.name, spec.dtype, spec.shape, {}};
    if (spec.role == TensorRole::kFp8Weight || spec.role == TensorRole::kFp4Weight) {
      // The layout lists each quantised weight directly before its scale.
      assert(i + 1 < specs.size() && specs[i + 1]->role == TensorRole::kScale);
      const TensorSpec& scale_spec = *specs[i + 1];
      TensorBlob s{scale_spec.name, scale_spec.dtype, scale_spec.shape, {}};
      if (spec.role == TensorRole::kFp8Weight) {
        Fp8Linear(spec, rng, &t, &s);
      } else {
        Fp4Linear(spec, rng, &t, &s);
      }
      blobs.push_back(std::move(t));
      blobs.push_back(std::move(s));
      ++i;
      continue;
    }
    if (spec.role == TensorRole::kTable) {
      HashTable(spec, c.n_routed_experts, rng, &t);
    } else {
      PlainTensor(spec, c, rng, &t);
    }
    blobs.push_back(std::move(t));
  }
  return blobs;
}

base::Status WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) return base::Internal("cannot write " + path.string());
  return base::Status::Ok();
}

// tokenizer_config.json as the V4 release ships it: no BOS/EOS added by the tokenizer (the chat
// encoder writes BOS as text), EOS doubles as pad.
std::string TokenizerConfigJson() {
  auto token = [](const char* content) {
    return nlohmann::ordered_json{{"__type", "AddedToken"}, {"content", content},
                                  {"lstrip", false},        {"normalized", true},
                                  {"rstrip", false},        {"single_word", false}};
  };
  nlohmann::ordered_json j{{"add_bos_token", false},
                           {"add_eos_token", false},
                           {"bos_token", token("<｜begin▁of▁sentence｜>")},
                           {"clean_up_tokenization_spaces", false},
                           {"eos_token", token("<｜end▁of▁sentence｜>")},
                           {"legacy", true},
                           {"model_max_length", 1048576},
                           {"pad_token", token("<｜end▁of▁sentence｜>")},
                           {"sp_model_kwargs", nlohmann::ordered_json::object()},
                           {"unk_token", nullptr},
                           {"tokenizer_class", "PreTrainedTokenizerFast"}};
  return j.dump(2) + "\n";
}

std::string GenerationConfigJson() {
  nlohmann::ordered_json j{{"_from_model_config", true}, {"bos_token_id", 0},  {"eos_token_id", 1},
                           {"do_sample", true},          {"temperature", 1.0}, {"top_p", 1.0}};
  return j.dump(2) + "\n";
}

base::StatusOr<RandomCheckpointSummary> WriteFiles(const fs::path& dir,
                                                   std::string_view config_json,
                                                   const ModelConfig& config,
                                                   const RandomCheckpointOptions& options) {
  const std::vector<TensorSpec> specs = ExpectedTensors(config);
  const auto shards = PlanShards(specs, options.max_shard_bytes);
  RandomCheckpointSummary summary;
  summary.shards = static_cast<int64_t>(shards.size());
  std::map<std::string, std::string> weight_map;
  const std::map<std::string, std::string> metadata = {{"format", "pt"},
                                                       {"generator", "flashcode model init"},
                                                       {"seed", std::to_string(options.seed)}};
  for (size_t s = 0; s < shards.size(); ++s) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", s + 1, shards.size());
    const std::vector<TensorBlob> blobs = ShardBlobs(shards[s], config, options.seed);
    FC_RETURN_IF_ERROR(WriteSafetensors((dir / name).string(), blobs, metadata));
    for (const TensorBlob& b : blobs) {
      weight_map[b.name] = name;
      summary.weight_bytes += b.bytes.size();
      ++summary.tensors;
    }
  }
  FC_RETURN_IF_ERROR(WriteSafetensorsIndex((dir / "model.safetensors.index.json").string(),
                                           weight_map, summary.weight_bytes));
  FC_RETURN_IF_ERROR(WriteText(dir / "config.json", std::string(config_json)));
  FC_RETURN_IF_ERROR(WriteText(dir / "generation_config.json", GenerationConfigJson()));
  if (!options.tokenizer_json.empty()) {
    FC_RETURN_IF_ERROR(WriteText(dir / "tokenizer.json", options.tokenizer_json));
    FC_RETURN_IF_ERROR(WriteText(dir / "tokenizer_config.json", TokenizerConfigJson()));
  }
  return summary;
}

}  // namespace

base::StatusOr<RandomCheckpointSummary> WriteRandomCheckpoint(
    const std::string& out_dir, std::string_view config_json,
    const RandomCheckpointOptions& options) {
  FC_ASSIGN_OR_RETURN(ModelConfig config, ParseModelConfig(config_json));
  std::error_code ec;
  const fs::path out = fs::absolute(out_dir, ec);
  if (ec || out_dir.empty()) return base::InvalidArgument("bad output directory '" + out_dir + "'");
  if (fs::exists(out, ec) && (!fs::is_directory(out, ec) || !fs::is_empty(out, ec))) {
    return base::AlreadyExists(out.string() + " exists and is not an empty directory");
  }
  fs::create_directories(out.parent_path(), ec);
  if (ec)
    return base::Internal("cannot create " + out.parent_path().string() + ": " + ec.message());
  const fs::path partial = out.string() + ".partial-" + std::to_string(::getpid());
  fs::remove_all(partial, ec);
  fs::create_directory(partial, ec);
  if (ec) return base::Internal("cannot create " + partial.string() + ": " + ec.message());
  auto summary = WriteFiles(partial, config_json, config, options);
  if (summary.ok()) {
    fs::remove(out, ec);  // an empty directory, checked above, or nothing
    fs::rename(partial, out, ec);
    if (ec)
      summary = base::Internal("cannot rename " + partial.string() + " to " + out.string() + ": " +
                               ec.message());
  }
  if (!summary.ok()) fs::remove_all(partial, ec);
  return summary;
}

}  // namespace inference
