#include "daemon/agent_proto.h"

#include <doctest/doctest.h>

namespace flashcoded {
namespace {

namespace v1 = flashcode::v1;

TEST_CASE("turn events reach the wire as valid UTF-8 even when paths or arguments are not") {
  agent::Event error;
  error.payload = agent::StreamError{13, "cannot read /src/caf\xe9.c"};  // a Latin-1 file name
  v1::TurnEvent wire;
  ToProto(error, &wire);
  CHECK(wire.error().message() == "cannot read /src/caf\xef\xbf\xbd.c");
  // What the client does with it: parse the serialized event (proto3 checks UTF-8 there).
  v1::TurnEvent parsed;
  REQUIRE(parsed.ParseFromString(wire.SerializeAsString()));
  CHECK(parsed.error().code() == 13);

  agent::Event started;
  started.payload =
      agent::ToolCallStarted{{"call_1_1", "read_file", "{\"path\":\"a\xff\"}"}, false};
  ToProto(started, &wire);
  CHECK(wire.tool_started().call().arguments_json() == "{\"path\":\"a\xef\xbf\xbd\"}");
  REQUIRE(parsed.ParseFromString(wire.SerializeAsString()));
  CHECK(parsed.tool_started().call().name() == "read_file");
}

}  // namespace
}  // namespace flashcoded
