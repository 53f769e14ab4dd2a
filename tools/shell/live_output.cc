#include "tools/shell/live_output.h"

#include <algorithm>

namespace tools {
namespace {

// The length of the valid UTF-8 sequence at the start of `s` (1..4), or 0 when it is invalid
// or incomplete. Follows the well-formed byte table of Unicode §3.9 (no overlongs, no
// surrogates, nothing above U+10FFFF).
size_t SequenceLength(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    size_t n = SequenceLength(text);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      n = 1;
    } else {
      out.append(text.substr(0, n));
    }
    text.remove_prefix(n);
  }
  return out;
}

size_t CompleteUtf8Prefix(std::string_view text) {
  // Find the last lead byte among the final four; if its sequence needs more bytes than are
  // there, cut before it.
  for (size_t back = 1; back <= std::min<size_t>(4, text.size()); ++back) {
    const size_t i = text.size() - back;
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte
    const size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return need > back ? i : text.size();
  }
  return text.size();
}

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
  if (CompleteUtf8Prefix(held_) == 0) return Clock::time_point::max();
  return std::max(due, held_since_ + 4 * options_.interval);
}

void LiveOutput::Flush(Clock::time_point now) {
  if (held_.empty() || capped_ || now < last_delivery_ + options_.interval) return;
  const size_t newline = held_.rfind('\n');
  size_t cut = newline == std::string::npos ? 0 : newline + 1;
  if (cut == 0 &&
      (held_.size() >= options_.max_held_bytes || now - held_since_ >= 4 * options_.interval)) {
    cut = CompleteUtf8Prefix(held_);
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
    deliver_(ValidUtf8(text));
    return;
  }
  std::string_view head = text.substr(0, CompleteUtf8Prefix(text.substr(0, room)));
  delivered_ += head.size();
  capped_ = true;  // the caller drops what it still holds
  std::string last = ValidUtf8(head);
  if (!last.empty() && last.back() != '\n') last += '\n';
  deliver_(last + "[live output stops here after " + std::to_string(delivered_) +
           " bytes; the command still runs and its result keeps the head and tail]\n");
}

}  // namespace tools
