// Language: the programming languages tools/code understands, and how a file's language is
// detected (by file name, extension, shebang line or Emacs mode line, and for `.h` a look at
// the content).
//
// Each language carries its tree-sitter grammar (compiled from the pinned npm packages) and
// the name of its tag query (queries/<name>.scm). The table is immutable, so everything here
// is thread-safe. Owned by tools/code.
#pragma once

#include <span>
#include <string_view>

struct TSLanguage;

namespace tools {

struct LanguageInfo {
  std::string_view name;  // stable id: "python", "cpp", "tsx", "c_sharp", ...
  const TSLanguage* (*grammar)();
  std::string_view query;  // base name of its tag query (tsx shares "typescript")
  std::span<const std::string_view> extensions;    // lower-case, without the dot
  std::span<const std::string_view> file_names;    // exact base names ("Rakefile")
  std::span<const std::string_view> interpreters;  // shebang program names ("python")
};

// Every supported language, in a fixed order.
std::span<const LanguageInfo> AllLanguages();

// The language named `name` ("python"), or nullptr.
const LanguageInfo* LanguageByName(std::string_view name);

// Detects the language of `path` (only its base name and extension are used). `head` is the
// start of the file's content (the index passes 2 KiB; may be empty): it decides for
// files without a known extension (shebang, then an Emacs "-*- mode -*-" line) and between C
// and C++ for `.h`.
// Returns nullptr for files no grammar covers.
const LanguageInfo* DetectLanguage(std::string_view path, std::string_view head);

}  // namespace tools
