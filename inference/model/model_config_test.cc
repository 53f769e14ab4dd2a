#include "inference/model/model_config.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

#include "inference/model/checkpoint_layout.h"

namespace inference {
namespace {

std::string SourceDir() {
  const char* dir = std::getenv("FLASHCODE_SOURCE_DIR");
  return dir ? dir : ".";
}

}  // namespace

TEST_CASE("the official Flash and Pro configs parse and have the published sizes") {
  auto flash = LoadModelConfig(SourceDir() + "/tests/data/golden/configs/v4-flash/config.json");
  REQUIRE_MESSAGE(flash.ok(), flash.status().ToString());
  CHECK(flash->dim == 4096);
  CHECK(flash->n_layers == 43);
  CHECK(flash->compress_ratios.size() == 44);
  CHECK(flash->CompressRatio(2) == 4);
  CHECK(flash->CompressRatio(3) == 128);
  CHECK(flash->index_topk == 512);
  CHECK(flash->original_seq_len == 65536);
  const ParameterCount fc = CountParameters(*flash);
  std::printf("V4-Flash: total %.2fB, active %.2fB, MTP %.2fB\n", fc.total / 1e9, fc.active / 1e9,
              fc.mtp / 1e9);
  CHECK(fc.total > 280e9);
  CHECK(fc.total < 288e9);
  CHECK(fc.active > 12.5e9);
  CHECK(fc.active < 14e9);

  auto pro = LoadModelConfig(SourceDir() + "/tests/data/golden/configs/v4-pro/config.json");
  REQUIRE_MESSAGE(pro.ok(), pro.status().ToString());
  CHECK(pro->n_routed_experts == 384);
  const ParameterCount pc = CountParameters(*pro);
  std::printf("V4-Pro: total %.3fT, active %.2fB, MTP %.2fB\n", pc.total / 1e12, pc.active / 1e9,
              pc.mtp / 1e9);
  CHECK(pc.total > 1.5e12);
  CHECK(pc.total < 1.7e12);
  CHECK(pc.active > 45e9);
  CHECK(pc.active < 53e9);
}

TEST_CASE("config errors name the field") {
  auto bad = ParseModelConfig("{\"vocab_size\": 10}");
  REQUIRE(!bad.ok());
  CHECK(bad.status().message().find("hidden_size") != std::string::npos);
  CHECK(!ParseModelConfig("not json").ok());
  auto tiny = LoadModelConfig(SourceDir() + "/tests/data/golden/v4-tiny/config.json");
  REQUIRE(tiny.ok());
  CHECK(ExpectedTensors(*tiny).size() == 923);  // the tiny checkpoint holds 923 tensors
}

}  // namespace inference
