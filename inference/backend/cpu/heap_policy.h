// How the process's heap treats the engine's freed memory.
//
// A forward pass allocates its activation buffers layer by layer, and a long prompt's are large
// (the 1b preset's 2048-token prefill: 32-58 MB each). glibc serves sizes above its mmap
// threshold with fresh mappings and unmaps them on free, and returns freed heap tops to the
// kernel, so every layer faulted in and zeroed new pages: 655,000 page faults in a 1024-token
// prefill of the 1b preset, about 12 % of its time on the development VM. Processes that run the
// engine (the daemon, `flashcode model run`, the benchmarks) call RetainFreedMemory once at
// start: allocations then come from the heap and freed memory stays there for the next layer
// (up to 1 GiB free at the heap's top before any is given back). No effect outside glibc.
#pragma once

namespace inference {

void RetainFreedMemory();

// Returns the heap's free memory to the kernel now (a model unloaded, or before a benchmark
// measures the next model's peak).
void ReleaseFreedMemory();

}  // namespace inference
