// engine_cpu: how fast the DeepSeek-V4 CPU engine runs, single-threaded against all threads.
//
//   engine_cpu [--threads N] [--runs R] [--prompt P] [--decode D] [--ttft-tokens N] [--ttft-runs R]
//              [--presets tiny,1b] [--ttft-presets tiny] [--dir DIR] [--bandwidth-mib M]
//              [--json FILE]
//
// For each preset a random checkpoint in the real format is written (WriteRandomCheckpoint)
// into DIR/<preset> (reused when present) or a temporary folder (removed at the end):
//   tiny   the `tiny` preset (golden v4-tiny widths, 6 layers, real vocabulary)
//   1b     the `small` preset's V4 layer schedule (43 layers: 2 window, then CSA/HCA alternating,
//          + MTP) with wider dims: hidden 1024, 8 heads of 512, q_lora 512, 4 output groups of
//          rank 256, 16 routed experts (6 active + 1 shared) of width 256, 8 indexer heads.
// Phases (medians over R runs, each with 1 thread and with N threads, in the same process):
//   prefill  one Forward of P tokens from position 0: tokens/s (wall and CPU time)
//   decode   D single-token Forwards after the prefill: tokens/s from the median step
//   ttft     one Forward of N tokens (last logits only), N threads, --ttft-presets only
//            (median of --ttft-runs runs, default --runs)
//   peak     peak resident memory of the process (VmHWM) from loading the N-thread model
//            through its runs (the mapped checkpoint pages it touched count)
//   bw       bytes of weights a decode step reads (every main-model tensor, routed experts
//            scaled by active/total, one row of the embedding, hash-routing and compressor
//            position tables) / median step time, as a fraction of the memory bandwidth
//            measured here (N threads summing a large buffer with 512-bit loads): per N-thread
//            run, against the bandwidth measured just before its decode steps, and the median
//            of those fractions (the bandwidth a shared machine gives changes by the second:
//            measured once at the start, a figure could compare the decode with another moment).
//            The start's bandwidth and the fraction against it are in the JSON too.
// The machine may be shared: CPU seconds (user+sys of all threads) are printed beside wall.
// The per-run bandwidth buffer is resident through the N-thread runs; the peak excludes it.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/memory_bandwidth.h"
#include "inference/backend/cpu/heap_policy.h"
#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/thread_pool.h"
#include "inference/model/checkpoint_layout.h"
#include "inference/model/deepseek_v4.h"
#include "inference/model/model_config.h"
#include "inference/model/model_presets.h"
#include "inference/model/random_checkpoint.h"

namespace {

using inference::ThreadPool;
using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

struct Args {
  size_t threads = ThreadPool::DefaultSize();
  int runs = 3;
  size_t prompt = 64;
  size_t decode = 8;
  size_t ttft_tokens = 2048;
  int ttft_runs = 0;  // 0: --runs
  std::vector<std::string> presets = {"tiny", "1b"};
  std::vector<std::string> ttft_presets = {"tiny"};
  std::string dir;
  size_t bandwidth_mib = 1024;
  std::string json;
};

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool ParseArgs(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const std::string v = argv[++i];
    if (arg == "--threads") {
      a.threads = std::max(1, std::atoi(v.c_str()));
    } else if (arg == "--runs") {
      a.runs = std::max(1, std::atoi(v.c_str()));
    } else if (arg == "--prompt") {
      a.prompt = std::max(1, std::atoi(v.c_str()));
    } else if (arg == "--decode") {
      a.decode = std::max(1, std::atoi(v.c_str()));
    } else if (arg == "--ttft-tokens") {
      a.ttft_tokens = std::max(1, std::atoi(v.c_str()));
    } else if (arg == "--ttft-runs") {
      a.ttft_runs = std::max(1, std::atoi(v.c_str()));
    } else if (arg == "--presets") {
      a.presets = SplitCommas(v);
    } else if (arg == "--ttft-presets") {
      a.ttft_presets = SplitCommas(v);
    } else if (arg == "--dir") {
      a.dir = v;
    } else if (arg == "--bandwidth-mib") {
      a.bandwidth_mib = std::max(64, std::atoi(v.c_str()));
    } else if (arg == "--json") {
      a.json = v;
    } else {
      return false;
    }
  }
  return true;
}

// Wall and CPU (user + sys, all threads) seconds of one timed region.
class Stopwatch {
 public:
  Stopwatch() : wall_(std::chrono::steady_clock::now()), cpu_(CpuSeconds()) {}
  double Wall() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count();
  }
  double Cpu() const { return CpuSeconds() - cpu_; }

 private:
  static double CpuSeconds() {
    rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec +
           u.ru_stime.tv_usec * 1e-6;
  }
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

