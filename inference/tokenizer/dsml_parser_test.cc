#include "inference/tokenizer/dsml_parser.h"

#include <doctest/doctest.h>

#include <ostream>
#include <random>

#include "inference/tokenizer/char_class.h"
#include "inference/tokenizer/test_support.h"

namespace inference {
namespace {

// Everything a parse produced, with the deltas joined.
struct Parsed {
  std::string reasoning;
  std::string text;
  std::vector<DsmlToolCall> calls;
  std::vector<std::string> starts;  // names from kToolCallStart
  std::vector<std::string> errors;
  std::vector<int> error_calls;
  bool deltas_valid_utf8 = true;
  bool operator==(const Parsed&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Parsed& p) {
  os << "{reasoning='" << p.reasoning << "' text='" << p.text << "' calls=[";
  for (const auto& c : p.calls) os << c.index << ":" << c.name << c.arguments << " ";
  os << "] starts=" << p.starts.size() << " errors=[";
  for (const auto& e : p.errors) os << e << "; ";
  return os << "] utf8=" << p.deltas_valid_utf8 << "}";
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const Utf8Char c = DecodeUtf8At(s, i);
    if (!c.valid) return false;
    i += c.len;
  }
  return true;
}

void Collect(const std::vector<DsmlEvent>& events, Parsed* out) {
  for (const DsmlEvent& e : events) {
    switch (e.kind) {
      case DsmlEventKind::kText:
        out->text += e.text;
        out->deltas_valid_utf8 &= IsValidUtf8(e.text);
        break;
      case DsmlEventKind::kReasoning:
        out->reasoning += e.text;
        out->deltas_valid_utf8 &= IsValidUtf8(e.text);
        break;
      case DsmlEventKind::kToolCallStart:
        out->starts.push_back(e.call.name);
        break;
      case DsmlEventKind::kToolCall:
        out->calls.push_back(e.call);
        break;
      case DsmlEventKind::kError:
        out->errors.push_back(e.text);
        out->error_calls.push_back(e.call.index);
        break;
    }
  }
}

// Feeds `output` in chunks whose sizes come from `next_size`.
template <typename NextSize>
Parsed ParseChunked(std::string_view output, bool thinking, NextSize next_size) {
  DsmlParser parser(thinking);
  Parsed parsed;
  for (size_t i = 0; i < output.size();) {
    const size_t n = std::min(output.size() - i, std::max<size_t>(1, next_size()));
    Collect(parser.Feed(output.substr(i, n)), &parsed);
    i += n;
  }
  Collect(parser.Finish(), &parsed);
  return parsed;
}

Parsed Parse(std::string_view output, bool thinking) {
  return ParseChunked(output, thinking, [&] { return output.size(); });
}

// Parsing in chunks of every size from 1 to 8 and in random chunks gives the one-piece result.
void CheckChunkingInvariance(std::string_view output, bool thinking, const Parsed& whole) {
  for (size_t size = 1; size <= 8; ++size) {
    CAPTURE(size);
    CHECK(ParseChunked(output, thinking, [size] { return size; }) == whole);
  }
  const unsigned seed = std::random_device{}();
  MESSAGE("seed " << seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < 20; ++round) {
    CHECK(ParseChunked(output, thinking, [&rng] { return rng() % 40; }) == whole);
  }
}

// The assistant completions inside DeepSeek's reference prompt `n`: what follows each
// "<｜Assistant｜><think>" up to and including the next end-of-sentence.
std::vector<std::string> Completions(int n) {
  const std::string prompt = testing::ReadFileOrEmpty(
      testing::SourceDir() / "tests/data/encoding" / ("test_output_" + std::to_string(n) + ".txt"));
  const std::string open = "<｜Assistant｜><think>", eos = "<｜end▁of▁sentence｜>";
  std::vector<std::string> out;
  for (size_t at = prompt.find(open); at != std::string::npos; at = prompt.find(open, at + 1)) {
    const size_t begin = at + open.size();
    const size_t end = prompt.find(eos, begin);
    REQUIRE(end != std::string::npos);
    out.push_back(prompt.substr(begin, end + eos.size() - begin));
  }
  return out;
}

TEST_CASE("dsml parser: DeepSeek's reference completions, in any chunking") {
  const std::vector<std::string> case1 = Completions(1);
  REQUIRE(case1.size() == 2);
  Parsed first = Parse(case1[0], true);
  CHECK(first.reasoning ==
        "The user wants to know the weather in Beijing. I should use the get_weather tool.");
  CHECK(first.text.empty());
  CHECK(first.errors.empty());
  REQUIRE(first.calls.size() == 1);
  CHECK(first.calls[0].index == 0);
  CHECK(first.calls[0].name == "get_weather");
  CHECK(first.calls[0].arguments == R"({"location": "Beijing", "unit": "celsius"})");
  CHECK(first.calls[0].parameters ==
        std::vector<DsmlParameter>{{"location", "Beijing", true}, {"unit", "celsius", true}});
  CHECK(first.starts == std::vector<std::string>{"get_weather"});
  CheckChunkingInvariance(case1[0], true, first);

  Parsed second = Parse(case1[1], true);
  CHECK(second.reasoning == "Got the weather data. Let me format a nice response.");
  CHECK(second.text.find("22°C") != std::string::npos);
  CHECK(second.calls.empty());
  CheckChunkingInvariance(case1[1], true, second);

  const std::vector<std::string> case2 = Completions(2);
  REQUIRE(case2.size() == 1);
  Parsed last = Parse(case2[0], true);
  CHECK(last.reasoning == "The user asks about the capital of France. It is Paris.");
  CHECK(last.text == "The capital of France is Paris.");
  CheckChunkingInvariance(case2[0], true, last);

  const std::vector<std::string> case3 = Completions(3);  // Chinese text and call arguments
  REQUIRE(case3.size() == 2);
  Parsed search = Parse(case3[0], true);
  REQUIRE(search.calls.size() == 1);
  CHECK(search.calls[0].arguments == R"({"queries": "小柴胡冲剂 布洛芬 相互作用 一起吃"})");
  CHECK(search.deltas_valid_utf8);
  CheckChunkingInvariance(case3[0], true, search);
  Parsed answer = ParseChunked(case3[1], true, [] { return 1; });  // byte by byte
  CHECK(answer.text == "请及时就医。");
  CHECK(answer.deltas_valid_utf8);
}

TEST_CASE("dsml parser: non-thinking output, several calls, JSON values, V3.2 block name") {
  const std::string output =
      "Let me look.\n\n<｜DSML｜function_calls>\n"
      "<｜DSML｜invoke name=\"read_file\">\n"
      "<｜DSML｜parameter name=\"path\" string=\"true\">src/a \"quoted\".cc</｜DSML｜parameter>\n"
      "<｜DSML｜parameter name=\"lines\" string=\"false\">[1, 20]</｜DSML｜parameter>\n"
      "</｜DSML｜invoke>\n"
      "<｜DSML｜invoke name=\"list\">\n\n</｜DSML｜invoke>\n"
      "</｜DSML｜function_calls><｜end▁of▁sentence｜>";
  const Parsed parsed = Parse(output, false);
  CHECK(parsed.reasoning.empty());
  CHECK(parsed.text == "Let me look.");
  CHECK(parsed.errors.empty());
  REQUIRE(parsed.calls.size() == 2);
  CHECK(parsed.calls[0].arguments == R"({"path": "src/a \"quoted\".cc", "lines": [1, 20]})");
  CHECK(parsed.calls[1].index == 1);
  CHECK(parsed.calls[1].name == "list");
  CHECK(parsed.calls[1].arguments == "{}");
  CheckChunkingInvariance(output, false, parsed);
}

TEST_CASE("dsml parser: malformed calls are reported with their index, later calls survive") {
  const std::string head = "<｜DSML｜tool_calls>\n";
  const std::string good =
      "<｜DSML｜invoke name=\"ok\">\n"
      "<｜DSML｜parameter name=\"x\" string=\"false\">1</｜DSML｜parameter>\n</｜DSML｜invoke>\n";
  struct Case {
    std::string bad_call;
    std::string message_part;
  };
  const Case cases[] = {
      {"<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"a\" string=\"maybe\">1"
       "</｜DSML｜parameter>\n</｜DSML｜invoke>\n",
       "parameter \"a\": string=\"maybe\" (must be \"true\" or \"false\")"},
      {"<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"n\" string=\"false\">{oops"
       "</｜DSML｜parameter>\n</｜DSML｜invoke>\n",
       "parameter \"n\" has string=\"false\" but its value '{oops' is not JSON"},
      {"<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"a\" string=\"true\">1"
       "</｜DSML｜parameter>\n<｜DSML｜parameter name=\"a\" string=\"true\">2</｜DSML｜parameter>\n"
       "</｜DSML｜invoke>\n",
       "parameter \"a\" is given twice"},
      {"<｜DSML｜invoke nam=\"f\">\n</｜DSML｜invoke>\n", "has no name=\"...\" attribute"},
      {"<｜DSML｜invoke name=\"f\">\nstray words\n</｜DSML｜invoke>\n",
       "unexpected text 'stray words"},
      {"<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"a\">1</｜DSML｜parameter>\n"
       "</｜DSML｜invoke>\n",
       "malformed parameter tag"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.message_part);
    const std::string output = head + c.bad_call + good + "</｜DSML｜tool_calls>";
    const Parsed parsed = Parse(output, false);
    REQUIRE(parsed.errors.size() == 1);
    CHECK(parsed.errors[0].find("tool call #0") != std::string::npos);
    CHECK(parsed.errors[0].find(c.message_part) != std::string::npos);
    CHECK(parsed.error_calls == std::vector<int>{0});
    REQUIRE(parsed.calls.size() == 1);  // the good call after it still parses
    CHECK(parsed.calls[0].index == 1);
    CHECK(parsed.calls[0].arguments == R"({"x": 1})");
    CheckChunkingInvariance(output, false, parsed);
  }
}

TEST_CASE("dsml parser: open block at the end, junk between and after calls") {
  const Parsed open_call = Parse(
      "<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"write\">\n<｜DSML｜parameter name=\"text\" "
      "string=\"true\">half a file",
      false);
  REQUIRE(open_call.errors.size() == 1);
  CHECK(open_call.errors[0] ==
        "tool call #0 (\"write\"): the output ended before </｜DSML｜invoke>");
  CHECK(open_call.starts == std::vector<std::string>{"write"});
  CHECK(open_call.calls.empty());

  const Parsed open_block = Parse("<｜DSML｜tool_calls>\n", false);
  REQUIRE(open_block.errors.size() == 1);
  CHECK(open_block.errors[0].find("ended before </｜DSML｜tool_calls>") != std::string::npos);
  CHECK(open_block.error_calls == std::vector<int>{-1});

  const std::string junk =
      "<｜DSML｜tool_calls>\nhello\n<｜DSML｜invoke name=\"a\">\n</｜DSML｜invoke>\n"
      "</｜DSML｜tool_calls>\nmore text<｜end▁of▁sentence｜>";
  const Parsed parsed = Parse(junk, false);
  REQUIRE(parsed.errors.size() == 2);
  CHECK(parsed.errors[0].find("unexpected text 'hello") != std::string::npos);
  CHECK(parsed.errors[1].find("after the tool call block") != std::string::npos);
  REQUIRE(parsed.calls.size() == 1);
  CHECK(parsed.calls[0].name == "a");
  CheckChunkingInvariance(junk, false, parsed);
}

TEST_CASE("dsml parser: text that only looks like markers stays text") {
  const std::string output =
      "<think>I think </thin and <｜DSML｜tool, a < b\n\n</think>x < y <｜end▁of▁sentence and\n\n"
      "<｜DSML｜tool_callsX";
  const Parsed parsed = Parse(output, true);
  CHECK(parsed.reasoning == "I think </thin and <｜DSML｜tool, a < b\n\n");
  CHECK(parsed.text == "x < y <｜end▁of▁sentence and\n\n<｜DSML｜tool_callsX");
  CHECK(parsed.errors.empty());
  CheckChunkingInvariance(output, true, parsed);
}

}  // namespace
}  // namespace inference
