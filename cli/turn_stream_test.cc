#include "cli/turn_stream.h"

#include <doctest/doctest.h>

#include <sstream>

namespace cli {
namespace {

namespace v1 = flashcode::v1;

TEST_CASE("plain turn output: live tool output that ends mid-line does not swallow the next line") {
  std::ostringstream out, err;
  TurnPrinter printer(out, err);
  v1::TurnEvent started;
  started.mutable_tool_started()->mutable_call()->set_name("shell");
  started.mutable_tool_started()->mutable_call()->set_arguments_json(R"({"command":"make"})");
  v1::TurnEvent line, partial, finished, text;
  line.mutable_tool_output()->set_text("compiling\n");
  partial.mutable_tool_output()->set_text("50%");
  finished.mutable_tool_finished()->set_duration_ms(12);
  text.mutable_text()->set_text("Built.");
  for (const v1::TurnEvent* e : {&started, &line, &partial, &finished, &text}) printer.Print(*e);
  CHECK(err.str() ==
        "\n[tool shell {\"command\":\"make\"}]\ncompiling\n50%\n[tool done in 12 ms]\n");
  CHECK(out.str() == "Built.");

  std::ostringstream out2, err2;
  TurnPrinter whole_lines(out2, err2);
  for (const v1::TurnEvent* e : {&line, &finished}) whole_lines.Print(*e);
  CHECK(err2.str() == "compiling\n[tool done in 12 ms]\n");  // no blank line added
}

}  // namespace
}  // namespace cli
