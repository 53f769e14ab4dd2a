#include "tools/code/chunker.h"

#include <doctest/doctest.h>

#include <random>

#include "tools/code/syntax_parser.h"

namespace tools {
namespace {

std::string Join(const std::vector<Chunk>& chunks) {
  std::string out;
  for (const Chunk& c : chunks) out += c.text;
  return out;
}

std::string PythonFunction(int i, int body_lines) {
  std::string s = "def f" + std::to_string(i) + "(x):\n";
  for (int l = 0; l < body_lines; ++l) s += "    x = x + " + std::to_string(l) + "\n";
  return s + "    return x\n\n";
}

bool StartsLineWith(const std::string& text, uint32_t byte, std::string_view prefix) {
  return (byte == 0 || text[byte - 1] == '\n') && text.substr(byte, prefix.size()) == prefix;
}

TEST_CASE("chunks end on definition boundaries, fit the target, and rebuild the file") {
  std::string text = "import os\n\n";
  for (int i = 0; i < 12; ++i) {
    if (i == 5) text += "# comment about f5\n";
    text += PythonFunction(i, 4);
  }
  SyntaxParser parser;
  CharEstimateTokenCounter counter;
  auto chunks = ChunkFile("m.py", text, LanguageByName("python"), parser, counter, {100});
  CHECK(Join(chunks) == text);
  REQUIRE(chunks.size() > 2);
  for (size_t i = 0; i < chunks.size(); ++i) {
    CHECK(chunks[i].tokens <= 100);
    CHECK(chunks[i].tokens == counter.Count(chunks[i].text));
    if (i > 0) {
      CHECK(chunks[i].start_byte == chunks[i - 1].end_byte);
      bool at_def = StartsLineWith(text, chunks[i].start_byte, "def ") ||
                    StartsLineWith(text, chunks[i].start_byte, "# comment");
      CHECK_MESSAGE(at_def, "chunk ", i, " starts mid-definition");
      CHECK(chunks[i].start_line == chunks[i - 1].end_line + 1);
    }
  }
  // The comment is never separated from the function it documents.
  for (const Chunk& c : chunks) CHECK_FALSE(c.text.ends_with("# comment about f5\n"));
}

TEST_CASE("an edit changes only the hashes of the chunks it touches") {
  std::string text;
  for (int i = 0; i < 10; ++i) text += PythonFunction(i, 3);
  std::string edited = text.substr(0, text.size() - 10) + "return 42\n\n";
  SyntaxParser parser;
  CharEstimateTokenCounter counter;
  auto before = ChunkFile("m.py", text, LanguageByName("python"), parser, counter, {80});
  auto after = ChunkFile("m.py", edited, LanguageByName("python"), parser, counter, {80});
  REQUIRE(before.size() == after.size());
  REQUIRE(before.size() > 2);
  for (size_t i = 0; i + 1 < before.size(); ++i) CHECK(before[i].hash == after[i].hash);
  CHECK(before.back().hash != after.back().hash);
  // The hash covers the path too.
  auto moved = ChunkFile("n.py", text, LanguageByName("python"), parser, counter, {80});
  CHECK(moved[0].hash != before[0].hash);
}

TEST_CASE("a definition larger than the target is split at lines, namespaces are entered") {
  SyntaxParser parser;
  CharEstimateTokenCounter counter;
  std::string big = PythonFunction(0, 100);
  auto chunks = ChunkFile("big.py", big, LanguageByName("python"), parser, counter, {50});
  CHECK(Join(chunks) == big);
  CHECK(chunks.size() > 5);
  for (const Chunk& c : chunks) CHECK(c.text.back() == '\n');

  std::string cpp = "namespace app {\n";
  for (int i = 0; i < 8; ++i) {
    cpp += "int F" + std::to_string(i) + "(int x) {\n  return x * " + std::to_string(i) +
           " + 1000000;\n}\n";
  }
  cpp += "}  // namespace app\n";
  auto ns = ChunkFile("a.cc", cpp, LanguageByName("cpp"), parser, counter, {40});
  CHECK(Join(ns) == cpp);
  REQUIRE(ns.size() > 2);
  for (size_t i = 1; i + 1 < ns.size(); ++i) {
    CHECK(StartsLineWith(cpp, ns[i].start_byte, "int F"));
  }
}

TEST_CASE("without a grammar the file is cut at lines, empty files give no chunks") {
  SyntaxParser parser;
  CharEstimateTokenCounter counter;
  std::string text;
  for (int i = 0; i < 50; ++i) text += "line " + std::to_string(i) + "\n";
  auto chunks = ChunkFile("notes.txt", text, nullptr, parser, counter, {20});
  CHECK(Join(chunks) == text);
  CHECK(chunks.size() > 3);
  CHECK(ChunkFile("e.py", "", LanguageByName("python"), parser, counter, {20}).empty());
}

TEST_CASE("randomized files always rebuild exactly and are chunked deterministically") {
  const uint32_t seed = std::random_device{}();
  MESSAGE("seed ", seed);
  std::mt19937 rng(seed);
  SyntaxParser parser;
  CharEstimateTokenCounter counter;
  for (int round = 0; round < 20; ++round) {
    std::string text;
    int functions = 1 + static_cast<int>(rng() % 15);
    for (int i = 0; i < functions; ++i) {
      if (rng() % 3 == 0) text += "# note " + std::to_string(i) + "\n";
      text += PythonFunction(i, static_cast<int>(rng() % 30));
    }
    size_t target = 20 + rng() % 200;
    auto a = ChunkFile("r.py", text, LanguageByName("python"), parser, counter, {target});
    auto b = ChunkFile("r.py", text, LanguageByName("python"), parser, counter, {target});
    CHECK(Join(a) == text);
    CHECK(a == b);
  }
}

}  // namespace
}  // namespace tools
