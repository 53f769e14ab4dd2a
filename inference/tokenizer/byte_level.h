// GPT-2 "byte-level" alphabet: the reversible map between raw bytes and the printable characters
// that byte-level BPE vocabularies (tokenizer.json of DeepSeek-V3/V4) are written in.
//
// Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the other 68 bytes
// are given the code points U+0100.. in byte order. We store tokens as raw bytes, so this is used
// only when reading or writing tokenizer.json. Stateless; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace inference {

// Raw bytes of a vocabulary entry written in the byte-level alphabet; nullopt when the text
// contains a character outside that alphabet or is not valid UTF-8.
std::optional<std::string> ByteLevelToBytes(std::string_view token);

// The byte-level spelling (UTF-8) of raw bytes.
std::string BytesToByteLevel(std::string_view bytes);

}  // namespace inference
