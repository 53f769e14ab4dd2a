// TempDir: a fresh directory under $TMPDIR (or /tmp) that is removed with everything in it when
// the object dies. For tests of the tools/ libraries only. Thread-compatible.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace tools {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/fc-tools-XXXXXX";
    char* made = ::mkdtemp(pattern.data());
    path_ = made ? std::filesystem::canonical(made).string() : std::string();
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

  // Writes `content` to `rel` (creating parent directories); returns the absolute path.
  std::string Write(const std::string& rel, const std::string& content) const {
    std::string full = path_ + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path(full).parent_path());
    std::ofstream(full, std::ios::binary) << content;
    return full;
  }

  std::string Read(const std::string& rel) const {
    std::ifstream in(path_ + "/" + rel, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  bool Exists(const std::string& rel) const {
    struct stat st;
    return ::lstat((path_ + "/" + rel).c_str(), &st) == 0;
  }

 private:
  std::string path_;
};

}  // namespace tools
