#include "inference/tokenizer/tokenizer.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "inference/tokenizer/byte_level.h"
#include "inference/tokenizer/pre_tokenizer.h"

namespace inference {
namespace {

using nlohmann::json;

// The DeepSeek-V3 Split patterns, as tokenizer.json spells them; pre_tokenizer.cc implements
// exactly these, so any other pattern is refused.
constexpr std::string_view kDigitsPattern = "\\p{N}{1,3}";
constexpr std::string_view kCjkPattern = "[一-龥぀-ゟ゠-ヿ]+";
constexpr std::string_view kWordPattern =
    "[!\"#$%&'()*+,\\-./"
    ":;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
    " ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

bool IsNullOrEmpty(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty());
}

base::Status CheckNormalizer(const json& root) {
  auto it = root.find("normalizer");
  if (it == root.end() || it->is_null()) return base::Status::Ok();
  if (it->value("type", "") == "Sequence" && it->contains("normalizers") &&
      (*it)["normalizers"].is_array() && (*it)["normalizers"].empty()) {
    return base::Status::Ok();
  }
  return base::InvalidArgument("tokenizer.json: unsupported normalizer " + it->dump());
}

base::Status CheckPreTokenizer(const json& root) {
  static const json kNull;
  auto it = root.find("pre_tokenizer");
  const json& pre = it == root.end() ? kNull : *it;
  const std::string_view expected[] = {kDigitsPattern, kCjkPattern, kWordPattern};
  bool ok = pre.is_object() && pre.value("type", "") == "Sequence" &&
            pre.contains("pretokenizers") && pre["pretokenizers"].is_array() &&
            pre["pretokenizers"].size() == 4;
  for (size_t k = 0; ok && k < 3; ++k) {
    const json& split = pre["pretokenizers"][k];
    ok = split.value("type", "") == "Split" && split.value("behavior", "") == "Isolated" &&
         !split.value("invert", false) && split.contains("pattern") &&
         split["pattern"].is_object() && split["pattern"].value("Regex", "") == expected[k];
  }
  if (ok) {
    const json& byte_level = pre["pretokenizers"][3];
    ok = byte_level.value("type", "") == "ByteLevel" && !byte_level.value("use_regex", true) &&
         !byte_level.value("add_prefix_space", false);
  }
  if (!ok) {
    return base::InvalidArgument(
        "tokenizer.json: pre_tokenizer is not the DeepSeek-V3 sequence (the only one supported)");
  }
  return base::Status::Ok();
}

}  // namespace

struct Tokenizer::TrieNode {
  std::vector<std::pair<unsigned char, int32_t>> children;  // sorted by byte
  TokenId token = -1;
};

struct Tokenizer::Index {
  std::unordered_map<std::string, TokenId> by_bytes;
};

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

base::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::NotFound("cannot read tokenizer file " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto tokenizer = FromJson(text);
  if (!tokenizer.ok()) return tokenizer.status().WithContext(path);
  return tokenizer;
}