// Peak resident memory since the last reset, in MiB (VmHWM); writing 5 to clear_refs resets it.
void ResetPeakMemory() { std::ofstream("/proc/self/clear_refs") << "5"; }
// The bandwidth probe's buffer, resident throughout, is not the model's: it is left out.
double PeakMemoryMiB(const bench::ReadBandwidth& probe) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0)
      return std::atof(line.c_str() + 6) / 1024.0 - probe.bytes() / 1048576.0;
  }
  return 0;
}

base::StatusOr<std::string> PresetConfig(const std::string& name) {
  if (name == "tiny") return inference::ModelPresetConfigJson("tiny");
  if (name != "1b") return base::InvalidArgument("unknown preset '" + name + "' (tiny, 1b)");
  FC_ASSIGN_OR_RETURN(std::string small, inference::ModelPresetConfigJson("small"));
  Json c = Json::parse(small);
  c["hidden_size"] = 1024;
  c["num_attention_heads"] = 8;
  c["q_lora_rank"] = 512;
  c["o_groups"] = 4;
  c["o_lora_rank"] = 256;
  c["n_routed_experts"] = 16;
  c["moe_intermediate_size"] = 256;
  c["index_n_heads"] = 8;
  c["index_topk"] = 64;
  return c.dump(2) + "\n";
}

