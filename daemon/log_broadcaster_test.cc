#include "daemon/log_broadcaster.h"

#include <doctest/doctest.h>
#include <spdlog/logger.h>

namespace flashcoded {
namespace {

TEST_CASE("keeps the last lines and feeds subscribers until they leave") {
  auto sink = std::make_shared<LogBroadcaster>(3);
  sink->set_pattern("%v");
  spdlog::logger logger("t", sink);
  for (int i = 0; i < 5; ++i) logger.info("line {}", i);

  std::vector<std::string> seen;
  uint64_t id = sink->Subscribe(10, true, [&](const std::string& l) { seen.push_back(l); });
  logger.info("line 5");
  sink->Unsubscribe(id);
  logger.info("line 6");
  CHECK(seen == std::vector<std::string>{"line 2", "line 3", "line 4", "line 5"});
  std::vector<std::string> tail;
  CHECK(sink->Subscribe(2, false, [&](const std::string& l) { tail.push_back(l); }) == 0);
  CHECK(tail == std::vector<std::string>{"line 5", "line 6"});
}

}  // namespace
}  // namespace flashcoded
