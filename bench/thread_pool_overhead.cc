// thread_pool_overhead: what one ParallelFor costs beyond its work, per pool size. A decode step
// issues hundreds of loops over weights of a few MiB, so at 16 threads a loop's own cost (waking
// the workers, handing out chunks, waiting for the last one) decides whether more cores help.
//
//   thread_pool_overhead [--threads 1,2,4,8,16] [--loops L] [--runs R] [--json FILE]
//
// For each pool size: microseconds per ParallelFor of 64 near-empty chunks (each touches one
// cache line of its own), the median of R passes of L back-to-back loops, as in a decode step.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "inference/backend/cpu/thread_pool.h"

namespace {

using inference::ThreadPool;
using Json = nlohmann::ordered_json;

struct Args {
  std::vector<size_t> threads;
  int loops = 2000;
  int runs = 7;
  std::string json;
};

bool Parse(int argc, char** argv, Args& a) {
  std::string threads = "1,2,4,8,16";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i], v = argv[i + 1];
    if (arg == "--threads") {
      threads = v;
    } else if (arg == "--loops") {
      a.loops = std::max(1, std::atoi(v.c_str()));
    } else if (arg == "--runs") {
      a.runs = std::max(1, std::atoi(v.c_str()));
    } else if (arg == "--json") {
      a.json = v;
    } else {
      return false;
    }
  }
  std::stringstream list(threads);
  for (std::string item; std::getline(list, item, ',');) {
    const int t = std::atoi(item.c_str());
    if (t < 1) return false;
    a.threads.push_back(size_t(t));
  }
  return argc % 2 == 1 && !a.threads.empty();
}

// One padded counter per chunk, so the chunks do not share cache lines.
struct alignas(64) Slot {
  std::atomic<uint64_t> value{0};
};

double MicrosecondsPerLoop(ThreadPool& pool, int loops, int runs) {
  constexpr size_t kChunks = 64;
  std::vector<Slot> slots(kChunks);
  std::vector<double> passes;
  for (int r = 0; r < runs + 1; ++r) {  // the first pass warms the workers up
    const auto start = std::chrono::steady_clock::now();
    for (int l = 0; l < loops; ++l) {
      pool.ParallelFor(kChunks, 1, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) slots[i].value.fetch_add(1, std::memory_order_relaxed);
      });
    }
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
    if (r > 0) passes.push_back(us / loops);
  }
  std::sort(passes.begin(), passes.end());
  return passes[passes.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!Parse(argc, argv, a)) {
    std::fprintf(stderr,
                 "usage: thread_pool_overhead [--threads 1,2,4,8,16] [--loops L] [--runs R] "
                 "[--json FILE]\n");
    return 2;
  }
  std::printf("threads | us per loop\n");
  Json report{{"loops", a.loops}, {"runs", a.runs}, {"pools", Json::array()}};
  for (size_t t : a.threads) {
    ThreadPool pool(t);
    const double us = MicrosecondsPerLoop(pool, a.loops, a.runs);
    std::printf("%7zu | %11.2f\n", t, us);
    report["pools"].push_back({{"threads", t}, {"us_per_loop", us}});
  }
  if (!a.json.empty()) {
    std::ofstream out(a.json);
    out << report.dump(2) << "\n";
    if (!out) {
      std::fprintf(stderr, "thread_pool_overhead: cannot write %s\n", a.json.c_str());
      return 1;
    }
  }
  return 0;
}
