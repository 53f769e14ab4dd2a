#include "tools/shell/live_output.h"

#include <algorithm>

#include "base/utf8.h"

namespace tools {
LiveOutput::LiveOutput(OutputCallback deliver, LiveOutputOptions options)
    : deliver_(std::move(deliver)), options_(options) {}

void LiveOutput::Append(std::string_view data, Clock::time_point now) {
  if (capped_ || data.empty()) return;
  if (held_.empty()) held_since_ = now;
  // Bytes past what the cap lets through are dropped anyway; a few more than the cap are kept
  // so that Deliver sees that the cap was passed (and where a character ends).
  const size_t keep = options_.max_bytes - std::min<uint64_t>(delivered_, options_.max_bytes) + 4;
  held_.append(data.substr(0, keep > held_.size() ? keep - held_.size() : 0));
}

LiveOutput::Clock::time_point LiveOutput::NextFlush() const {
  if (held_.empty() || capped_) return Clock::time_point::max();
  const Clock::time_point due = last_delivery_ + options_.interval;
  if (held_.find('\n') != std::string::npos || held_.size() >= options_.max_held_bytes) return due;
  // Only the start of a character is held: nothing can go out until the rest comes.
  if (base::CompleteUtf8Prefix(held_) == 0) return Clock::time_point::max();
  return std::max(due, held_since_ + 4 * options_.interval);
}

void LiveOutput::Flush(Clock::time_point now) {
  if (held_.empty() || capped_ || now < last_delivery_ + options_.interval) return;
  const size_t newline = held_.rfind('\n');
  size_t cut = newline == std::string::npos ? 0 : newline + 1;
  if (cut == 0 &&
      (held_.size() >= options_.max_held_bytes || now - held_since_ >= 4 * options_.interval)) {
    cut = base::CompleteUtf8Prefix(held_);
  }
  if (cut == 0) return;
  Deliver(std::string_view(held_).substr(0, cut), now);
  held_.erase(0, cut);
  if (capped_) held_.clear();
  if (!held_.empty()) held_since_ = now;
}

void LiveOutput::FlushAll() {
  if (held_.empty() || capped_) return;
  Deliver(held_, Clock::now());
  held_.clear();
}

void LiveOutput::Deliver(std::string_view text, Clock::time_point now) {
  last_delivery_ = now;
  const uint64_t room = options_.max_bytes - std::min<uint64_t>(delivered_, options_.max_bytes);
  if (text.size() <= room) {
    delivered_ += text.size();
    deliver_(base::ValidUtf8(text));
    return;
  }
  std::string_view head = text.substr(0, base::CompleteUtf8Prefix(text.substr(0, room)));
  delivered_ += head.size();
  capped_ = true;  // the caller drops what it still holds
  std::string last = base::ValidUtf8(head);
  if (!last.empty() && last.back() != '\n') last += '\n';
  deliver_(last + "[live output stops here after " + std::to_string(delivered_) +
           " bytes; the command still runs and its result keeps the head and tail]\n");
}

}  // namespace tools
