#include "inference/tokenizer/pre_tokenizer.h"

#include <cstddef>
#include <cstdint>

#include "inference/tokenizer/char_class.h"

namespace inference {
namespace {

bool IsCjk(uint32_t cp) { return (cp >= 0x4E00 && cp <= 0x9FA5) || (cp >= 0x3040 && cp <= 0x30FF); }

bool IsAsciiPunct(uint32_t cp) {
  return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) ||
         (cp >= 0x7B && cp <= 0x7E);
}

bool IsAsciiLetter(uint32_t cp) { return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z'; }

bool IsNewline(uint32_t cp) { return cp == '\r' || cp == '\n'; }

// End of the run of characters starting at `i` whose class intersects `mask`.
size_t RunEnd(std::string_view s, size_t i, uint8_t mask) {
  while (i < s.size()) {
    const Utf8Char c = DecodeUtf8At(s, i);
    if (!(c.cls & mask)) break;
    i += c.len;
  }
  return i;
}

// Length of the match of pattern 3 at `i`, or 0 when no alternative matches there.
size_t MatchWordPattern(std::string_view s, size_t i) {
  const Utf8Char c0 = DecodeUtf8At(s, i);
  const size_t after0 = i + c0.len;
  const bool has_c1 = after0 < s.size();
  const Utf8Char c1 = has_c1 ? DecodeUtf8At(s, after0) : Utf8Char{0, 0, 0, false};

  // [!-/:-@[-`{-~][A-Za-z]+
  if (IsAsciiPunct(c0.cp) && c0.len == 1 && has_c1 && IsAsciiLetter(c1.cp)) {
    size_t j = after0;
    while (j < s.size() && IsAsciiLetter(static_cast<unsigned char>(s[j]))) ++j;
    return j - i;
  }
  // [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+  (the optional prefix is tried first)
  const bool prefix_ok = !IsNewline(c0.cp) && !(c0.cls & (kLetter | kPunct | kSymbol));
  if (prefix_ok && has_c1 && (c1.cls & (kLetter | kMark))) {
    return RunEnd(s, after0, kLetter | kMark) - i;
  }
  if (c0.cls & (kLetter | kMark)) return RunEnd(s, i, kLetter | kMark) - i;
  // ' '?[\p{P}\p{S}]+[\r\n]*
  size_t p = i;
  if (c0.cp == ' ' && has_c1 && (c1.cls & (kPunct | kSymbol))) p = after0;
  if (DecodeUtf8At(s, p).cls & (kPunct | kSymbol)) {
    size_t j = RunEnd(s, p, kPunct | kSymbol);
    while (j < s.size() && IsNewline(static_cast<unsigned char>(s[j]))) ++j;
    return j - i;
  }
  if (!(c0.cls & kSpace)) return 0;
  // Whitespace run [i, end); remember where its last character and last newline start.
  size_t end = i;
  size_t last_start = i;
  size_t after_last_newline = 0;
  while (end < s.size()) {
    const Utf8Char c = DecodeUtf8At(s, end);
    if (!(c.cls & kSpace)) break;
    last_start = end;
    end += c.len;
    if (IsNewline(c.cp)) after_last_newline = end;
  }
  // \s*[\r\n]+ : \s* backs off until the last newline of the run, which [\r\n]+ then takes.
  if (after_last_newline != 0) return after_last_newline - i;
  // \s+(?!\S) : the whole run at the end of the piece, else the run minus its last character.
  if (end == s.size()) return end - i;
  if (last_start > i) return last_start - i;
  // \s+
  return end - i;
}

struct Sink {
  PieceCallback emit;
  void* context;
  void operator()(std::string_view piece) const { emit(context, piece); }
};

// Pattern 3 as an Isolated split of `s`.
void SplitWords(std::string_view s, const Sink& sink) {
  size_t gap = 0;
  size_t i = 0;
  while (i < s.size()) {
    const size_t len = MatchWordPattern(s, i);
    if (len == 0) {
      i += DecodeUtf8At(s, i).len;
      continue;
    }
    if (gap < i) sink(s.substr(gap, i - gap));
    sink(s.substr(i, len));
    i += len;
    gap = i;
  }
  if (gap < s.size()) sink(s.substr(gap));
}

// Pattern 2 as an Isolated split of `s`, feeding every piece to pattern 3.
void SplitCjk(std::string_view s, const Sink& sink) {
  size_t start = 0;  // start of the current run, CJK or not
  bool in_cjk = false;
  size_t i = 0;
  while (i < s.size()) {
    const Utf8Char c = DecodeUtf8At(s, i);
    const bool cjk = c.valid && IsCjk(c.cp);
    if (cjk != in_cjk && i > start) {
      SplitWords(s.substr(start, i - start), sink);
      start = i;
    }
    in_cjk = cjk;
    i += c.len;
  }
  if (start < s.size()) SplitWords(s.substr(start), sink);
}

}  // namespace

void PreTokenize(std::string_view text, PieceCallback emit, void* context) {
  const Sink sink{emit, context};
  // Pattern 1: \p{N}{1,3}; both the digit groups and the text between them go on to pattern 2.
  size_t gap = 0;
  size_t i = 0;
  while (i < text.size()) {
    Utf8Char c = DecodeUtf8At(text, i);
    if (!(c.cls & kNumber)) {
      i += c.len;
      continue;
    }
    if (gap < i) SplitCjk(text.substr(gap, i - gap), sink);
    size_t j = i;
    for (int n = 0; n < 3 && j < text.size(); ++n) {
      c = DecodeUtf8At(text, j);
      if (!(c.cls & kNumber)) break;
      j += c.len;
    }
    SplitCjk(text.substr(i, j - i), sink);
    i = j;
    gap = i;
  }
  if (gap < text.size()) SplitCjk(text.substr(gap), sink);
}

}  // namespace inference
