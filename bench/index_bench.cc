// index_bench: how fast tools::RepoIndex indexes a large tree.
//
//   index_bench DIR [--threads N] [--json FILE] [--updates N]
//   index_bench --linux [...]   (unpacks /usr/src/linux-source-6.1.tar.xz to a temp folder)
//   index_bench --tarball FILE.tar.xz [...]   (the same with any source tarball)
//
// DIR is first copied to a temporary folder (not timed), because the single-file phase edits
// files and the tree may be read-only (/usr/include). Phases, each on the copy:
//   cold     a fresh SQLite index: walk, read, hash, parse and store every file
//   warm     a new RepoIndex on the same database (a daemon restart) with nothing changed
//   update   RepoIndex::UpdateFile after appending a newline to one file (median and max of
//            --updates files of about median size), the path the file watcher takes
//   map      BuildRepoMap with a 2048-token budget (PageRank over the whole tree)
//   chunks   ChunkRepository with 512-token chunks (reads every file again)
// Prints a table; --json FILE writes the same numbers.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/code/repo_chunks.h"
#include "tools/code/repo_index.h"
#include "tools/code/repo_map.h"

namespace {

constexpr const char* kLinuxTarball = "/usr/src/linux-source-6.1.tar.xz";

struct Args {
  std::string dir;
  std::string tarball;  // unpacked instead of copying a directory
  int threads = 0;
  int updates = 20;
  std::string json;
};

int Usage() {
  std::fprintf(stderr,
               "usage: index_bench (DIR | --linux) [--threads N] [--updates N] [--json FILE]\n");
  return 2;
}

bool ParseArgs(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--linux") {
      a.tarball = kLinuxTarball;
    } else if (arg == "--threads" || arg == "--updates" || arg == "--json" || arg == "--tarball") {
      const char* v = value();
      if (v == nullptr) return false;
      if (arg == "--threads") a.threads = std::atoi(v);
      if (arg == "--updates") a.updates = std::max(1, std::atoi(v));
      if (arg == "--json") a.json = v;
      if (arg == "--tarball") a.tarball = v;
    } else if (!arg.empty() && arg[0] != '-' && a.dir.empty()) {
      a.dir = arg;
    } else {
      return false;
    }
  }
  return a.tarball.empty() != a.dir.empty();
}