// Bytes of stored weights one decode step reads (see the file comment).
double DecodeBytesPerToken(const inference::ModelConfig& c) {
  double bytes = 0;
  const double active = static_cast<double>(c.n_activated_experts) / c.n_routed_experts;
  for (const inference::TensorSpec& t : inference::ExpectedTensors(c)) {
    if (t.optional || t.block >= c.n_layers) continue;  // MTP: not part of a plain decode
    double b = static_cast<double>(t.NumElements()) * inference::DTypeSize(t.dtype);
    // Tables of which a step reads one row: the token's embedding and hash-routing entry, the
    // compressor's position embedding for the token's slot.
    const auto ends_with = [&](const std::string& suffix) {
      return t.name.size() >= suffix.size() &&
             t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (t.name == "embed.weight" || ends_with(".ape"))
      b = static_cast<double>(t.shape.back()) * inference::DTypeSize(t.dtype);
    if (ends_with(".tid2eid")) b = static_cast<double>(t.shape.back()) * 4;  // int32 at load
    if (t.routed_expert >= 0) b *= active;
    bytes += b;
  }
  return bytes;
}

struct PhaseResult {
  double prefill_tok_s = 0, prefill_cpu_s = 0, prefill_wall_s = 0;
  double decode_tok_s = 0, decode_step_s = 0, decode_cpu_s = 0;
  // With a probe: each run's median decode step and the bandwidth measured before its steps.
  std::vector<double> run_step_s, run_bandwidth_gb_s;
};

// The buffer and pool that measure the bandwidth beside each run's decode steps.
struct BandwidthProbe {
  bench::ReadBandwidth* memory;
  ThreadPool* pool;
};

// R runs of (prefill P tokens, then D decode steps) on `model`.
base::StatusOr<PhaseResult> RunPhases(const inference::DeepSeekV4Model& model, const Args& a,
                                      std::mt19937& rng, const BandwidthProbe* probe = nullptr) {
  PhaseResult p;
  const int32_t V = static_cast<int32_t>(model.config().vocab_size);
  std::vector<double> prefill_wall, prefill_cpu, step_wall, step_cpu;
  for (int r = 0; r < a.runs; ++r) {
    std::vector<int32_t> tokens(a.prompt + a.decode);
    for (auto& t : tokens) t = static_cast<int32_t>(2 + rng() % (V - 2));
    auto cache = model.NewCache();
    const Stopwatch sw;
    FC_RETURN_IF_ERROR(
        model.Forward(std::span<const int32_t>(tokens.data(), a.prompt), 0, *cache).status());
    prefill_wall.push_back(sw.Wall());
    prefill_cpu.push_back(sw.Cpu());
    if (probe) p.run_bandwidth_gb_s.push_back(probe->memory->Measure(*probe->pool, 1));
    const size_t first_step = step_wall.size();
    for (size_t i = 0; i < a.decode; ++i) {
      const size_t pos = a.prompt + i;
      const Stopwatch step;
      FC_RETURN_IF_ERROR(
          model
              .Forward(std::span<const int32_t>(&tokens[pos], 1), static_cast<int64_t>(pos), *cache)
              .status());
      step_wall.push_back(step.Wall());
      step_cpu.push_back(step.Cpu());
    }
    if (probe) {
      p.run_step_s.push_back(
          bench::Median(std::vector<double>(step_wall.begin() + first_step, step_wall.end())));
    }
  }
  p.prefill_wall_s = bench::Median(prefill_wall);
  p.prefill_cpu_s = bench::Median(prefill_cpu);
  p.prefill_tok_s = a.prompt / p.prefill_wall_s;
  p.decode_step_s = bench::Median(step_wall);
  p.decode_cpu_s = bench::Median(step_cpu);
  p.decode_tok_s = 1.0 / p.decode_step_s;
  return p;
}

Json PhaseJson(const PhaseResult& p) {
  return Json{{"prefill_tok_s", p.prefill_tok_s},      {"prefill_wall_s", p.prefill_wall_s},
              {"prefill_cpu_s", p.prefill_cpu_s},      {"decode_tok_s", p.decode_tok_s},
              {"decode_step_wall_s", p.decode_step_s}, {"decode_step_cpu_s", p.decode_cpu_s}};
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!ParseArgs(argc, argv, a)) {
    std::fprintf(stderr,
                 "usage: engine_cpu [--threads N] [--runs R] [--prompt P] [--decode D]\n"
                 "  [--ttft-tokens N] [--ttft-runs R] [--presets tiny,1b] [--ttft-presets tiny] "
                 "[--dir DIR]\n"
                 "  [--bandwidth-mib M] [--json FILE]\n");
    return 2;
  }
  inference::RetainFreedMemory();  // as the daemon and `flashcode model run` do
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  ThreadPool single(1), all(a.threads);
  std::printf("engine_cpu: %zu threads (hardware %zu), lane kernels %s, seed %u, %d runs\n",
              a.threads, ThreadPool::DefaultSize(), inference::MatmulSimdPath(), seed, a.runs);
  const double bw_1 = bench::MeasureReadBandwidth(single, a.bandwidth_mib, a.runs);
  const double bw_n = bench::MeasureReadBandwidth(all, a.bandwidth_mib, a.runs);
  std::printf("memory read bandwidth: %.2f GB/s (1 thread), %.2f GB/s (%zu threads)\n", bw_1, bw_n,
              a.threads);
  // Measured again before each N-thread run's decode steps: 256 MiB, eight times the 32 MiB
  // last-level cache of the machines measured so far.
  bench::ReadBandwidth probe_memory(256);
  const BandwidthProbe probe{&probe_memory, &all};
  Json report{{"threads", a.threads},
              {"simd", inference::MatmulSimdPath()},
              {"seed", seed},
              {"runs", a.runs},
              {"prompt_tokens", a.prompt},
              {"decode_tokens", a.decode},
              {"bandwidth_gb_s", {{"1", bw_1}, {std::to_string(a.threads), bw_n}}},
              {"presets", Json::array()}};

  const bool temp = a.dir.empty();
  const fs::path root =
      temp ? fs::temp_directory_path() / ("engine_cpu." + std::to_string(::getpid()))
           : fs::path(a.dir);
  std::printf("\n%-5s %7s %9s | %9s %9s %7s | %9s %9s %7s | %8s %9s %7s\n", "model", "params",
              "MB/token", "pf 1t", "pf Nt", "x", "dec 1t", "dec Nt", "x", "dec cpu", "peak MiB",
              "bw %");
  int status = 0;
  for (const std::string& name : a.presets) {
    auto config_json = PresetConfig(name);
    if (!config_json.ok()) {
      std::fprintf(stderr, "%s\n", config_json.status().ToString().c_str());
      return 2;
    }
    const fs::path dir = root / name;
    Json entry{{"preset", name}};
    if (!fs::exists(dir / "config.json")) {
      const Stopwatch sw;
      auto written = inference::WriteRandomCheckpoint(dir.string(), *config_json);
      if (!written.ok()) {
        std::fprintf(stderr, "writing %s: %s\n", name.c_str(), written.status().ToString().c_str());
        return 1;
      }
      entry["checkpoint_write_s"] = sw.Wall();
      entry["checkpoint_bytes"] = written->weight_bytes;
    }
    // One model at a time (both map the same files), so the peak is one model's: the one on
    // N threads, measured from its load through the time-to-first-token runs.
    inference::ModelOptions serial_options, threaded_options;
    serial_options.pool = &single;
    threaded_options.pool = &all;
    auto serial = inference::DeepSeekV4Model::Load(dir.string(), serial_options);
    if (!serial.ok()) {
      std::fprintf(stderr, "loading %s: %s\n", name.c_str(), serial.status().ToString().c_str());
      return 1;
    }
    const inference::ModelConfig c = (*serial)->config();
    const inference::ParameterCount params = inference::CountParameters(c);
    const double bytes = DecodeBytesPerToken(c);
    auto p1 = RunPhases(**serial, a, rng);
    serial->reset();
    inference::ReleaseFreedMemory();  // what earlier phases left in the heap is not this model's
    ResetPeakMemory();
    auto threaded = inference::DeepSeekV4Model::Load(dir.string(), threaded_options);
    if (!threaded.ok()) {
      std::fprintf(stderr, "loading %s failed\n", name.c_str());
      return 1;
    }
    auto pn = RunPhases(**threaded, a, rng, &probe);
    if (!p1.ok() || !pn.ok()) {
      std::fprintf(stderr, "forward failed on %s\n", name.c_str());
      return 1;
    }
    std::vector<double> run_fractions;
    for (size_t r = 0; r < pn->run_step_s.size(); ++r)
      run_fractions.push_back(bytes / pn->run_step_s[r] / (pn->run_bandwidth_gb_s[r] * 1e9));
    const double bw_fraction = bench::Median(run_fractions);
    entry["params"] = params.total;
    entry["active_params"] = params.active;
    entry["decode_weight_bytes_per_token"] = bytes;
    entry["single_thread"] = PhaseJson(*p1);
    entry["all_threads"] = PhaseJson(*pn);
    entry["prefill_speedup"] = pn->prefill_tok_s / p1->prefill_tok_s;
    entry["decode_speedup"] = pn->decode_tok_s / p1->decode_tok_s;
    entry["decode_bandwidth_fraction"] = bw_fraction;
    entry["decode_bandwidth_fraction_runs"] = run_fractions;
    entry["decode_bandwidth_gb_s_runs"] = pn->run_bandwidth_gb_s;
    entry["decode_bandwidth_fraction_of_start"] = bytes / pn->decode_step_s / (bw_n * 1e9);
    std::printf(
        "%-5s %6.2fB %9.1f | %9.1f %9.1f %6.2fx | %9.2f %9.2f %6.2fx | %7.2fs %9.0f %6.1f%%\n",
        name.c_str(), params.total / 1e9, bytes / 1e6, p1->prefill_tok_s, pn->prefill_tok_s,
        pn->prefill_tok_s / p1->prefill_tok_s, p1->decode_tok_s, pn->decode_tok_s,
        pn->decode_tok_s / p1->decode_tok_s, pn->decode_cpu_s, PeakMemoryMiB(probe_memory),
        100 * bw_fraction);
    std::printf("      decode per run: ");
    for (size_t r = 0; r < run_fractions.size(); ++r) {
      std::printf("%s%.0f%% of %.1f GB/s", r ? ", " : "", 100 * run_fractions[r],
                  pn->run_bandwidth_gb_s[r]);
    }
    std::printf("\n");
    std::fflush(stdout);
    if (std::find(a.ttft_presets.begin(), a.ttft_presets.end(), name) != a.ttft_presets.end()) {
      std::vector<double> wall, cpu;
      const int32_t V = static_cast<int32_t>(c.vocab_size);
      for (int r = 0; r < (a.ttft_runs > 0 ? a.ttft_runs : a.runs); ++r) {
        std::vector<int32_t> tokens(a.ttft_tokens);
        for (auto& t : tokens) t = static_cast<int32_t>(2 + rng() % (V - 2));
        auto cache = (*threaded)->NewCache();
        const Stopwatch sw;
        if (!(*threaded)->Forward(tokens, 0, *cache).ok()) status = 1;
        wall.push_back(sw.Wall());
        cpu.push_back(sw.Cpu());
      }
      entry["ttft_tokens"] = a.ttft_tokens;
      entry["ttft_wall_s"] = bench::Median(wall);
      entry["ttft_cpu_s"] = bench::Median(cpu);
      std::printf(
          "      time to first token, %zu-token prompt, %zu threads: %.2f s wall, %.2f s CPU\n",
          a.ttft_tokens, a.threads, bench::Median(wall), bench::Median(cpu));
    }
    entry["peak_memory_mib"] = PeakMemoryMiB(probe_memory);
    report["presets"].push_back(entry);
  }
  std::printf(
      "pf/dec: prefill/decode tokens/s (wall, medians); x: N threads / 1 thread; dec cpu: CPU "
      "seconds per decode step (N threads); bw %%: decode weight bytes/s over the bandwidth "
      "measured before each N-thread run's decode steps (median of the runs)\n");
  if (temp) fs::remove_all(root);
  if (!a.json.empty()) std::ofstream(a.json) << report.dump(2) << "\n";
  return status;
}
