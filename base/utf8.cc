#include "base/utf8.h"

#include <algorithm>
#include <utility>

namespace base {
namespace {

// The length of the sequence a lead byte starts (1..4), or 0 for a byte that starts none.
size_t SequenceNeed(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 0;
}

// The range of the second byte after lead byte `c` (no overlongs, surrogates or > U+10FFFF).
std::pair<unsigned char, unsigned char> SecondByteRange(unsigned char c) {
  if (c == 0xE0) return {0xA0, 0xBF};
  if (c == 0xED) return {0x80, 0x9F};
  if (c == 0xF0) return {0x90, 0xBF};
  if (c == 0xF4) return {0x80, 0x8F};
  return {0x80, 0xBF};
}

// The length of the valid UTF-8 sequence at the start of `s` (1..4), or 0 when it is invalid
// or incomplete. Follows the well-formed byte table of Unicode §3.9 (no overlongs, no
// surrogates, nothing above U+10FFFF).
size_t SequenceLength(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  const size_t n = SequenceNeed(c);
  if (n <= 1) return n;
  const auto [lo, hi] = SecondByteRange(c);
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    size_t n = SequenceLength(text);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      n = 1;
    } else {
      out.append(text.substr(0, n));
    }
    text.remove_prefix(n);
  }
  return out;
}

size_t CompleteUtf8Prefix(std::string_view text) {
  // Find the last lead byte among the final four; if its sequence needs more bytes than are
  // there, cut before it.
  for (size_t back = 1; back <= std::min<size_t>(4, text.size()); ++back) {
    const size_t i = text.size() - back;
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte
    const size_t need = SequenceNeed(c);
    if (need <= back) return text.size();  // complete (or invalid, which waiting cannot fix)
    // Incomplete: hold it back only if more input could complete it (its second byte, when
    // already there, is in range). 0xC0, 0xC1 and 0xF5..0xFF never start a sequence.
    if (need == 0) return text.size();
    if (back >= 2) {
      const auto [lo, hi] = SecondByteRange(c);
      const auto second = static_cast<unsigned char>(text[i + 1]);
      if (second < lo || second > hi) return text.size();
    }
    return i;
  }
  return text.size();
}

}  // namespace base
