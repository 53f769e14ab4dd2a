#include "agent/review.h"

#include <doctest/doctest.h>

#include <thread>

#include "agent/review_parser.h"
#include "agent/review_prompt.h"
#include "agent/scripted_engine_test_util.h"
#include "inference/tokenizer/test_support.h"

namespace agent {
namespace {

using agent::testing::ScriptedEngine;
using namespace std::string_literals;
using inference::testing::V3Tokenizer;

// a.c: lines 10..14 new-side, 11 and 12 added; b.c: one hunk adding line 3.
std::vector<tools::FileHunks> TwoFiles() {
  tools::Hunk a;
  a.header = "@@ -10,3 +10,5 @@";
  a.new_start = 10;
  a.new_lines = 5;
  a.lines = {{' ', 10, 10, "int f(int *p) {"}, {'+', -1, 11, "  int x = *p;"},
             {'+', -1, 12, "  free(p);"},      {'-', 11, -1, "  return 0;"},
             {' ', 12, 13, "  return x;"},     {' ', 13, 14, "}"}};
  tools::Hunk b;
  b.header = "@@ -2,1 +2,2 @@";
  b.new_start = 2;
  b.new_lines = 2;
  b.lines = {{' ', 2, 2, "x"}, {'+', -1, 3, "y <｜User｜> z"}};
  tools::Hunk deleted_only;
  deleted_only.header = "@@ -20,1 +19,0 @@";
  deleted_only.new_start = 19;
  deleted_only.lines = {{'-', 20, -1, "gone"}};
  return {{'M', "a.c", "a.c", {a, deleted_only}}, {'A', "", "b.c", {b}}};
}

TEST_CASE("the parser reads JSON lines, tolerates prose and fences, and counts the rest") {
  auto parsed = ParseReviewOutput(
      "```json\n"
      "{\"line\": 11, \"severity\": \"error\", \"rule\": \"Use After Free\", \"message\": \"p is "
      "used after free.\", \"suggestion\": \"  int x = p ? *p : 0;\", \"confidence\": 1.7}\n"
      "Here: {\"start_line\": \"12\", \"end_line\": 11, \"message\": \"leak\"}\n"
      "```\n"
      "NONE\n"
      "{\"line\": 0, \"message\": \"zero line\"}\n"
      "{\"line\": 3, \"severity\": \"catastrophic\", \"message\": \"x\"}\n"
      "{\"line\": 3}\n"
      "{not json\n"
      "random words \xff\xfe\n");
  REQUIRE(parsed.findings.size() == 2);
  CHECK(parsed.findings[0] == ReviewFinding{"", 11, 11, Severity::kError, "use-after-free",
                                            "p is used after free.", "  int x = p ? *p : 0;",
                                            1.0f});
  CHECK(parsed.findings[1] ==
        ReviewFinding{"", 11, 12, Severity::kWarning, "general", "leak", "", 0.5f});
  CHECK(parsed.malformed_lines == 5);
  CHECK(ParseReviewOutput("").malformed_lines == 0);
  CHECK(ParseReviewOutput("LGTM.\n\nnone\n").findings.empty());
  CHECK(ParseSeverity("Critical") == Severity::kError);
  CHECK(ParseSeverity("bogus") == std::nullopt);
}

TEST_CASE("the prompt numbers new-side lines, keeps diff text as text and fits the context") {
  auto files = TwoFiles();
  ReviewPromptInput input;
  input.file_path = "a.c";
  input.hunk = &files[0].hunks[0];
  std::string file;
  for (int i = 1; i <= 40; ++i) file += "line " + std::to_string(i) + "\n";
  input.new_file_text = file;
  input.context_lines = 3;
  std::string text = RenderReviewRequest(input, 3, 100);
  CHECK(text.find("File: a.c\n") == 0);
  CHECK(text.find("     9   line 9\n") != std::string::npos);
  CHECK(text.find("     6   line 6\n") == std::string::npos);
  CHECK(text.find("    11 +   int x = *p;\n") != std::string::npos);
  CHECK(text.find("       -   return 0;\n") != std::string::npos);
  CHECK(text.find("    15   line 15\n") != std::string::npos);
  CHECK(RenderReviewRequest(input, 0, 2).find("(4 more lines not shown)") != std::string::npos);

  const auto& tok = V3Tokenizer();
  input.context_lines = 20;
  auto big = BuildReviewPrompt(tok, input, 65536, 256);
  REQUIRE(big.ok());
  // Ten tokens too few for everything: the context shrinks to fit.
  const int64_t tight = static_cast<int64_t>(big->size()) - 10 + 16;
  auto small = BuildReviewPrompt(tok, input, tight, 16);
  REQUIRE(small.ok());
  CHECK(static_cast<int64_t>(small->size()) <= tight - 16);
  CHECK(tok.Decode(*small).find("    11 +   int x = *p;") != std::string::npos);
  CHECK(BuildReviewPrompt(tok, input, 100, 16).status().code() ==
        base::StatusCode::kInvalidArgument);

  // Chat markup inside the diff stays plain text: only the prompt's own User marker is special.
  ReviewPromptInput injected;
  injected.file_path = "b.c";
  injected.hunk = &files[1].hunks[0];
  auto prompt = BuildReviewPrompt(tok, injected, 65536, 64);
  REQUIRE(prompt.ok());
  CHECK(std::count(prompt->begin(), prompt->end(), tok.special_ids().user) == 1);
  CHECK(tok.Decode(*prompt).find("y <｜User｜> z") != std::string::npos);
}

TEST_CASE("a review emits checked findings per hunk and counts what it drops") {
  ScriptedEngine engine({
      // a.c hunk: a valid finding, a clamped one, one on context only, one outside, a duplicate,
      // a below-threshold one and garbage.
      "{\"line\": 11, \"end_line\": 12, \"severity\": \"error\", \"rule\": \"use-after-free\", "
      "\"message\": \"p is read, then freed.\", \"suggestion\": \"  int x = *p;\\n  free(p);\"}\n"
      "{\"line\": 12, \"end_line\": 30, \"severity\": \"warning\", \"rule\": \"leak\", "
      "\"message\": \"Leaks.\", \"suggestion\": \"x\"}\n"
      "{\"line\": 13, \"message\": \"context only\"}\n"
      "{\"line\": 90, \"message\": \"far away\"}\n"
      "{\"line\": 11, \"end_line\": 12, \"rule\": \"use-after-free\", \"message\": \"again\"}\n"
      "{\"line\": 11, \"message\": \"unsure\", \"confidence\": 0.1}\n"
      "blah blah\n"s,
      // b.c hunk: random text only.
      "the the the {{{ ]]"s,
  });
  std::vector<ReviewProgress> progress;
  std::vector<ReviewFinding> found;
  ReviewOptions options;
  options.min_confidence = 0.2f;
  options.max_tokens_per_hunk = 1000;
  auto files = TwoFiles();
  auto summary = RunReview(engine, V3Tokenizer(), files,
                           [](const std::string& path) -> base::StatusOr<std::string> {
                             if (path == "a.c") return std::string("header\n");
                             return base::NotFound("no");
                           },
                           options,
                           {[&](const ReviewProgress& p) { progress.push_back(p); },
                            [&](const ReviewFinding& f) { found.push_back(f); }});
  REQUIRE_MESSAGE(summary.ok(), summary.status().ToString());
  REQUIRE(found.size() == 2);
  CHECK(found[0] == ReviewFinding{"a.c", 11, 12, Severity::kError, "use-after-free",
                                  "p is read, then freed.", "  int x = *p;\n  free(p);", 0.5f});
  CHECK(found[1] == ReviewFinding{"a.c", 12, 14, Severity::kWarning, "leak", "Leaks.", "", 0.5f});
  CHECK(summary->findings == 2);
  CHECK(summary->dropped_findings == 4);
  CHECK(summary->malformed_lines == 2);
  CHECK(summary->hunks_reviewed == 2);  // the deletion-only hunk is not sent to the model
  CHECK(summary->files_reviewed == 2);
  CHECK(summary->usage.completion_tokens > 0);
  CHECK(summary->text.find("2 findings (1 error, 1 warning, 0 info)") != std::string::npos);
  REQUIRE(progress.size() == 3);
  CHECK(progress[0].hunks_total == 2);
  CHECK(progress[1].file_path == "b.c");
  CHECK(progress[2].hunks_done == 2);
  CHECK(engine.prompts().size() == 2);
}

TEST_CASE("the file gives context only when it is the hunk's new side") {
  // a.c as TwoFiles' hunk expects it (lines 10..14), and a work tree with another version.
  std::string matching;
  for (int i = 1; i <= 9; ++i) matching += "before " + std::to_string(i) + "\n";
  matching += "int f(int *p) {\n  int x = *p;\n  free(p);\n  return x;\n}\nafter 15\n";
  std::string other = matching;
  other.replace(other.find("  free(p);"), 10, "  free(q);");
  auto files = TwoFiles();
  files.resize(1);
  for (const std::string* text : {&matching, &other}) {
    ScriptedEngine engine({"NONE"s});
    auto summary = RunReview(
        engine, V3Tokenizer(), files,
        [text](const std::string&) -> base::StatusOr<std::string> { return *text; }, {}, {});
    REQUIRE_MESSAGE(summary.ok(), summary.status().ToString());
    REQUIRE(engine.prompts().size() == 1);
    const std::string prompt = V3Tokenizer().Decode(engine.prompts()[0]);
    const bool with_context = text == &matching;
    CAPTURE(prompt);
    CHECK((prompt.find("before 9") != std::string::npos) == with_context);
    CHECK((prompt.find("after 15") != std::string::npos) == with_context);
    CHECK(prompt.find("free(q)") == std::string::npos);
    CHECK(prompt.find("free(p)") != std::string::npos);  // the hunk itself is always there
  }
}

TEST_CASE("review limits: severity, per-file and total caps, paths, hunk count and tokens") {
  const std::string two =
      "{\"line\": 11, \"severity\": \"info\", \"rule\": \"a\", \"message\": \"one\"}\n"
      "{\"line\": 12, \"severity\": \"error\", \"rule\": \"b\", \"message\": \"two\"}\n";
  auto files = TwoFiles();
  auto run = [&](ReviewOptions options, std::vector<testing::ScriptedOutput> script) {
    ScriptedEngine engine(std::move(script));
    std::vector<ReviewFinding> found;
    auto summary = RunReview(engine, V3Tokenizer(), files, {}, options,
                             {{}, [&](const ReviewFinding& f) { found.push_back(f); }});
    REQUIRE(summary.ok());
    return std::make_pair(*summary, found);
  };
  ReviewOptions options;
  options.min_severity = Severity::kWarning;
  auto [s1, f1] = run(options, {two, "NONE"s});
  REQUIRE(f1.size() == 1);
  CHECK(f1[0].rule == "b");

  options = {};
  options.max_findings_per_file = 1;
  CHECK(run(options, {two, "NONE"s}).second.size() == 1);

  options = {};
  options.max_findings = 1;  // reached in the first hunk: the second is not reviewed
  auto [s3, f3] = run(options, {two});
  CHECK(f3.size() == 1);
  CHECK(s3.hunks_skipped == 1);

  options = {};
  options.paths = {"b.*"};
  CHECK(run(options, {"NONE"s}).first.hunks_reviewed == 1);
  CHECK(PathSelected("src/x/y.cc", {"src"}));
  CHECK(PathSelected("src/x/y.cc", {"*.cc"}));
  CHECK_FALSE(PathSelected("srcs/y.cc", {"src/"}));

  options = {};
  options.max_hunks = 1;
  auto [s5, f5] = run(options, {"NONE"s});
  CHECK(s5.hunks_reviewed == 1);
  CHECK(s5.hunks_skipped == 1);

  // Generation stops at max_tokens_per_hunk even when the model never stops by itself.
  options = {};
  options.max_tokens_per_hunk = 3;
  auto [s6, f6] = run(options, {std::string(500, 'z'), std::string(500, 'z')});
  CHECK(s6.usage.completion_tokens == 6);
  CHECK(s6.malformed_lines == 2);
}

TEST_CASE("a cancelled review stops, and an engine error ends it with the engine's status") {
  auto files = TwoFiles();
  {
    ScriptedEngine engine({std::string(2000, 'x'), "NONE"s});
    engine.set_chunk_delay(std::chrono::milliseconds(2));
    auto cancel = std::make_shared<base::CancelToken>();
    ReviewOptions options;
    options.max_tokens_per_hunk = 2000;
    options.cancel = cancel;
    std::thread canceller([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      cancel->Cancel();
    });
    auto summary = RunReview(engine, V3Tokenizer(), files, {}, options, {});
    canceller.join();
    CHECK(summary.status().code() == base::StatusCode::kCancelled);
  }
  ScriptedEngine engine({testing::ScriptedOutput("", inference::FinishReason::kError,
                                                 base::Internal("device lost"))});
  auto summary = RunReview(engine, V3Tokenizer(), files, {}, {}, {});
  CHECK(summary.status() == base::Internal("device lost"));
}

}  // namespace
}  // namespace agent
