// ReadTextFile: reads a file beneath the workspace for the model: an optional 1-based line
// range, a cap on the bytes returned, and binary detection (a NUL byte in the first 8 KiB, as
// git and grep decide). Stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "tools/files/workspace.h"

namespace tools {

struct ReadOptions {
  int64_t first_line = 1;                    // 1-based, inclusive
  int64_t last_line = 0;                     // inclusive; 0 means to the end
  size_t max_bytes = 256 * 1024;             // cap on `text`; cut at a line boundary
  size_t max_file_bytes = 64 * 1024 * 1024;  // larger files are refused
};

struct FileText {
  std::string text;         // the selected lines, each with its '\n' (if the file had one)
  int64_t first_line = 0;   // line number of the first line in `text` (0 when empty)
  int64_t last_line = 0;    // line number of the last line in `text`
  int64_t total_lines = 0;  // lines in the whole file
  uint64_t size_bytes = 0;  // size of the whole file
  bool truncated = false;   // `text` stops before `last_line` because of max_bytes
  bool binary = false;      // the file looks binary; `text` is then empty

  bool operator==(const FileText&) const = default;
};

// True when `head` (the start of a file) holds a NUL byte within its first 8 KiB.
bool LooksBinary(std::string_view head);

// Reads the whole of an open regular file (refusing more than `max_bytes`).
base::StatusOr<std::string> ReadAll(int fd, std::string_view path, size_t max_bytes);

// Reads `path` (relative to the workspace or absolute inside it). NotFound, PermissionDenied
// (outside the workspace), InvalidArgument (a directory, a bad range), ResourceExhausted (the
// file exceeds max_file_bytes). A range past the end returns OutOfRange.
base::StatusOr<FileText> ReadTextFile(const Workspace& workspace, std::string_view path,
                                      const ReadOptions& options);

}  // namespace tools