// Runs a shell command built only from paths we created or the user gave, quoted.
bool Run(const std::string& command) { return std::system(command.c_str()) == 0; }

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Row {
  std::string phase;
  double files = 0;
  double bytes = 0;
  double seconds = 0;
  double cpu_seconds = 0;  // user+system of all threads: comparable on a busy machine
  std::string note;
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double CpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void Print(const std::vector<Row>& rows) {
  std::printf("%-22s %8s %9s %9s %9s %11s %9s  %s\n", "phase", "files", "MB", "wall s", "cpu s",
              "files/s", "MB/s", "note");
  for (const Row& r : rows) {
    double mb = r.bytes / 1e6;
    std::printf("%-22s %8.0f %9.2f %9.4f %9.3f %11.1f %9.2f  %s\n", r.phase.c_str(), r.files, mb,
                r.seconds, r.cpu_seconds, r.files / r.seconds, mb / r.seconds, r.note.c_str());
  }
}

int Bench(const Args& args, const std::filesystem::path& work, const std::filesystem::path& tree) {
  std::filesystem::path db = work / "index.sqlite";
  tools::RepoIndexOptions options;
  options.threads = args.threads;
  std::vector<Row> rows;

  tools::IndexStats cold;
  double cpu = CpuSeconds();
  {
    auto index = tools::RepoIndex::Open(tree, db, options);
    if (!index.ok()) {
      std::fprintf(stderr, "open: %s\n", index.status().ToString().c_str());
      return 1;
    }
    auto stats = (*index)->Refresh();
    if (!stats.ok()) {
      std::fprintf(stderr, "cold index: %s\n", stats.status().ToString().c_str());
      return 1;
    }
    cold = *stats;
    rows.push_back({"cold (parsed)", double(cold.files_parsed), double(cold.bytes_parsed),
                    cold.seconds, CpuSeconds() - cpu,
                    std::to_string(cold.files_seen) + " files seen, " +
                        std::to_string(cold.files_skipped) + " skipped, " +
                        std::to_string(cold.files_reused) + " duplicates"});
  }
  cpu = CpuSeconds();
  auto index = tools::RepoIndex::Open(tree, db, options);  // a restarted daemon
  if (!index.ok()) return 1;
  auto warm = (*index)->Refresh();
  if (!warm.ok()) {
    std::fprintf(stderr, "warm restart: %s\n", warm.status().ToString().c_str());
    return 1;
  }
  rows.push_back({"warm restart (seen)", double(warm->files_seen), double(warm->bytes_seen),
                  warm->seconds, CpuSeconds() - cpu,
                  std::to_string(warm->files_parsed) + " re-parsed"});

  // Files of about median size among the indexed ones, spread over the tree.
  auto files = (*index)->Files();
  if (!files.ok() || files->empty()) {
    std::fprintf(stderr, "nothing indexed under %s\n", tree.c_str());
    return 1;
  }
  std::vector<tools::StoredFile> by_size = *files;
  std::sort(by_size.begin(), by_size.end(),
            [](const auto& a, const auto& b) { return a.size < b.size; });
  size_t mid = by_size.size() / 2, half = std::min<size_t>(by_size.size() / 4, 500);
  std::vector<tools::StoredFile> picked;
  for (size_t i = mid - std::min(mid, half);
       i < std::min(by_size.size(), mid + half + 1) && picked.size() < size_t(args.updates);
       i += std::max<size_t>(1, (2 * half + 1) / size_t(args.updates))) {
    picked.push_back(by_size[i]);
  }
  std::vector<double> ms;
  cpu = CpuSeconds();
  double update_bytes = 0;
  for (const tools::StoredFile& f : picked) {
    std::ofstream(tree / f.path, std::ios::app) << "\n";
    auto start = std::chrono::steady_clock::now();
    auto stats = (*index)->UpdateFile(f.path);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    if (!stats.ok() || stats->files_parsed != 1) {
      std::fprintf(stderr, "update %s failed\n", f.path.c_str());
      return 1;
    }
    update_bytes += double(f.size + 1);
  }
  double update_cpu = (CpuSeconds() - cpu) / double(picked.size());
  std::sort(ms.begin(), ms.end());
  double median = ms[ms.size() / 2], max = ms.back();
  double mean_bytes = update_bytes / double(picked.size());
  char note[128];
  std::snprintf(note, sizeof note, "median of %zu edits, max %.2f ms, mean file %.0f bytes",
                ms.size(), max, mean_bytes);
  rows.push_back({"single-file update", 1, mean_bytes, median / 1000, update_cpu, note});

  // What a request for repository context costs on top of the index.
  tools::CharEstimateTokenCounter counter;
  tools::RepoMapRequest map_request;
  map_request.token_budget = 2048;
  cpu = CpuSeconds();
  auto start = std::chrono::steady_clock::now();
  auto map = tools::BuildRepoMap(**index, map_request, counter);
  double map_seconds = SecondsSince(start);
  if (!map.ok()) {
    std::fprintf(stderr, "repo map: %s\n", map.status().ToString().c_str());
    return 1;
  }
  rows.push_back({"repo map (2048 tok)", double(files->size()), 0, map_seconds, CpuSeconds() - cpu,
                  std::to_string(map->symbols_shown) + " symbols in " +
                      std::to_string(map->files_shown) + " files shown"});
  cpu = CpuSeconds();
  start = std::chrono::steady_clock::now();
  tools::RepoChunksOptions chunk_options;
  chunk_options.chunker.target_tokens = 512;
  chunk_options.threads = args.threads;
  auto chunks = tools::ChunkRepository(**index, counter, chunk_options);
  double chunk_seconds = SecondsSince(start);
  if (!chunks.ok()) {
    std::fprintf(stderr, "chunks: %s\n", chunks.status().ToString().c_str());
    return 1;
  }
  double chunk_bytes = 0;
  for (const tools::Chunk& c : *chunks) chunk_bytes += double(c.text.size());
  rows.push_back({"chunk repository", double(files->size()), chunk_bytes, chunk_seconds,
                  CpuSeconds() - cpu, std::to_string(chunks->size()) + " chunks, target 512 tok"});

  std::printf("tree: %s (threads: %s)\n",
              args.tarball.empty() ? args.dir.c_str() : args.tarball.c_str(),
              args.threads > 0 ? std::to_string(args.threads).c_str() : "all");
  Print(rows);
  if (!args.json.empty()) {
    nlohmann::json j;
    j["bench"] = "index_bench";
    j["tree"] = args.tarball.empty() ? args.dir : args.tarball;
    j["threads"] = args.threads;
    for (const Row& r : rows) {
      j["phases"].push_back({{"phase", r.phase},
                             {"files", r.files},
                             {"bytes", r.bytes},
                             {"seconds", r.seconds},
                             {"cpu_seconds", r.cpu_seconds},
                             {"files_per_second", r.files / r.seconds},
                             {"mb_per_second", r.bytes / 1e6 / r.seconds},
                             {"note", r.note}});
    }
    j["update_ms"] = {{"median", median}, {"max", max}, {"samples", ms}};
    std::ofstream(args.json) << j.dump(2) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) return Usage();
  if (args.tarball == kLinuxTarball && access(kLinuxTarball, R_OK) != 0) {
    std::fprintf(stderr,
                 "%s not found. Install the Debian package first:\n"
                 "  sudo apt-get install linux-source-6.1\n"
                 "or pass any source tree as DIR (or a .tar.xz with --tarball).\n",
                 kLinuxTarball);
    return 2;
  }
  if (!args.dir.empty() && !std::filesystem::is_directory(args.dir)) {
    std::fprintf(stderr, "not a directory: %s\n", args.dir.c_str());
    return 2;
  }
  std::string templ = (std::filesystem::temp_directory_path() / "index-bench-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  std::filesystem::path work = templ, tree = work / "tree";
  std::fprintf(stderr, "preparing a scratch copy in %s (not timed)...\n", templ.c_str());
  bool ready =
      !args.tarball.empty()
          ? Run("mkdir -p " + Quote(tree.string()) + " && tar -xJf " + Quote(args.tarball) +
                " -C " + Quote(tree.string()) + " --strip-components=1")
          : Run("cp -r " + Quote(args.dir + "/.") + " " + Quote(tree.string()));
  if (ready && args.tarball == kLinuxTarball) {
    // Debian's linux-source appends "ignore everything at the top level" (/* !/debian/) to the
    // kernel's .gitignore for its packaging repository; upstream has no such rule, and with it
    // git itself would index nothing. Drop that block so the tree is the kernel as upstream.
    ready = Run("sed -i '/^# Debian packaging/,$d' " + Quote((tree / ".gitignore").string()));
  }
  int rc = ready ? Bench(args, work, tree) : 1;
  if (!ready) std::fprintf(stderr, "could not prepare the scratch copy\n");
  std::error_code ec;
  std::filesystem::remove_all(work, ec);
  return rc;
}
