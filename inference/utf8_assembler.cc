#include "inference/utf8_assembler.h"

#include <cstdint>

namespace inference {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the character a lead byte starts, or 0 if it cannot start one (C0, C1 would be
// overlong; F5..FF would exceed U+10FFFF).
size_t SequenceLength(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Whether `byte` may follow the bytes in `pending`. The second byte has narrower ranges after
// E0 (no overlong), ED (no surrogates), F0 (no overlong) and F4 (nothing above U+10FFFF).
bool IsValidNext(const std::string& pending, uint8_t byte) {
  if (pending.size() == 1) {
    switch (static_cast<uint8_t>(pending[0])) {
      case 0xE0:
        return byte >= 0xA0 && byte <= 0xBF;
      case 0xED:
        return byte >= 0x80 && byte <= 0x9F;
      case 0xF0:
        return byte >= 0x90 && byte <= 0xBF;
      case 0xF4:
        return byte >= 0x80 && byte <= 0x8F;
      default:
        break;
    }
  }
  return byte >= 0x80 && byte <= 0xBF;
}

}  // namespace

std::string Utf8Assembler::Push(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + pending_.size());
  for (char c : bytes) {
    const auto byte = static_cast<uint8_t>(c);
    if (!pending_.empty()) {
      if (IsValidNext(pending_, byte)) {
        pending_.push_back(c);
        if (pending_.size() == expected_) {
          out += pending_;
          pending_.clear();
        }
        continue;
      }
      // The unfinished character is invalid; this byte starts afresh.
      out += kReplacement;
      pending_.clear();
    }
    const size_t length = SequenceLength(byte);
    if (length == 1) {
      out.push_back(c);
    } else if (length == 0) {
      out += kReplacement;
    } else {
      pending_.push_back(c);
      expected_ = length;
    }
  }
  return out;
}

std::string Utf8Assembler::Flush() {
  if (pending_.empty()) return {};
  pending_.clear();
  return std::string(kReplacement);
}

}  // namespace inference
