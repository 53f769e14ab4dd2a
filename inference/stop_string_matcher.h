// StopStringMatcher: finds stop strings in streamed text and decides what may be emitted yet.
//
// A stop string may span tokens ("\n\n" from "\n" + "\n", "</code>" from three tokens), so the
// matcher holds back the longest tail of the text that could still become a stop string and
// releases it once it cannot. On a match, the text before the stop string is released and the
// rest (the stop string and whatever followed it) is dropped. The stop string that completes
// first wins (on a tie, the one that starts first), whatever the split of the text. Works on whole
// UTF-8 characters (the Utf8Assembler's output). One per request, owned by the engine thread;
// thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inference {

class StopStringMatcher {
 public:
  // Empty strings in `stops` are ignored.
  explicit StopStringMatcher(std::vector<std::string> stops);

  struct Result {
    std::string text;            // safe to emit now
    std::optional<size_t> stop;  // index into `stops` of the string that matched, if any
  };
  // Appends `text`. After a match, further calls return nothing.
  Result Push(std::string_view text);
  // Ends the stream: returns the held-back text (which did not turn into a stop string).
  std::string Flush();

 private:
  std::vector<std::string> stops_;
  std::string held_;
  bool matched_ = false;
};

}  // namespace inference
