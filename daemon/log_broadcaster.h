// LogBroadcaster: an spdlog sink that keeps the daemon's last lines in memory and hands every
// new line to subscribers, so `flashcode daemon logs -f` can follow the log over gRPC.
// Thread-safe. Subscriber callbacks run under the sink's lock: they must be quick, must not
// log, and are guaranteed not to run after Unsubscribe returns.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace flashcoded {

class LogBroadcaster final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit LogBroadcaster(size_t capacity = 10000) : capacity_(capacity) {}

  using Subscriber = std::function<void(const std::string& line)>;
  // Hands `subscriber` the last `tail` lines (oldest first) and then, with `follow`, every later
  // line, with nothing lost or repeated in between. Returns the id for Unsubscribe (0 without
  // `follow`: nothing to undo).
  uint64_t Subscribe(size_t tail, bool follow, Subscriber subscriber);
  void Unsubscribe(uint64_t id);

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  const size_t capacity_;
  std::deque<std::string> lines_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Subscriber> subscribers_;
};

}  // namespace flashcoded
