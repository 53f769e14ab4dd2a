#include "tools/shell/live_output.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tools {
namespace {

using namespace std::chrono_literals;
using Clock = LiveOutput::Clock;

struct Recorder {
  std::vector<std::string> batches;
  OutputCallback Callback() {
    return [this](std::string_view t) { batches.emplace_back(t); };
  }
  std::string All() const {
    std::string out;
    for (const std::string& b : batches) out += b;
    return out;
  }
};

TEST_CASE("live output: at most one batch per interval, cut at the last newline") {
  Recorder r;
  LiveOutput live(r.Callback(), {50ms, 8 * 1024, 1 << 20});
  const Clock::time_point t0 = Clock::now();
  live.Append("one\ntw", t0);
  live.Flush(t0);
  REQUIRE(r.batches == std::vector<std::string>{"one\n"});  // first batch goes out at once
  CHECK(live.NextFlush() == t0 + 200ms);                    // a partial line waits 4 intervals
  live.Append("o\nthree\n", t0 + 10ms);
  CHECK(live.NextFlush() == t0 + 50ms);
  live.Flush(t0 + 20ms);  // too soon
  CHECK(r.batches.size() == 1);
  live.Flush(t0 + 50ms);
  CHECK(r.batches.back() == "two\nthree\n");
  CHECK(live.NextFlush() == Clock::time_point::max());

  // A prompt without a newline goes out after four intervals; the rest at the end.
  live.Append("Password: ", t0 + 60ms);
  live.Flush(t0 + 150ms);
  CHECK(r.batches.size() == 2);
  live.Flush(t0 + 260ms);
  CHECK(r.batches.back() == "Password: ");
  live.Append("tail", t0 + 270ms);
  live.FlushAll();
  CHECK(r.batches.back() == "tail");
  CHECK(r.All() == "one\ntwo\nthree\nPassword: tail");
  CHECK(live.delivered_bytes() == r.All().size());
}

TEST_CASE("live output: characters split across reads stay whole and bad bytes are replaced") {
  Recorder r;
  LiveOutput live(r.Callback(), {50ms, 4, 1 << 20});
  const Clock::time_point t0 = Clock::now();
  const std::string euro = "\xE2\x82\xAC";
  live.Append("abcd" + euro.substr(0, 2), t0);  // past max_held_bytes without a newline
  live.Flush(t0);
  REQUIRE(r.batches == std::vector<std::string>{"abcd"});
  live.Append(euro.substr(2) + "\xFF\n", t0 + 60ms);
  live.Flush(t0 + 60ms);
  CHECK(r.batches.back() == euro + "\xEF\xBF\xBD\n");
}

TEST_CASE("live output: past the cap one notice goes out and the rest is dropped") {
  Recorder r;
  LiveOutput live(r.Callback(), {50ms, 4, 10});
  const Clock::time_point t0 = Clock::now();
  live.Append("01234\n", t0);
  live.Flush(t0);
  live.Append("56789abcdef\n", t0 + 100ms);
  live.Flush(t0 + 100ms);
  REQUIRE(r.batches.size() == 2);
  CHECK(r.batches[0] == "01234\n");
  CHECK(r.batches[1].starts_with("5678\n[live output stops here after 10 bytes"));
  live.Append(std::string(100000, 'x') + "\n", t0 + 100ms);
  live.Flush(t0 + 100ms);
  live.FlushAll();
  CHECK(r.batches.size() == 2);
  CHECK(live.delivered_bytes() == 10);
  CHECK(live.NextFlush() == Clock::time_point::max());
}

}  // namespace
}  // namespace tools
