// ForwardTrace: an optional observer of named intermediate tensors during a forward pass
// ("layers.3.attn_out", "layers.2.hc_ffn.comb", ...; names follow the golden trace files), so a
// mismatch against a reference can be pinned to a layer and sublayer. Absent in production.
// The callback runs on the calling thread, synchronously; data is valid only during the call.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace inference {

using ForwardTrace = std::function<void(const std::string& name, const float* data, size_t n)>;

}  // namespace inference
