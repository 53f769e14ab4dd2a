// FakeTextCodec: a TextCodec over a fixed table of byte strings, for tests. Token i stands for
// pieces[i]; ids outside the table stand for nothing. Immutable after construction:
// thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "inference/text_codec.h"

namespace inference {

class FakeTextCodec final : public TextCodec {
 public:
  explicit FakeTextCodec(std::vector<std::string> pieces) : pieces_(std::move(pieces)) {}

  std::string TokenBytes(int32_t token) const override {
    if (token < 0 || static_cast<size_t>(token) >= pieces_.size()) return {};
    return pieces_[token];
  }

 private:
  const std::vector<std::string> pieces_;
};

}  // namespace inference
