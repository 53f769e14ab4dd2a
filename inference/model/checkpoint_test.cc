#include "inference/model/checkpoint.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>

#include "inference/backend/cpu/number_formats.h"
#include "inference/model/safetensors_writer.h"

namespace inference {
namespace {

namespace fs = std::filesystem;

std::string TinyDir() {
  const char* dir = std::getenv("FLASHCODE_SOURCE_DIR");
  return std::string(dir ? dir : ".") + "/tests/data/golden/v4-tiny";
}

// Writes a copy of the tiny checkpoint into a fresh temporary directory as two shards, after
// `mutate` has edited the tensor list. Returns the directory.
std::string WriteVariant(const std::string& tag, const std::function<void(std::vector<TensorBlob>&)>& mutate) {
  auto source = SafetensorsFile::Open(TinyDir() + "/model.safetensors");
  REQUIRE(source.ok());
  std::vector<TensorBlob> blobs;
  for (const auto& [name, view] : (*source)->tensors()) {
    blobs.push_back({name, view.dtype, view.shape, std::vector<uint8_t>(view.data, view.data + view.nbytes)});
  }
  mutate(blobs);
  const fs::path dir = fs::temp_directory_path() / ("flashcode_ckpt_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(TinyDir() + "/config.json", dir / "config.json");
  std::vector<TensorBlob> first(blobs.begin(), blobs.begin() + blobs.size() / 2);
  std::vector<TensorBlob> second(blobs.begin() + blobs.size() / 2, blobs.end());
  std::map<std::string, std::string> weight_map;
  uint64_t total = 0;
  for (const auto& b : first) weight_map[b.name] = "model-00001-of-00002.safetensors", total += b.bytes.size();
  for (const auto& b : second) weight_map[b.name] = "model-00002-of-00002.safetensors", total += b.bytes.size();
  REQUIRE(WriteSafetensors((dir / "model-00001-of-00002.safetensors").string(), first).ok());
  REQUIRE(WriteSafetensors((dir / "model-00002-of-00002.safetensors").string(), second).ok());
  REQUIRE(WriteSafetensorsIndex((dir / "model.safetensors.index.json").string(), weight_map, total).ok());
  return dir.string();
}

TensorBlob* FindBlob(std::vector<TensorBlob>& blobs, const std::string& name) {
  for (auto& b : blobs) {
    if (b.name == name) return &b;
  }
  FAIL("no tensor " << name);
  return nullptr;
}

}  // namespace

TEST_CASE("the tiny golden checkpoint loads and matches the layout exactly") {
  auto ckpt = Checkpoint::Open(TinyDir());
  REQUIRE_MESSAGE(ckpt.ok(), ckpt.status().ToString());
  auto file = SafetensorsFile::Open(TinyDir() + "/model.safetensors");
  REQUIRE(file.ok());
  std::set<std::string> expected, found;
  for (const auto& spec : ExpectedTensors((*ckpt)->config())) expected.insert(spec.name);
  for (const auto& [name, view] : (*file)->tensors()) found.insert(name);
  CHECK(expected == found);
  const TensorView* wq_a = (*ckpt)->Get("layers.2.attn.wq_a.weight");
  REQUIRE(wq_a != nullptr);
  CHECK(wq_a->Describe() == "F8_E4M3 [256, 256]");
  // Dequantise one FP8 weight by hand: every value is e4m3 times a power of two and the weights
  // were drawn with variance 1/in, so their mean square is near 1/256.
  const TensorView* scale = (*ckpt)->Get("layers.2.attn.wq_a.scale");
  double sum_sq = 0;
  for (int64_t i = 0; i < 256 * 256; ++i) {
    const float w = E4m3ToFloat(wq_a->data[i]) * E8m0ToFloat(scale->data[(i / 256 / 128) * 2 + (i % 256) / 128]);
    sum_sq += double(w) * w;
  }
  CHECK(sum_sq / (256 * 256) == doctest::Approx(1.0 / 256).epsilon(0.2));
}

TEST_CASE("a missing tensor is one precise error") {
  const std::string dir = WriteVariant("missing", [](std::vector<TensorBlob>& blobs) {
    std::erase_if(blobs, [](const TensorBlob& b) { return b.name == "layers.3.attn.compressor.ape"; });
  });
  auto ckpt = Checkpoint::Open(dir);
  REQUIRE(!ckpt.ok());
  CHECK(ckpt.status().code() == base::StatusCode::kNotFound);
  CHECK(ckpt.status().message().find("'layers.3.attn.compressor.ape' missing (expected F32 [128, 512])") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("a mis-typed tensor names file, tensor, expected and found") {
  const std::string dir = WriteVariant("dtype", [](std::vector<TensorBlob>& blobs) {
    TensorBlob* b = FindBlob(blobs, "layers.0.attn.wq_b.weight");
    b->dtype = DType::kI8;
  });
  auto ckpt = Checkpoint::Open(dir);
  REQUIRE(!ckpt.ok());
  CHECK(ckpt.status().code() == base::StatusCode::kInvalidArgument);
  const std::string& msg = ckpt.status().message();
  CHECK(msg.find(".safetensors: tensor 'layers.0.attn.wq_b.weight': expected F8_E4M3 [2048, 256], found I8 [2048, 256]") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("a mis-shaped tensor is rejected") {
  const std::string dir = WriteVariant("shape", [](std::vector<TensorBlob>& blobs) {
    TensorBlob* b = FindBlob(blobs, "layers.1.ffn.experts.3.w2.weight");
    b->shape = {128, 128};  // same byte count as [256, 64]
  });
  auto ckpt = Checkpoint::Open(dir);
  REQUIRE(!ckpt.ok());
  CHECK(ckpt.status().message().find("'layers.1.ffn.experts.3.w2.weight': expected I8 [256, 64], found I8 [128, 128]") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("a truncated shard is DataLoss, not a crash") {
  const std::string dir = WriteVariant("truncated", [](std::vector<TensorBlob>&) {});
  const fs::path shard = fs::path(dir) / "model-00002-of-00002.safetensors";
  fs::resize_file(shard, fs::file_size(shard) - 1000);
  auto ckpt = Checkpoint::Open(dir);
  REQUIRE(!ckpt.ok());
  CHECK(ckpt.status().code() == base::StatusCode::kDataLoss);
  CHECK(ckpt.status().message().find("model-00002-of-00002.safetensors: tensor '") != std::string::npos);
  CHECK(ckpt.status().message().find("truncated") != std::string::npos);
  fs::resize_file(shard, 4);
  auto tiny = Checkpoint::Open(dir);
  REQUIRE(!tiny.ok());
  CHECK(tiny.status().code() == base::StatusCode::kDataLoss);
  fs::remove_all(dir);
}

TEST_CASE("a byte count that does not match the shape is rejected") {
  const std::string dir = WriteVariant("bytes", [](std::vector<TensorBlob>& blobs) {
    FindBlob(blobs, "norm.weight")->bytes.resize(100);
  });
  auto ckpt = Checkpoint::Open(dir);
  REQUIRE(!ckpt.ok());
  CHECK(ckpt.status().message().find("tensor 'norm.weight': BF16 [256] needs 512 bytes") != std::string::npos);
  fs::remove_all(dir);
}

}  // namespace inference
