// Per-layer and head checks against DeepSeek's reference on the golden v4-tiny checkpoint
// (shared/golden/README.md §3): each layer is fed its stored prefill input and must reproduce
// the stored output to rms_rel <= 2e-3; on failure the traced sublayers name the culprit.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>

#include "inference/model/deepseek_v4.h"
#include "inference/model/golden_test_support.h"

namespace inference {
namespace {

using golden::Compare;
using golden::Floats;

const DeepSeekV4Model& TinyModel() {
  static std::unique_ptr<DeepSeekV4Model> model = [] {
    auto loaded = DeepSeekV4Model::Load(golden::TinyDir());
    REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
    return std::move(loaded).value();
  }();
  return *model;
}

}  // namespace

TEST_CASE("every layer reproduces the reference output from the stored input") {
  const DeepSeekV4Model& model = TinyModel();
  const ModelConfig& c = model.config();
  auto trace_file = golden::OpenCase("case1_prefill_trace.safetensors");
  auto case1 = golden::OpenCase("case1_prefill_decode.safetensors");
  const std::vector<int32_t> tokens = golden::Ints(*case1, "prompt_tokens");
  const size_t T = tokens.size(), hc = c.hc_mult, d = c.dim;
  for (int64_t l = 0; l < c.n_layers; ++l) {
    std::vector<float> X(T * hc * d);
    if (l == 0) {
      const std::vector<float> embed = Floats(*trace_file, "embed");
      for (size_t t = 0; t < T; ++t) {
        for (size_t j = 0; j < hc; ++j) std::copy_n(&embed[t * d], d, &X[(t * hc + j) * d]);
      }
    } else {
      X = Floats(*trace_file, "layers." + std::to_string(l - 1) + ".out");
    }
    // Sublayer traces compared as they are produced, so a failure names where it started.
    std::map<std::string, golden::Diff> diffs;
    ForwardTrace trace = [&](const std::string& name, const float* data, size_t n) {
      std::string stored = name;
      if (name.ends_with(".pre_input")) return;
      // Tokens' own KV rows are the first rows of the stored attn.kv; q and o are stored for
      // the last 32 positions only.
      if (name.ends_with("attn.kv_tokens") || name.ends_with("attn.q") || name.ends_with("attn.o")) {
        const bool tail = !name.ends_with("kv_tokens");
        stored = tail ? name + "_tail32" : name.substr(0, name.size() - 7);
        const TensorView* view = trace_file->Find(stored);
        if (view == nullptr) return;
        const std::vector<float> ref = Floats(*trace_file, stored);
        const size_t m = tail ? ref.size() : n;
        diffs[name] = Compare(data + (tail ? n - m : 0), ref.data(), m);
        if (std::getenv("GOLDEN_DEBUG")) {
          const float* mine = data + n - m;
          size_t diff_nope = 0, diff_rope = 0;
          for (size_t i = 0; i < m; ++i) {
            if (mine[i] != ref[i]) ((i % 512) < 448 ? diff_nope : diff_rope)++;
          }
          if (name.ends_with("attn.q")) {
            for (size_t hh = 0; hh < m / 512; ++hh) {
              size_t cnt = 0;
              double ratio = 0;
              for (size_t i = 0; i < 448; ++i) {
                if (mine[hh * 512 + i] != ref[hh * 512 + i]) cnt++;
                if (ref[hh * 512 + i] != 0) ratio = mine[hh * 512 + i] / ref[hh * 512 + i];
              }
              if (cnt) std::printf("     head-row %zu: %zu differ, last ratio %.6f\n", hh, cnt, ratio);
            }
          }
          std::printf("   %s differs: nope %zu rope %zu of %zu\n", name.c_str(), diff_nope, diff_rope, m);
        }
        return;
      }
      const TensorView* view = trace_file->Find(stored);
      if (view == nullptr || static_cast<size_t>(view->NumElements()) != n) return;
      const std::vector<float> ref = Floats(*trace_file, stored);
      diffs[name] = Compare(data, ref.data(), n);
      if (std::getenv("GOLDEN_DEBUG") && n % 370 == 0) {
        const size_t w = n / 370;
        std::string line;
        for (size_t t0 = 0; t0 < 370; t0 += 37) {
          const golden::Diff dd = Compare(data + t0 * w, ref.data() + t0 * w, 37 * w);
          line += " " + std::to_string(dd.rms_rel).substr(0, 7);
        }
        std::printf("   %s by position:%s\n", name.c_str(), line.c_str());
      }
    };
    auto cache = model.NewCache();
    REQUIRE(model.RunLayer(l, X.data(), tokens, 0, *cache, &trace).ok());
    const std::vector<float> expected = Floats(*trace_file, "layers." + std::to_string(l) + ".out");
    const golden::Diff diff = Compare(X.data(), expected.data(), X.size());
    std::printf("layer %lld: out rms_rel %.3g max %.3g\n", static_cast<long long>(l), diff.rms_rel, diff.max_abs);
    for (const auto& [name, dd] : diffs) {
      if (dd.rms_rel > 0) std::printf("   %s rms_rel %.3g max %.3g\n", name.c_str(), dd.rms_rel, dd.max_abs);
    }
    CHECK_MESSAGE(diff.rms_rel <= 2e-3, "layer " << l);
  }
}

TEST_CASE("the head on the stored final state reproduces the stored logits") {
  const DeepSeekV4Model& model = TinyModel();
  auto trace_file = golden::OpenCase("case1_prefill_trace.safetensors");
  auto case1 = golden::OpenCase("case1_prefill_decode.safetensors");
  const std::vector<float> final_state = Floats(*trace_file, "layers.5.out");
  const std::vector<float> expected = Floats(*case1, "prefill_logits_all");
  const size_t T = expected.size() / model.config().vocab_size;
  const std::vector<float> logits = model.Logits(final_state.data(), T);
  const golden::Diff diff = Compare(logits.data(), expected.data(), logits.size());
  std::printf("head: rms_rel %.3g max %.3g\n", diff.rms_rel, diff.max_abs);
  CHECK(diff.rms_rel <= 1e-3);
}

}  // namespace inference
