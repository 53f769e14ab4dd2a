// End-to-end checks against DeepSeek's reference on the golden v4-tiny checkpoint
// (shared/golden/README.md §3), decode teacher-forced on the stored tokens, held to the issue's
// rms_rel 0.1. Measured: bit-exact everywhere (rms_rel 0): case 1 prefill (all 370 positions),
// MTP and 24 decode steps, case 2 prefill and 140 decode steps. Case 1 needed the reference's
// multi-row bf16 einsum (wo_a) in oneDNN's summation order (backend/cpu/onednn_bf16_order.h).
#include <doctest/doctest.h>

#include <cstdio>

#include "inference/model/deepseek_v4.h"
#include "inference/model/golden_test_support.h"

namespace inference {
namespace {

constexpr double kMaxRmsRel = 0.1;
constexpr double kMaxAbs = 1.2;

std::unique_ptr<DeepSeekV4Model> LoadTiny() {
  auto loaded = DeepSeekV4Model::Load(golden::TinyDir());
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  return std::move(loaded).value();
}

void CheckLogits(const std::string& what, const std::vector<float>& mine,
                 const std::vector<float>& ref, size_t offset, size_t n, double* worst_rms,
                 double* worst_abs, double max_rms = kMaxRmsRel) {
  const golden::Diff d = golden::Compare(mine.data(), ref.data() + offset, n);
  *worst_rms = std::max(*worst_rms, d.rms_rel);
  *worst_abs = std::max(*worst_abs, d.max_abs);
  CHECK_MESSAGE(d.rms_rel <= max_rms, what << " rms_rel " << d.rms_rel);
  CHECK_MESSAGE(d.max_abs <= kMaxAbs, what << " max|diff| " << d.max_abs);
}

// Teacher-forced decode: feeds decode_tokens[i] at decode_positions[i], compares each step.
void CheckDecode(const DeepSeekV4Model& model, SequenceCache& cache, const SafetensorsFile& file,
                 const char* name, double max_rms) {
  const std::vector<int32_t> tokens = golden::Ints(file, "decode_tokens");
  const std::vector<int32_t> positions = golden::Ints(file, "decode_positions");
  const std::vector<float> expected = golden::Floats(file, "decode_logits");
  const size_t V = model.config().vocab_size;
  double worst_rms = 0, worst_abs = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    auto out = model.Forward(std::span(&tokens[i], 1), positions[i], cache);
    REQUIRE_MESSAGE(out.ok(), out.status().ToString());
    const std::string what = std::string(name) + " decode step " + std::to_string(i);
    CheckLogits(what, out->logits, expected, i * V, V, &worst_rms, &worst_abs, max_rms);
  }
  std::printf("%s: %zu decode steps, worst rms_rel %.3g, worst max|diff| %.3g\n", name,
              tokens.size(), worst_rms, worst_abs);
}

}  // namespace

TEST_CASE("case 1: prefill of 370 tokens, 24 decode steps and the MTP block match the reference") {
  auto model = LoadTiny();
  auto file = golden::OpenCase("case1_prefill_decode.safetensors");
  const std::vector<int32_t> prompt = golden::Ints(*file, "prompt_tokens");
  const size_t V = model->config().vocab_size;
  auto cache = model->NewCache();
  ForwardOptions options;
  options.all_logits = true;
  options.keep_hidden = true;
  auto prefill = model->Forward(prompt, 0, *cache, options);
  REQUIRE_MESSAGE(prefill.ok(), prefill.status().ToString());
  double worst_rms = 0, worst_abs = 0;
  CheckLogits("prefill, all positions", prefill->logits,
              golden::Floats(*file, "prefill_logits_all"), 0, prompt.size() * V, &worst_rms,
              &worst_abs);
  const std::vector<float> last(prefill->logits.end() - V, prefill->logits.end());
  CheckLogits("prefill, last position", last, golden::Floats(*file, "prefill_logits_last"), 0, V,
              &worst_rms, &worst_abs);
  std::printf("case 1 prefill: rms_rel %.3g (all positions), worst max|diff| %.3g\n", worst_rms,
              worst_abs);

  // MTP in prefill mode over all positions, fed our own final streams.
  const std::vector<int32_t> mtp_ids = golden::Ints(*file, "mtp_input_ids");
  auto mtp = model->ForwardMtp(prefill->hidden, mtp_ids, 0, *cache, options);
  REQUIRE_MESSAGE(mtp.ok(), mtp.status().ToString());
  const std::vector<float> tail(mtp->logits.end() - 32 * V, mtp->logits.end());
  double mtp_rms = 0, mtp_abs = 0;
  CheckLogits("MTP tail 32", tail, golden::Floats(*file, "mtp_logits_tail32"), 0, 32 * V, &mtp_rms,
              &mtp_abs);
  std::printf("case 1 MTP: rms_rel %.3g, max|diff| %.3g\n", mtp_rms, mtp_abs);

  CheckDecode(*model, *cache, *file, "case 1", kMaxRmsRel);
}

TEST_CASE("case 2: short prompt, 140 decode steps from an almost empty state") {
  auto model = LoadTiny();
  auto file = golden::OpenCase("case2_short_prompt_long_decode.safetensors");
  const std::vector<int32_t> prompt = golden::Ints(*file, "prompt_tokens");
  auto cache = model->NewCache();
  auto prefill = model->Forward(prompt, 0, *cache);
  REQUIRE(prefill.ok());
  double worst_rms = 0, worst_abs = 0;
  CheckLogits("case 2 prefill", prefill->logits, golden::Floats(*file, "prefill_logits_last"), 0,
              model->config().vocab_size, &worst_rms, &worst_abs);
  std::printf("case 2 prefill: rms_rel %.3g, max|diff| %.3g\n", worst_rms, worst_abs);
  CheckDecode(*model, *cache, *file, "case 2", kMaxRmsRel);
}

}  // namespace inference
