#include "inference/backend/cpu/thread_pool.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace inference {
namespace {

TEST_CASE("ParallelFor covers every index exactly once, for any size and grain") {
  for (size_t threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    CHECK(pool.size() == threads);
    for (size_t n : {0, 1, 7, 64, 1001}) {
      for (size_t grain : {0, 1, 8, 100}) {
        std::vector<std::atomic<int>> hits(n);
        pool.ParallelFor(n, grain, [&](size_t b, size_t e) {
          CHECK(b < e);
          for (size_t i = b; i < e; ++i) hits[i].fetch_add(1);
        });
        for (size_t i = 0; i < n; ++i) REQUIRE(hits[i].load() == 1);
      }
    }
  }
}

TEST_CASE("ParallelFor's ranges shrink from n / (2 * threads) to the grain, the same every time") {
  ThreadPool pool(2);
  auto ranges_of = [&](size_t n, size_t grain) {
    std::mutex mu;
    std::vector<std::pair<size_t, size_t>> ranges;
    pool.ParallelFor(n, grain, [&](size_t b, size_t e) {
      std::lock_guard<std::mutex> lock(mu);
      ranges.emplace_back(b, e);
    });
    std::sort(ranges.begin(), ranges.end());
    return ranges;
  };
  const std::vector<std::pair<size_t, size_t>> ranges = ranges_of(8080, 8);
  REQUIRE(ranges.size() > 8);
  CHECK(ranges.front() == std::pair<size_t, size_t>{0, 2020});  // a quarter of the loop
  for (size_t i = 0; i + 1 < ranges.size(); ++i) {
    CHECK(ranges[i].second == ranges[i + 1].first);
    CHECK(ranges[i].second - ranges[i].first >= ranges[i + 1].second - ranges[i + 1].first);
    CHECK(ranges[i].second - ranges[i].first >= 8);
  }
  CHECK(ranges.back().second == 8080);
  CHECK(ranges[ranges.size() - 2].second - ranges[ranges.size() - 2].first == 8);
  for (int run = 0; run < 20; ++run) REQUIRE(ranges_of(8080, 8) == ranges);
  // A loop no longer than its grain runs as one range.
  CHECK(ranges_of(8, 8) == std::vector<std::pair<size_t, size_t>>{{0, 8}});
}

TEST_CASE("ParallelForEach hands out every index once, one at a time") {
  for (size_t threads : {1, 2, 5}) {
    ThreadPool pool(threads);
    for (size_t n : {0, 1, 2, 37}) {
      std::vector<std::atomic<int>> hits(n);
      pool.ParallelForEach(n, [&](size_t i) { hits[i].fetch_add(1); });
      for (size_t i = 0; i < n; ++i) REQUIRE(hits[i].load() == 1);
    }
  }
}

TEST_CASE("Prefetch hints, whatever their spans, never change a result") {
  ThreadPool pool(3);
  std::vector<char> memory(1 << 20, 1);
  // More spans than the pool keeps, empty and null ones, and a span far larger than one gap.
  std::vector<ThreadPool::Span> spans;
  for (size_t i = 0; i < ThreadPool::kMaxHints + 4; ++i)
    spans.push_back({memory.data() + i * 4096, i % 3 == 0 ? 0 : memory.size() - i * 4096});
  spans.push_back({nullptr, 4096});
  std::vector<std::atomic<int>> hits(1000);
  for (int loop = 0; loop < 2000; ++loop) {
    pool.PrefetchAfterNextLoop(spans.data(), spans.size());
    pool.ParallelFor(hits.size(), 1, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) hits[i].fetch_add(1);
    });
  }
  for (size_t i = 0; i < hits.size(); ++i) REQUIRE(hits[i].load() == 2000);
}

TEST_CASE("ParallelFor runs on more than one thread when the pool has workers") {
  ThreadPool pool(3);
  std::mutex mu;
  std::vector<std::thread::id> seen;
  // Enough chunks, each slow enough that the workers wake up before the caller is done.
  pool.ParallelFor(12, 1, [&](size_t, size_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(std::this_thread::get_id());
  });
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  CHECK(seen.size() > 1);
}

TEST_CASE("A nested ParallelFor runs inline, and concurrent callers are serialised") {
  ThreadPool pool(2);
  std::atomic<size_t> total{0};
  pool.ParallelFor(4, 1, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      pool.ParallelFor(10, 1, [&](size_t b2, size_t e2) { total.fetch_add(e2 - b2); });
    }
  });
  CHECK(total.load() == 40);

  std::atomic<size_t> sum{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c) {
    callers.emplace_back([&] {
      for (int rep = 0; rep < 200; ++rep)
        pool.ParallelFor(16, 1, [&](size_t b, size_t e) { sum.fetch_add(e - b); });
    });
  }
  for (std::thread& t : callers) t.join();
  CHECK(sum.load() == 3u * 200u * 16u);
}

TEST_CASE("Loops nested across two pools never deadlock") {
  // A chunk of a runs a loop on b whose chunks run loops on a again: on the thread that is inside
  // a's loop they run inline, on b's workers they find a busy and run inline too.
  ThreadPool a(3), b(3);
  for (int rep = 0; rep < 50; ++rep) {
    std::atomic<int> n{0};
    a.ParallelFor(8, 1, [&](size_t i0, size_t i1) {
      for (size_t i = i0; i < i1; ++i) {
        b.ParallelFor(8, 1, [&](size_t j0, size_t j1) {
          for (size_t j = j0; j < j1; ++j)
            a.ParallelFor(8, 1, [&](size_t k0, size_t k1) { n += static_cast<int>(k1 - k0); });
        });
      }
    });
    REQUIRE(n.load() == 8 * 8 * 8);
  }
}

TEST_CASE("Thousands of short loops in a row: every output is visible to the caller on return") {
  // The decode step's pattern: loops a few microseconds long back to back, where a worker may
  // still be leaving one loop as the next is handed out, with pauses that let workers sleep.
  for (size_t threads : {2, 3, 8}) {
    ThreadPool pool(threads);
    std::vector<int> v(257);
    for (int rep = 0; rep < 2000; ++rep) {
      pool.ParallelFor(v.size(), 1, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) v[i] = rep;
      });
      for (int x : v) REQUIRE(x == rep);
      if (rep % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
}

}  // namespace
}  // namespace inference
