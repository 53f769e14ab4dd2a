#include "daemon/log_broadcaster.h"

namespace flashcoded {

uint64_t LogBroadcaster::Subscribe(size_t tail, bool follow, Subscriber subscriber) {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t n = std::min(tail, lines_.size());
  for (auto it = lines_.end() - static_cast<long>(n); it != lines_.end(); ++it) subscriber(*it);
  if (!follow) return 0;
  uint64_t id = next_id_++;
  subscribers_.emplace(id, std::move(subscriber));
  return id;
}

void LogBroadcaster::Unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  subscribers_.erase(id);
}

void LogBroadcaster::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  std::string line(formatted.data(), formatted.size());
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  for (auto& [id, subscriber] : subscribers_) subscriber(line);
  lines_.push_back(std::move(line));
  if (lines_.size() > capacity_) lines_.pop_front();
}

}  // namespace flashcoded
