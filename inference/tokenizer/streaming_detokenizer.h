// StreamingDetokenizer: token ids in, one at a time; complete UTF-8 text out.
//
// A byte-level token can end in the middle of a multi-byte character (an emoji is often split
// over two or three tokens), so the bytes of a token cannot be shown as they come. Push holds
// back an unfinished but still valid sequence at the end and emits everything before it;
// bytes that can never become valid UTF-8 are emitted as U+FFFD, so the output is always valid
// UTF-8 and, for ids that encode valid text, exactly that text.
// One per generated sequence; borrows the Tokenizer, which must outlive it. Thread-compatible.
#pragma once

#include <string>

#include "inference/tokenizer/tokenizer.h"

namespace inference {

class StreamingDetokenizer {
 public:
  // With `skip_special`, added tokens marked special (BOS, EOS, pad) produce no text.
  explicit StreamingDetokenizer(const Tokenizer& tokenizer, bool skip_special = false)
      : tokenizer_(tokenizer), skip_special_(skip_special) {}
  StreamingDetokenizer(const StreamingDetokenizer&) = delete;
  StreamingDetokenizer& operator=(const StreamingDetokenizer&) = delete;

  // Adds the bytes of `id` and returns the text completed by them (often empty).
  std::string Push(TokenId id);
  // Ends the stream: returns what was held back, an unfinished sequence as U+FFFD.
  std::string Finish();
  // Bytes held back, waiting for the rest of a character (0 to 3).
  size_t pending_bytes() const { return pending_.size(); }

 private:
  // Moves the decodable prefix of pending_ to `out`; with `at_end` nothing is held back.
  void Drain(bool at_end, std::string* out);

  const Tokenizer& tokenizer_;
  const bool skip_special_;
  std::string pending_;
};

}  // namespace inference
