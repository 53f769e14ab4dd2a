#include "inference/tokenizer/chat_encoder.h"

#include <doctest/doctest.h>

#include "inference/tokenizer/python_json.h"
#include "inference/tokenizer/test_support.h"

namespace inference {
namespace {

using nlohmann::ordered_json;

std::string Vector(const std::string& name) {
  return testing::ReadFileOrEmpty(testing::SourceDir() / "tests/data/encoding" / name);
}

std::vector<ChatMessage> Messages(const ordered_json& json) {
  auto messages = ChatMessagesFromJson(json);
  REQUIRE_MESSAGE(messages.ok(), messages.status().ToString());
  return *messages;
}

// DeepSeek's four reference vectors, byte for byte. Case 1 attaches the tool list to the first
// message, as the reference test does.
TEST_CASE("chat encoder: DeepSeek's test vectors 1-4 byte for byte") {
  struct Case {
    int n;
    ReasoningMode mode;
  };
  for (const Case c : {Case{1, ReasoningMode::kThinkHigh}, Case{2, ReasoningMode::kThinkHigh},
                       Case{3, ReasoningMode::kThinkHigh}, Case{4, ReasoningMode::kNonThink}}) {
    CAPTURE(c.n);
    const std::string input = Vector("test_input_" + std::to_string(c.n) + ".json");
    const std::string expected = Vector("test_output_" + std::to_string(c.n) + ".txt");
    REQUIRE(!input.empty());
    REQUIRE(!expected.empty());
    ordered_json json = ordered_json::parse(input);
    if (json.is_object()) {
      json["messages"][0]["tools"] = json["tools"];
      json = json["messages"];
    }
    auto prompt = EncodeChat(Messages(json), ChatOptions{c.mode});
    REQUIRE_MESSAGE(prompt.ok(), prompt.status().ToString());
    CHECK(*prompt == expected);
  }
}

TEST_CASE("chat encoder: generation prompts of the three reasoning modes") {
  const std::vector<ChatMessage> messages = {ChatMessage(ChatRole::kSystem, "Be brief."),
                                             ChatMessage(ChatRole::kUser, "Hi")};
  auto non_think = EncodeChat(messages, ChatOptions{ReasoningMode::kNonThink});
  auto high = EncodeChat(messages, ChatOptions{ReasoningMode::kThinkHigh});
  auto max = EncodeChat(messages, ChatOptions{ReasoningMode::kThinkMax});
  REQUIRE(non_think.ok());
  REQUIRE(high.ok());
  REQUIRE(max.ok());
  CHECK(*non_think == "<｜begin▁of▁sentence｜>Be brief.<｜User｜>Hi<｜Assistant｜></think>");
  CHECK(*high == "<｜begin▁of▁sentence｜>Be brief.<｜User｜>Hi<｜Assistant｜><think>");
  // Max: DeepSeek's preamble right after BOS, before the system text.
  CHECK(max->rfind("<｜begin▁of▁sentence｜>Reasoning Effort: Absolute maximum", 0) == 0);
  CHECK(max->find("unchecked.\n\nBe brief.<｜User｜>Hi<｜Assistant｜><think>") !=
        std::string::npos);
  // No BOS when asked.
  auto no_bos = EncodeChat(messages, ChatOptions{ReasoningMode::kNonThink, true, false});
  REQUIRE(no_bos.ok());
  CHECK(no_bos->rfind("Be brief.", 0) == 0);
}

TEST_CASE("chat encoder: tools argument, DSML calls with JSON values, results in call order") {
  const ordered_json tools = ordered_json::parse(
      R"([{"type": "function", "function": {"name": "read", "parameters": {"type": "object"}}}])");
  ChatMessage call(ChatRole::kAssistant);
  call.reasoning_content = "Read both.";
  call.tool_calls = {{"c1", "read", R"({"path": "a.txt", "lines": [1, 2.5], "all": false})"},
                     {"c2", "read", "not json"}};
  ChatMessage result2(ChatRole::kTool, "B");
  result2.tool_call_id = "c2";
  ChatMessage result1(ChatRole::kTool, "A");
  result1.tool_call_id = "c1";
  const std::vector<ChatMessage> messages = {ChatMessage(ChatRole::kUser, "go"), call, result2,
                                             result1};
  auto prompt = EncodeChat(messages, tools, ChatOptions{ReasoningMode::kThinkHigh});
  REQUIRE_MESSAGE(prompt.ok(), prompt.status().ToString());
  // The tools went to a new, empty system message.
  CHECK(prompt->rfind("<｜begin▁of▁sentence｜>\n\n## Tools\n\n", 0) == 0);
  CHECK(prompt->find(R"({"name": "read", "parameters": {"type": "object"}})") != std::string::npos);
  const std::string expected_turn =
      "<｜User｜>go<｜Assistant｜><think>Read both.</think>\n\n<｜DSML｜tool_calls>\n"
      "<｜DSML｜invoke name=\"read\">\n"
      "<｜DSML｜parameter name=\"path\" string=\"true\">a.txt</｜DSML｜parameter>\n"
      "<｜DSML｜parameter name=\"lines\" string=\"false\">[1, 2.5]</｜DSML｜parameter>\n"
      "<｜DSML｜parameter name=\"all\" string=\"false\">false</｜DSML｜parameter>\n"
      "</｜DSML｜invoke>\n"
      "<｜DSML｜invoke name=\"read\">\n"
      "<｜DSML｜parameter name=\"arguments\" string=\"true\">not json</｜DSML｜parameter>\n"
      "</｜DSML｜invoke>\n"
      "</｜DSML｜tool_calls><｜end▁of▁sentence｜>"
      "<｜User｜><tool_result>A</tool_result>\n\n<tool_result>B</tool_result>"
      "<｜Assistant｜><think>";
  CHECK(prompt->find(expected_turn) != std::string::npos);
  CHECK(prompt->size() == prompt->find(expected_turn) + expected_turn.size());
}

TEST_CASE("chat encoder: response format, open assistant turn, kept reasoning") {
  ChatMessage system(ChatRole::kSystem, "S");
  system.response_format = ordered_json::parse(R"({"type": "object", "x": 1.5})");
  ChatMessage first(ChatRole::kAssistant, "A1");
  first.reasoning_content = "R1";
  ChatMessage open(ChatRole::kAssistant, "partial");
  open.reasoning_content = "R2";
  open.wo_eos = true;
  const std::vector<ChatMessage> messages = {system, ChatMessage(ChatRole::kUser, "U1"), first,
                                             ChatMessage(ChatRole::kUser, "U2"), open};
  auto dropped = EncodeChat(messages, ChatOptions{ReasoningMode::kThinkHigh});
  REQUIRE(dropped.ok());
  CHECK(*dropped ==
        "<｜begin▁of▁sentence｜>S\n\n## Response Format:\n\nYou MUST strictly adhere to the "
        "following schema to reply:\n{\"type\": \"object\", \"x\": 1.5}"
        "<｜User｜>U1<｜Assistant｜></think>A1<｜end▁of▁sentence｜>"
        "<｜User｜>U2<｜Assistant｜><think>R2</think>partial");
  ChatOptions keep{ReasoningMode::kThinkHigh};
  keep.drop_thinking = false;
  auto kept = EncodeChat(messages, keep);
  REQUIRE(kept.ok());
  CHECK(kept->find("<｜User｜>U1<｜Assistant｜><think>R1</think>A1<｜end▁of▁sentence｜>") !=
        std::string::npos);
}

TEST_CASE("chat encoder: invalid conversations are errors") {
  ChatMessage bad_task(ChatRole::kUser, "x");
  bad_task.task = "launch";
  CHECK_FALSE(EncodeChat({bad_task}, ChatOptions{}).ok());
  CHECK_FALSE(EncodeChat({ChatMessage(ChatRole::kDeveloper)}, ChatOptions{}).ok());
  ChatMessage array_args(ChatRole::kAssistant);
  array_args.tool_calls = {{"", "f", "[1, 2]"}};
  CHECK_FALSE(EncodeChat({array_args}, ChatOptions{}).ok());
  CHECK_FALSE(ChatMessagesFromJson(ordered_json::parse(R"([{"role": "wizard"}])")).ok());
  CHECK_FALSE(
      ChatMessagesFromJson(ordered_json::parse(R"([{"role": "user", "content": 3}])")).ok());
  CHECK_FALSE(ChatMessagesFromJson(ordered_json::parse(R"({"role": "user"})")).ok());
}

TEST_CASE("python json: separators, key order, escapes and float repr as json.dumps") {
  const ordered_json value = ordered_json::parse(
      R"({"b": 1, "a": [true, null, "x\"y\\z\n\u0001é"], "f": [2.0, 0.1, 1e-05, 1e16, 1e15,
          123456.789, -0.0, 3.14e-7, 1.5e300], "e": {}, "l": []})");
  CHECK(PythonJsonDumps(value) ==
        R"({"b": 1, "a": [true, null, "x\"y\\z\n\u0001é"], "f": [2.0, 0.1, 1e-05, 1e+16, )"
        R"(1000000000000000.0, 123456.789, -0.0, 3.14e-07, 1.5e+300], "e": {}, "l": []})");
}

}  // namespace
}  // namespace inference
