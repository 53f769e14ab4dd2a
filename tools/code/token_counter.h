// TokenCounter: how many model tokens a piece of text costs. The repo map and the chunker
// budget through this interface so the engine's real tokenizer can be plugged in later;
// CharEstimateTokenCounter (about four characters per token for code and English) is the
// default. Implementations must be thread-safe for concurrent Count calls.
#pragma once

#include <cstddef>
#include <string_view>

namespace tools {

class TokenCounter {
 public:
  virtual ~TokenCounter() = default;
  virtual size_t Count(std::string_view text) const = 0;
};

class CharEstimateTokenCounter final : public TokenCounter {
 public:
  size_t Count(std::string_view text) const override { return (text.size() + 3) / 4; }
};

}  // namespace tools
