#include "inference/tokenizer/byte_level.h"

#include <array>
#include <cstdint>

#include "inference/tokenizer/char_class.h"

namespace inference {
namespace {

bool StandsForItself(unsigned b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

// byte -> code point of its byte-level character, and back (code points below 256 + 68).
struct ByteLevelTables {
  std::array<uint16_t, 256> to_code_point{};
  std::array<int16_t, 256 + 68> to_byte{};
  ByteLevelTables() {
    to_byte.fill(-1);
    uint16_t next = 256;
    for (unsigned b = 0; b < 256; ++b) {
      to_code_point[b] = StandsForItself(b) ? b : next++;
      to_byte[to_code_point[b]] = static_cast<int16_t>(b);
    }
  }
};

const ByteLevelTables& Tables() {
  static const ByteLevelTables tables;  // immutable once built
  return tables;
}

}  // namespace

std::optional<std::string> ByteLevelToBytes(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (size_t i = 0; i < token.size();) {
    const Utf8Char c = DecodeUtf8At(token, i);
    if (!c.valid) return std::nullopt;
    i += c.len;
    if (c.cp >= Tables().to_byte.size() || Tables().to_byte[c.cp] < 0) return std::nullopt;
    out.push_back(static_cast<char>(Tables().to_byte[c.cp]));
  }
  return out;
}

std::string BytesToByteLevel(std::string_view bytes) {
  const auto& table = Tables().to_code_point;
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    const uint16_t cp = table[b];
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

}  // namespace inference
