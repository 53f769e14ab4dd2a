#include "inference/backend/cpu/heap_policy.h"

#include <cstdlib>  // defines __GLIBC__ where the C library is glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace inference {

void RetainFreedMemory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_MAX, 0);              // no chunk gets its own mapping, unmapped on free
  mallopt(M_TRIM_THRESHOLD, 1 << 30);  // keep up to 1 GiB free at the heap's top
#endif
}

void ReleaseFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace inference
