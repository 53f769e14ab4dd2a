#include "inference/backend/accelerator_probe.h"

#include <doctest/doctest.h>

namespace inference {
namespace {

TEST_CASE("ProbeAccelerators answers without failing, with a reason when no device") {
  AcceleratorReport report = ProbeAccelerators();
  MESSAGE("cuda_built=" << report.cuda_built << " devices=" << report.devices.size()
                        << " detail=" << report.detail);
  if (report.devices.empty()) CHECK_FALSE(report.detail.empty());
  if (!report.cuda_built) CHECK(report.devices.empty());
}

}  // namespace
}  // namespace inference
