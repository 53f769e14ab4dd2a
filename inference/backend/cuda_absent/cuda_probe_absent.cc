// ProbeAccelerators for builds without the CUDA backend (FLASHCODE_CUDA=OFF or no nvcc).
#include "inference/backend/accelerator_probe.h"

namespace inference {

AcceleratorReport ProbeAccelerators() {
  AcceleratorReport report;
  report.detail = "built without CUDA (FLASHCODE_CUDA=OFF or nvcc not found at configure time)";
  return report;
}

}  // namespace inference
