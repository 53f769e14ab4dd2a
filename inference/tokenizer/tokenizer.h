// Tokenizer: DeepSeek-V3/V4 text <-> token ids, read from a Hugging Face tokenizer.json.
//
// Pipeline (as in tokenizer.json): added tokens are cut out first (leftmost-longest match), the
// text between them is pre-tokenized (pre_tokenizer.h) and each piece is BPE-encoded
// (bpe_model.h). Decoding concatenates token bytes. Only the DeepSeek-V3 pipeline is supported:
// empty normalizer, the V3 Split sequence plus ByteLevel(use_regex=false), BPE without dropout;
// Load rejects other configurations rather than tokenizing them wrongly.
//
// Created once (the engine owns it) and immutable afterwards: every method is const and
// thread-safe. Encode keeps a per-call memo; EncodeAppend takes a caller-owned BpeCache so that
// a thread encoding many files (a repository) keeps one across calls.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "inference/tokenizer/bpe_model.h"

namespace inference {

// What Encode does with the text of added tokens such as "<｜User｜>".
enum class SpecialTokens {
  kParse,   // become their ids: for prompts we render ourselves (chat encoder output)
  kAsText,  // are ordinary text: for content from files, tools and users (no injection)
};

// Ids of the tokens the engine and the chat format refer to; -1 when the vocabulary lacks one.
struct SpecialIds {
  TokenId bos = -1;          // <｜begin▁of▁sentence｜>
  TokenId eos = -1;          // <｜end▁of▁sentence｜>, also the pad token
  TokenId pad = -1;          // <｜▁pad▁｜>
  TokenId user = -1;         // <｜User｜>
  TokenId assistant = -1;    // <｜Assistant｜>
  TokenId think_begin = -1;  // <think>
  TokenId think_end = -1;    // </think>
  TokenId dsml = -1;         // ｜DSML｜
  TokenId fim_hole = -1;     // <｜fim▁hole｜>
  TokenId fim_begin = -1;    // <｜fim▁begin｜>
  TokenId fim_end = -1;      // <｜fim▁end｜>
  TokenId eot = -1;          // <|EOT|>
};

class Tokenizer {
 public:
  // Parses tokenizer.json text. InvalidArgument when it is malformed or not the supported
  // pipeline.
  static base::StatusOr<std::unique_ptr<Tokenizer>> FromJson(std::string_view json_text);
  // Reads and parses a tokenizer.json file; NotFound when it cannot be read.
  static base::StatusOr<std::unique_ptr<Tokenizer>> FromFile(const std::string& path);

  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;
  ~Tokenizer();

  // Token ids of `text` (any bytes; invalid UTF-8 is encoded byte by byte). Adds no BOS: the
  // chat encoder writes it as text, as DeepSeek's add_bos_token=false configuration expects.
  std::vector<TokenId> Encode(std::string_view text,
                              SpecialTokens special = SpecialTokens::kParse) const;
  // Appends the ids of `text` to `out`, memoising pieces in `cache`.
  void EncodeAppend(std::string_view text, SpecialTokens special, BpeCache& cache,
                    std::vector<TokenId>* out) const;

  // The bytes the ids stand for, concatenated. Ids outside the vocabulary contribute nothing;
  // with `skip_special`, neither do added tokens marked "special" in tokenizer.json.
  std::string Decode(const std::vector<TokenId>& ids, bool skip_special = false) const;

  // Raw bytes of one token (an added token's content); empty for an unknown id.
  std::string_view TokenBytes(TokenId id) const;
  // Id of the token whose bytes (or added-token content) are exactly `token`.
  std::optional<TokenId> TokenToId(std::string_view token) const;
  bool IsAddedToken(TokenId id) const;
  bool IsSpecial(TokenId id) const;  // added token with "special": true

  // One past the largest id (the model's embedding has at least this many rows).
  int32_t vocab_size() const { return static_cast<int32_t>(tokens_.size()); }
  const SpecialIds& special_ids() const { return special_ids_; }

 private:
  struct TrieNode;
  struct Token {
    std::string bytes;
    bool added = false;
    bool special = false;
  };

  Tokenizer();
  // Length of the longest added token starting at text[pos] and its id; 0 when none.
  size_t MatchAddedToken(std::string_view text, size_t pos, TokenId* id) const;
  void EncodeOrdinary(std::string_view text, BpeCache& cache, std::vector<TokenId>* out) const;

  std::vector<Token> tokens_;  // by id
  std::unique_ptr<BpeModel> bpe_;
  std::vector<TrieNode> trie_;  // added tokens by bytes; node 0 is the root
  bool first_byte_[256] = {};   // bytes that can start an added token
  SpecialIds special_ids_;
  struct Index;
  std::unique_ptr<Index> index_;  // bytes -> id for TokenToId
};

}  // namespace inference
