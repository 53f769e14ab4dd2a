#include "inference/backend/cpu/heap_policy.h"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace inference {
namespace {

long MinorFaults() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

// Allocates, fills and frees `bytes` as a forward pass's activation buffer would; returns the
// page faults that took.
long FaultsOfOneBuffer(size_t bytes) {
  const long before = MinorFaults();
  {
    std::vector<char> buffer(bytes);
    std::memset(buffer.data(), 1, bytes);
    CHECK(buffer[bytes - 1] == 1);
  }
  return MinorFaults() - before;
}

TEST_CASE("RetainFreedMemory: a freed large buffer's pages serve the next one") {
  constexpr size_t kBytes = size_t{48} << 20;  // above glibc's largest mmap threshold (32 MiB)
  RetainFreedMemory();
  FaultsOfOneBuffer(kBytes);  // the heap grows once
  const long again = FaultsOfOneBuffer(kBytes);
  INFO("page faults for a second 48 MiB buffer: " << again);
#if defined(__GLIBC__)
  // Without the policy each buffer is a fresh mapping: 12,288 faults on 4 KiB pages.
  CHECK(again < 1000);
#endif
}

// Resident memory of this process, in KiB (/proc/self/statm counts pages).
long ResidentKiB() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

TEST_CASE("ReleaseFreedMemory gives the retained pages back") {
  constexpr size_t kBytes = size_t{48} << 20;
  RetainFreedMemory();
  FaultsOfOneBuffer(kBytes);  // freed, and (retained) still resident
  const long before = ResidentKiB();
  ReleaseFreedMemory();
  const long after = ResidentKiB();
  INFO("resident before " << before << " KiB, after " << after << " KiB");
#if defined(__GLIBC__)
  CHECK(after < before - 40 * 1024);
#endif
}

}  // namespace
}  // namespace inference
