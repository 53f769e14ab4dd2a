// TokenizerTextCodec: the engine's TextCodec over the real Tokenizer (byte-level BPE), so the
// engine streams the bytes each token stands for and reassembles whole characters itself.
// Added tokens (<think>, ｜DSML｜, ...) come out as their text: the DSML parser downstream
// needs them; EOS is normally a stop token and so never reaches the text. Borrows the
// tokenizer, which must outlive the codec; thread-safe (the tokenizer is immutable).
#pragma once

#include <cstdint>
#include <string>

#include "inference/text_codec.h"
#include "inference/tokenizer/tokenizer.h"

namespace inference {

class TokenizerTextCodec final : public TextCodec {
 public:
  explicit TokenizerTextCodec(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}

  std::string TokenBytes(int32_t token) const override {
    return std::string(tokenizer_.TokenBytes(token));
  }

 private:
  const Tokenizer& tokenizer_;
};

}  // namespace inference
