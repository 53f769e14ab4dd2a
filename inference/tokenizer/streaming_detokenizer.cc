#include "inference/tokenizer/streaming_detokenizer.h"

#include "inference/tokenizer/char_class.h"

namespace inference {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Whether s[i..] (shorter than a full character) can still be completed into a valid
// character: the lead byte opens a sequence longer than what is there and every byte so far
// is allowed at its place (second-byte ranges exclude overlongs, surrogates and > U+10FFFF).
bool IsUnfinishedCharacter(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t need;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return false;
  }
  const size_t have = s.size() - i;
  if (have >= need) return false;
  for (size_t k = 1; k < have; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) return false;
  }
  return true;
}

}  // namespace

void StreamingDetokenizer::Drain(bool at_end, std::string* out) {
  const std::string_view s = pending_;
  size_t i = 0;
  while (i < s.size()) {
    const Utf8Char c = DecodeUtf8At(s, i);
    if (c.valid) {
      out->append(s.substr(i, c.len));
      i += c.len;
    } else if (!at_end && IsUnfinishedCharacter(s, i)) {
      break;  // hold back: the next token may finish it
    } else {
      out->append(kReplacement);
      ++i;
    }
  }
  pending_.erase(0, i);
}

std::string StreamingDetokenizer::Push(TokenId id) {
  std::string out;
  if (skip_special_ && tokenizer_.IsSpecial(id)) return out;
  pending_.append(tokenizer_.TokenBytes(id));
  Drain(/*at_end=*/false, &out);
  return out;
}

std::string StreamingDetokenizer::Finish() {
  std::string out;
  Drain(/*at_end=*/true, &out);
  return out;
}

}  // namespace inference
