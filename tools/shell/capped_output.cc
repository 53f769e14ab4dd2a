#include "tools/shell/capped_output.h"

namespace tools {

void CappedOutput::Append(std::string_view data) {
  total_ += data.size();
  size_t head_cap = cap_ - cap_ / 2;
  if (head_.size() < head_cap) {
    size_t take = std::min(head_cap - head_.size(), data.size());
    head_.append(data.substr(0, take));
    data.remove_prefix(take);
  }
  size_t tail_cap = cap_ / 2;
  if (tail_cap == 0 || data.empty()) return;
  if (data.size() >= tail_cap) {
    tail_.assign(data.substr(data.size() - tail_cap));
    tail_start_ = 0;
    return;
  }
  for (char c : data) {
    if (tail_.size() < tail_cap) {
      tail_.push_back(c);
    } else {
      tail_[tail_start_] = c;
      tail_start_ = (tail_start_ + 1) % tail_cap;
    }
  }
}

std::string CappedOutput::Text() const {
  std::string tail = tail_.substr(tail_start_) + tail_.substr(0, tail_start_);
  if (!truncated()) return head_ + tail;
  uint64_t dropped = total_ - head_.size() - tail.size();
  return head_ + "\n[... " + std::to_string(dropped) + " bytes of output omitted (" +
         std::to_string(total_) + " in total) ...]\n" + tail;
}

}  // namespace tools
