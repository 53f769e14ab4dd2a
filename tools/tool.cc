#include "tools/tool.h"

#include "base/utf8.h"

namespace tools {

base::StatusOr<ToolResult> ResultForStatus(const base::Status& status) {
  switch (status.code()) {
    case base::StatusCode::kCancelled:
    case base::StatusCode::kUnavailable:
    case base::StatusCode::kInternal:
    case base::StatusCode::kDataLoss:
      return status;
    default:
      return ToolResult::Error("error: " + status.ToString());
  }
}

ToolResult CapOutput(ToolResult result, size_t max_bytes) {
  // Results travel in protobuf strings, which must be valid UTF-8 (a client drops the whole
  // message otherwise); files and command output are bytes (Latin-1, binary).
  result.output = base::ValidUtf8(result.output);
  if (result.output.size() <= max_bytes) return result;
  size_t cut = max_bytes;
  // Do not split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(result.output[cut]) & 0xC0) == 0x80) --cut;
  size_t total = result.output.size();
  result.output.resize(cut);
  result.output += "\n[output truncated: " + std::to_string(total - cut) + " of " +
                   std::to_string(total) + " bytes omitted]\n";
  result.truncated = true;
  return result;
}

}  // namespace tools
