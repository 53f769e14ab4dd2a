// TextCodec: turns token ids back into the bytes they stand for, for the engine's text stream.
//
// The tokenizer is adapted to it (byte-level BPE: a token is a byte string, which may be part
// of a UTF-8 character; the engine reassembles whole characters and matches stop strings).
// Implementations must be thread-safe for concurrent const calls: the engine thread calls it
// while others may use the same tokenizer. Tests use FakeTextCodec.
#pragma once

#include <cstdint>
#include <string>

namespace inference {

class TextCodec {
 public:
  virtual ~TextCodec() = default;
  // The raw bytes of `token` (possibly an incomplete UTF-8 sequence; empty for an unknown id).
  virtual std::string TokenBytes(int32_t token) const = 0;
};

}  // namespace inference
