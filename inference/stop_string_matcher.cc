#include "inference/stop_string_matcher.h"

#include <algorithm>
#include <utility>

namespace inference {

StopStringMatcher::StopStringMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {
  std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
}

StopStringMatcher::Result StopStringMatcher::Push(std::string_view text) {
  Result result;
  if (matched_) return result;
  held_ += text;

  // The stop string that completes first wins (ties: the one starting first), as it would
  // had the text arrived one byte at a time; so the result never depends on how the text was
  // split. held_ is short (at most the longest stop string plus one token's text), so plain
  // find is fast enough.
  size_t best_pos = std::string::npos;
  size_t best_end = std::string::npos;
  for (size_t i = 0; i < stops_.size(); ++i) {
    const size_t pos = held_.find(stops_[i]);
    if (pos == std::string::npos) continue;
    const size_t end = pos + stops_[i].size();
    if (end < best_end || (end == best_end && pos < best_pos)) {
      best_pos = pos;
      best_end = end;
      result.stop = i;
    }
  }
  if (result.stop.has_value()) {
    matched_ = true;
    result.text = held_.substr(0, best_pos);
    held_.clear();
    return result;
  }

  // Hold back the longest suffix that is a proper prefix of some stop string. Since both are
  // valid UTF-8 and a stop string starts with a whole character, the cut is a character
  // boundary.
  size_t hold = 0;
  for (const std::string& stop : stops_) {
    const size_t longest = std::min(stop.size() - 1, held_.size());
    for (size_t k = longest; k > hold; --k) {
      if (std::string_view(held_).substr(held_.size() - k) == std::string_view(stop).substr(0, k)) {
        hold = k;
        break;
      }
    }
  }
  result.text = held_.substr(0, held_.size() - hold);
  held_.erase(0, held_.size() - hold);
  return result;
}

std::string StopStringMatcher::Flush() {
  std::string out;
  if (!matched_) out.swap(held_);
  return out;
}

}  // namespace inference
