// The DeepSeek-V3 pre-tokenizer: splits text into the pieces that BPE then encodes one by one.
//
// tokenizer.json of DeepSeek-V3 (and V4, which reuses it) chains three "Isolated" regex splits:
//   1. \p{N}{1,3}                      digits in runs of at most three
//   2. [一-龥぀-ゟ゠-ヿ]+                 CJK ideographs, hiragana, katakana isolated
//   3. [!-/:-@[-`{-~][A-Za-z]+ | [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+ | ?[\p{P}\p{S}]+[\r\n]*
//      | \s*[\r\n]+ | \s+(?!\S) | \s+
// Each split keeps both the matches and the text between them, and each later split runs on the
// pieces of the earlier one. We implement the three patterns as hand-written scanners with the
// regex engine's leftmost-first, backtracking semantics instead of running a regex engine: it is
// several times faster and allocation-free. Character classes come from char_class.h.
// Stateless; thread-safe.
#pragma once

#include <string_view>
#include <vector>

namespace inference {

// Receives the pieces, in order; their concatenation is the text. Views point into the text.
using PieceCallback = void (*)(void* context, std::string_view piece);

// Calls `emit(context, piece)` for each piece of `text`, so that callers need no buffer for the
// pieces of a large input. Invalid UTF-8 bytes belong to no class and end up in "gap" pieces.
void PreTokenize(std::string_view text, PieceCallback emit, void* context);

// Appends the pieces of `text` to `pieces`.
inline void PreTokenize(std::string_view text, std::vector<std::string_view>* pieces) {
  PreTokenize(
      text,
      [](void* context, std::string_view piece) {
        static_cast<std::vector<std::string_view>*>(context)->push_back(piece);
      },
      pieces);
}

}  // namespace inference
