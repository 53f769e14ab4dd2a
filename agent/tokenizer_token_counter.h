// TokenizerTokenCounter: counts tokens with the engine's real tokenizer, for budgets that the
// tools compute (the repo map). Lives in agent/ because only agent may see both tools and
// inference. Borrows the tokenizer, which must outlive it; thread-safe (the tokenizer is
// immutable).
#pragma once

#include "inference/tokenizer/tokenizer.h"
#include "tools/code/token_counter.h"

namespace agent {

class TokenizerTokenCounter final : public tools::TokenCounter {
 public:
  explicit TokenizerTokenCounter(const inference::Tokenizer& tokenizer) : tokenizer_(tokenizer) {}
  size_t Count(std::string_view text) const override {
    return tokenizer_.Encode(text, inference::SpecialTokens::kAsText).size();
  }

 private:
  const inference::Tokenizer& tokenizer_;
};

}  // namespace agent