base::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromJson(std::string_view json_text) {
  json root = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return base::InvalidArgument("tokenizer.json is not a JSON object");
  }
  FC_RETURN_IF_ERROR(CheckNormalizer(root));
  FC_RETURN_IF_ERROR(CheckPreTokenizer(root));
  // References, not value(): value() would copy the 128k-entry vocabulary.
  auto model_it = root.find("model");
  if (model_it == root.end()) return base::InvalidArgument("tokenizer.json has no model");
  const json& model = *model_it;
  if (!model.is_object() || model.value("type", "") != "BPE" || !model.contains("vocab") ||
      !model["vocab"].is_object() || !model.contains("merges") || !model["merges"].is_array()) {
    return base::InvalidArgument("tokenizer.json: model is not a BPE model with vocab and merges");
  }
  if (!IsNullOrEmpty(model, "dropout") || !IsNullOrEmpty(model, "continuing_subword_prefix") ||
      !IsNullOrEmpty(model, "end_of_word_suffix") || model.value("byte_fallback", false)) {
    return base::InvalidArgument(
        "tokenizer.json: BPE dropout, subword affixes and byte fallback are not supported");
  }

  auto tokenizer = std::unique_ptr<Tokenizer>(new Tokenizer());
  std::vector<Token>& tokens = tokenizer->tokens_;
  auto slot = [&tokens](int64_t id) -> Token* {
    if (id < 0 || id >= (1 << 24)) return nullptr;
    if (static_cast<size_t>(id) >= tokens.size()) tokens.resize(id + 1);
    return &tokens[id];
  };
  std::vector<std::string> bpe_vocab;
  for (const auto& [text, id_json] : model["vocab"].items()) {
    Token* token = id_json.is_number_integer() ? slot(id_json.get<int64_t>()) : nullptr;
    if (token == nullptr || text.empty()) {
      return base::InvalidArgument("tokenizer.json: bad vocabulary entry '" + text + "'");
    }
    const auto id = static_cast<size_t>(id_json.get<int64_t>());
    if (bpe_vocab.size() <= id) bpe_vocab.resize(id + 1);
    // Entries outside the byte-level alphabet (V3's "<｜begin▁of▁sentence｜>" at id 0) cannot
    // come out of merges; they are reachable only as added tokens, spelled as they are.
    if (std::optional<std::string> bytes = ByteLevelToBytes(text)) {
      token->bytes = *bytes;
      bpe_vocab[id] = std::move(*bytes);
    } else {
      token->bytes = text;
    }
  }

  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(model["merges"].size());
  for (const json& merge : model["merges"]) {
    std::string left, right;
    if (merge.is_string()) {  // "left right" (tokenizers < 0.20)
      const std::string& s = merge.get_ref<const std::string&>();
      const size_t space = s.find(' ');
      if (space == std::string::npos)
        return base::InvalidArgument("tokenizer.json: bad merge " + s);
      left = s.substr(0, space);
      right = s.substr(space + 1);
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {  // ["left", "right"]
      left = merge[0].get<std::string>();
      right = merge[1].get<std::string>();
    } else {
      return base::InvalidArgument("tokenizer.json: bad merge " + merge.dump());
    }
    std::optional<std::string> l = ByteLevelToBytes(left), r = ByteLevelToBytes(right);
    if (!l || !r) return base::InvalidArgument("tokenizer.json: bad merge " + merge.dump());
    merges.emplace_back(std::move(*l), std::move(*r));
  }
  FC_ASSIGN_OR_RETURN(BpeModel bpe, BpeModel::Create(bpe_vocab, merges));
  tokenizer->bpe_ = std::make_unique<BpeModel>(std::move(bpe));

  tokenizer->trie_.emplace_back();
  auto added = root.find("added_tokens");
  if (added != root.end() && !added->is_array()) {
    return base::InvalidArgument("tokenizer.json: added_tokens is not an array");
  }
  for (const json& entry : added == root.end() ? json::array() : *added) {
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_number_integer() ||
        !entry.contains("content") || !entry["content"].is_string()) {
      return base::InvalidArgument("tokenizer.json: bad added token " + entry.dump());
    }
    const std::string content = entry["content"].get<std::string>();
    Token* token = slot(entry["id"].get<int64_t>());
    if (token == nullptr || content.empty()) {
      return base::InvalidArgument("tokenizer.json: bad added token " + entry.dump());
    }
    if (entry.value("lstrip", false) || entry.value("rstrip", false) ||
        entry.value("single_word", false)) {
      return base::InvalidArgument(
          "tokenizer.json: added token options lstrip, rstrip and "
          "single_word are not supported (" +
          content + ")");
    }
    token->bytes = content;
    token->added = true;
    token->special = entry.value("special", false);
    int32_t node = 0;
    for (unsigned char c : content) {
      auto& children = tokenizer->trie_[node].children;
      auto it = std::lower_bound(children.begin(), children.end(), std::make_pair(c, int32_t{-1}));
      if (it != children.end() && it->first == c) {
        node = it->second;
      } else {
        const auto child = static_cast<int32_t>(tokenizer->trie_.size());
        children.insert(it, {c, child});
        tokenizer->trie_.emplace_back();  // invalidates `children`; not used after this
        node = child;
      }
    }
    tokenizer->trie_[node].token = static_cast<TokenId>(entry["id"].get<int64_t>());
    tokenizer->first_byte_[static_cast<unsigned char>(content[0])] = true;
  }

  tokenizer->index_ = std::make_unique<Index>();
  auto& by_bytes = tokenizer->index_->by_bytes;
  by_bytes.reserve(tokens.size());
  for (size_t id = 0; id < tokens.size(); ++id) {
    if (tokens[id].bytes.empty()) continue;
    auto [it, inserted] = by_bytes.emplace(tokens[id].bytes, static_cast<TokenId>(id));
    if (!inserted && tokens[id].added) it->second = static_cast<TokenId>(id);  // added wins
  }
  auto find = [&by_bytes](std::string_view s) -> TokenId {
    auto it = by_bytes.find(std::string(s));
    return it == by_bytes.end() ? -1 : it->second;
  };
  SpecialIds& ids = tokenizer->special_ids_;
  ids.bos = find("<｜begin▁of▁sentence｜>");
  ids.eos = find("<｜end▁of▁sentence｜>");
  ids.pad = find("<｜▁pad▁｜>");
  ids.user = find("<｜User｜>");
  ids.assistant = find("<｜Assistant｜>");
  ids.think_begin = find("<think>");
  ids.think_end = find("</think>");
  ids.dsml = find("｜DSML｜");
  ids.fim_hole = find("<｜fim▁hole｜>");
  ids.fim_begin = find("<｜fim▁begin｜>");
  ids.fim_end = find("<｜fim▁end｜>");
  ids.eot = find("<|EOT|>");
  return tokenizer;
}

