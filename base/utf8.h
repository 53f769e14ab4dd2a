// UTF-8 hygiene for text that crosses the wire: protobuf `string` fields must hold valid UTF-8
// (a client refuses the whole message otherwise), but command output and files are bytes.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace base {

// `text` with every invalid UTF-8 sequence replaced by U+FFFD (one per bad byte).
std::string ValidUtf8(std::string_view text);

// The length of `text` without a trailing multi-byte sequence that is still incomplete (which
// more input may complete).
size_t CompleteUtf8Prefix(std::string_view text);

}  // namespace base
