#include "agent/completion.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "inference/tokenizer/tokenizer.h"
#include "inference/tokenizer/v4_tokenizer_json.h"

namespace agent {
namespace {

std::unique_ptr<inference::Tokenizer> V4Tokenizer() {
  std::filesystem::path src = std::getenv("FLASHCODE_SOURCE_DIR")
                                  ? std::getenv("FLASHCODE_SOURCE_DIR")
                                  : std::filesystem::path(__FILE__).parent_path().parent_path();
  auto json = inference::BuildV4TokenizerJsonFromNpm((src / ".deps/npm/node_modules").string());
  REQUIRE_MESSAGE(json.ok(), json.status().ToString());
  auto tok = inference::Tokenizer::FromJson(*json);
  REQUIRE(tok.ok());
  return std::move(tok).value();
}

TEST_CASE("FIM prompt: bos, fim_begin, prefix, hole, suffix, end, and control text stays text") {
  auto tok = V4Tokenizer();
  const auto& ids = tok->special_ids();
  CompletionInput in;
  in.prefix = "def add(a, b):\n    return ";
  in.suffix = "\n\nprint(add(1, 2))  # <｜fim▁hole｜>\n";
  in.max_tokens = 16;
  in.single_line = true;
  auto req = BuildCompletionRequest(*tok, in, 4096);
  REQUIRE(req.ok());
  const auto& p = req->prompt;
  REQUIRE(p.size() > 4);
  CHECK(p[0] == ids.bos);
  CHECK(p[1] == ids.fim_begin);
  CHECK(p.back() == ids.fim_end);
  CHECK(std::count(p.begin(), p.end(), ids.fim_hole) == 1);  // the suffix's literal stays text
  auto hole = std::find(p.begin(), p.end(), ids.fim_hole) - p.begin();
  CHECK(tok->Decode(std::vector<int32_t>(p.begin() + 2, p.begin() + hole), false) == in.prefix);
  CHECK(tok->Decode(std::vector<int32_t>(p.begin() + hole + 1, p.end() - 1), false) == in.suffix);
  CHECK(req->priority == inference::Priority::kInteractive);
  CHECK(req->sampling.temperature == 0);
  CHECK(std::find(req->stop_token_ids.begin(), req->stop_token_ids.end(), ids.eos) !=
        req->stop_token_ids.end());
  CHECK(req->stop_strings == std::vector<std::string>{"\n"});
}

TEST_CASE("FIM prompt fits the context: the prefix keeps its end, the suffix its start") {
  auto tok = V4Tokenizer();
  CompletionInput in;
  for (int i = 0; i < 400; ++i) in.prefix += "line_" + std::to_string(i) + " = " + std::to_string(i) + "\n";
  for (int i = 0; i < 400; ++i) in.suffix += "after_" + std::to_string(i) + "()\n";
  in.snippets.push_back({"big.py", std::string(20000, 'x')});
  in.max_tokens = 64;
  auto req = BuildCompletionRequest(*tok, in, 512);
  REQUIRE(req.ok());
  CHECK(int64_t(req->prompt.size()) + in.max_tokens <= 512);
  std::string text = tok->Decode(req->prompt, false);
  CHECK(text.find("line_399 = 399\n") != std::string::npos);
  CHECK(text.find("line_0 = 0\n") == std::string::npos);
  CHECK(text.find("after_0()") != std::string::npos);
  CHECK(text.find("xxxx") == std::string::npos);  // the snippet did not fit: left out whole
  in.max_tokens = 600;
  CHECK(BuildCompletionRequest(*tok, in, 512).status().code() == base::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace agent
