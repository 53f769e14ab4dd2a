// Utf8Assembler: turns a stream of token bytes into text made of whole UTF-8 characters.
//
// Byte-level BPE tokens may end in the middle of a character; the engine must never stream
// half a character to a client. Push returns every character completed so far and holds back
// an incomplete tail. Bytes that can never form a valid character (stray continuation bytes,
// overlong forms, surrogates, > U+10FFFF) become U+FFFD, one per maximal invalid subpart, as
// the Unicode standard recommends. One per request, owned by the engine thread;
// thread-compatible.
#pragma once

#include <string>
#include <string_view>

namespace inference {

class Utf8Assembler {
 public:
  // Appends `bytes`; returns the text whose characters are now complete (valid UTF-8).
  std::string Push(std::string_view bytes);
  // Ends the stream: an incomplete held-back character becomes U+FFFD.
  std::string Flush();

  // True while bytes of an unfinished character are held back.
  bool HasPending() const { return !pending_.empty(); }

 private:
  std::string pending_;  // lead byte and continuation bytes of one unfinished character
  size_t expected_ = 0;  // total length of the character in pending_
};

}  // namespace inference
