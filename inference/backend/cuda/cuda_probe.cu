// ProbeAccelerators for CUDA builds. Runs no kernel: asks the runtime for the device count and
// properties. Any error (35 insufficient driver, 100 no device, ...) means "no CUDA device" and
// is reported in `detail`, never as a failure, so a daemon on a GPU-less machine starts fine.
#include <cuda_runtime.h>

#include <cstdio>

#include "inference/backend/accelerator_probe.h"

namespace inference {

AcceleratorReport ProbeAccelerators() {
  AcceleratorReport report;
  report.cuda_built = true;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    report.detail = std::string("no CUDA device: ") + cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return report;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    char line[256];
    std::snprintf(line, sizeof line, "%s (sm_%d%d, %.1f GiB)", prop.name, prop.major, prop.minor,
                  prop.totalGlobalMem / double(1ull << 30));
    report.devices.emplace_back(line);
  }
  if (report.devices.empty()) report.detail = "no CUDA device";
  return report;
}

}  // namespace inference
