#include "daemon/call_gate.h"

#include <doctest/doctest.h>

namespace flashcoded {
namespace {

TEST_CASE("constant-time comparison is still a comparison") {
  CHECK(ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abcd"));
  CHECK_FALSE(ConstantTimeEquals("", "a"));
  CHECK(ConstantTimeEquals("", ""));
}

TEST_CASE("unix peers pass, TCP peers need the bearer token") {
  CallGate gate("s3cret-token-0123456789");
  CHECK(gate.Admit("unix:/run/x.sock", "").ok());
  CHECK(gate.Admit("ipv4:127.0.0.1:5555", "Bearer s3cret-token-0123456789").ok());
  CHECK(gate.Admit("ipv4:127.0.0.1:5555", "").code() == base::StatusCode::kUnauthenticated);
  CHECK(gate.Admit("ipv6:[::1]:5555", "Bearer wrong").code() == base::StatusCode::kUnauthenticated);
  CHECK(gate.Admit("ipv4:1.2.3.4:1", "s3cret-token-0123456789").code() ==
        base::StatusCode::kUnauthenticated);
  CallGate no_token("");
  CHECK(no_token.Admit("ipv4:127.0.0.1:1", "Bearer ").code() == base::StatusCode::kUnauthenticated);
}

TEST_CASE("shutdown ends open streams once and refuses new calls") {
  CallGate gate("");
  int ended = 0;
  uint64_t a = gate.StreamOpened([&] { ++ended; });
  uint64_t b = gate.StreamOpened([&] { ++ended; });
  gate.StreamClosed(b);
  CHECK(gate.OpenStreams() == 1);
  gate.BeginShutdown();
  CHECK(ended == 1);
  CHECK(gate.OpenStreams() == 1);  // ended, but counted until the stream reports closed
  CHECK_FALSE(gate.WaitForStreamsClosed(std::chrono::steady_clock::now()));
  gate.StreamClosed(a);
  CHECK(gate.OpenStreams() == 0);
  CHECK(gate.WaitForStreamsClosed(std::chrono::steady_clock::now()));
  CHECK(gate.StreamOpened([&] { ++ended; }) == 0);
  CHECK(gate.Admit("unix:x", "").code() == base::StatusCode::kUnavailable);
  gate.BeginShutdown();
  CHECK(ended == 1);
}

}  // namespace
}  // namespace flashcoded
