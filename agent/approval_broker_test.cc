#include "agent/approval_broker.h"

#include <doctest/doctest.h>

#include <thread>

namespace agent {
namespace {

TEST_CASE("approval broker: a decision from another thread wakes the waiter") {
  ApprovalBroker broker;
  base::CancelToken cancel;
  REQUIRE(broker.Open("a1").ok());
  CHECK(broker.IsPending("a1"));
  std::thread answer([&] { CHECK(broker.Resolve("a1", {Decision::kDeny, "not now"}).ok()); });
  auto got = broker.Wait("a1", cancel);
  answer.join();
  REQUIRE(got.ok());
  CHECK(*got == ApprovalAnswer{Decision::kDeny, "not now"});
  CHECK_FALSE(broker.IsPending("a1"));
  CHECK(broker.Resolve("a1", {Decision::kApprove, ""}).code() == base::StatusCode::kNotFound);
}

TEST_CASE("approval broker: an answer before the wait is kept and cancel wakes a waiter") {
  ApprovalBroker broker;
  base::CancelToken cancel;
  REQUIRE(broker.Open("early").ok());
  REQUIRE(broker.Resolve("early", {Decision::kApprove, ""}).ok());
  CHECK(broker.Resolve("early", {Decision::kDeny, ""}).code() == base::StatusCode::kNotFound);
  auto early = broker.Wait("early", cancel);
  REQUIRE(early.ok());
  CHECK(early->decision == Decision::kApprove);

  REQUIRE(broker.Open("late").ok());
  CHECK(broker.Open("late").code() == base::StatusCode::kAlreadyExists);
  std::thread canceller([&] { cancel.Cancel(); });
  auto late = broker.Wait("late", cancel);
  canceller.join();
  CHECK(late.status().code() == base::StatusCode::kCancelled);
  CHECK(broker.Resolve("late", {Decision::kApprove, ""}).code() == base::StatusCode::kNotFound);
  CHECK(broker.Wait("never-opened", cancel).status().code() == base::StatusCode::kNotFound);
}

}  // namespace
}  // namespace agent