size_t Tokenizer::MatchAddedToken(std::string_view text, size_t pos, TokenId* id) const {
  size_t best = 0;
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto& children = trie_[node].children;
    const auto c = static_cast<unsigned char>(text[i]);
    auto it = std::lower_bound(children.begin(), children.end(), std::make_pair(c, int32_t{-1}));
    if (it == children.end() || it->first != c) break;
    node = it->second;
    if (trie_[node].token >= 0) {
      best = i + 1 - pos;  // keep the longest match
      *id = trie_[node].token;
    }
  }
  return best;
}

void Tokenizer::EncodeOrdinary(std::string_view text, BpeCache& cache,
                               std::vector<TokenId>* out) const {
  if (text.empty()) return;
  struct Context {
    const BpeModel* bpe;
    BpeCache* cache;
    std::vector<TokenId>* out;
  } context{bpe_.get(), &cache, out};
  // Pieces go straight to BPE: no buffer proportional to the input.
  PreTokenize(
      text,
      [](void* raw, std::string_view piece) {
        auto* c = static_cast<Context*>(raw);
        c->bpe->Encode(piece, c->cache, c->out);
      },
      &context);
}

void Tokenizer::EncodeAppend(std::string_view text, SpecialTokens special, BpeCache& cache,
                             std::vector<TokenId>* out) const {
  if (special == SpecialTokens::kAsText) {
    EncodeOrdinary(text, cache, out);
    return;
  }
  size_t start = 0;
  for (size_t pos = 0; pos < text.size();) {
    TokenId id = -1;
    size_t len = 0;
    if (first_byte_[static_cast<unsigned char>(text[pos])]) len = MatchAddedToken(text, pos, &id);
    if (len == 0) {
      ++pos;
      continue;
    }
    EncodeOrdinary(text.substr(start, pos - start), cache, out);
    out->push_back(id);
    pos += len;
    start = pos;
  }
  EncodeOrdinary(text.substr(start), cache, out);
}

std::vector<TokenId> Tokenizer::Encode(std::string_view text, SpecialTokens special) const {
  BpeCache cache;
  std::vector<TokenId> ids;
  ids.reserve(text.size() / 3 + 4);
  EncodeAppend(text, special, cache, &ids);
  return ids;
}

std::string Tokenizer::Decode(const std::vector<TokenId>& ids, bool skip_special) const {
  std::string out;
  for (TokenId id : ids) {
    if (id < 0 || id >= vocab_size()) continue;
    const Token& token = tokens_[id];
    if (skip_special && token.special) continue;
    out += token.bytes;
  }
  return out;
}

std::string_view Tokenizer::TokenBytes(TokenId id) const {
  if (id < 0 || id >= vocab_size()) return {};
  return tokens_[id].bytes;
}

std::optional<TokenId> Tokenizer::TokenToId(std::string_view token) const {
  auto it = index_->by_bytes.find(std::string(token));
  if (it == index_->by_bytes.end()) return std::nullopt;
  return it->second;
}

bool Tokenizer::IsAddedToken(TokenId id) const {
  return id >= 0 && id < vocab_size() && tokens_[id].added;
}

bool Tokenizer::IsSpecial(TokenId id) const {
  return id >= 0 && id < vocab_size() && tokens_[id].special;
}

}  // namespace inference
