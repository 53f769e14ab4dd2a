#include "tools/files/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace tools {

bool LooksBinary(std::string_view head) {
  return head.substr(0, 8192).find('\0') != std::string_view::npos;
}

base::StatusOr<std::string> ReadAll(int fd, std::string_view path, size_t max_bytes) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, "cannot stat", path);
  if (S_ISDIR(st.st_mode)) {
    return base::InvalidArgument("'" + std::string(path) + "' is a directory");
  }
  if (!S_ISREG(st.st_mode)) {
    return base::InvalidArgument("'" + std::string(path) + "' is not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return base::ResourceExhausted("'" + std::string(path) + "' has " + std::to_string(st.st_size) +
                                   " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  std::string data;
  data.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  // The file may grow or shrink while we read; read what is there up to the cap.
  while (true) {
    if (got == data.size()) {
      if (data.size() >= max_bytes) break;
      data.resize(std::min(max_bytes, data.size() + 65536));
    }
    ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "cannot read", path);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  data.resize(got);
  return data;
}

base::StatusOr<FileText> ReadTextFile(const Workspace& workspace, std::string_view path,
                                      const ReadOptions& options) {
  if (options.first_line < 1 ||
      (options.last_line != 0 && options.last_line < options.first_line)) {
    return base::InvalidArgument("bad line range " + std::to_string(options.first_line) + "-" +
                                 std::to_string(options.last_line));
  }
  FC_ASSIGN_OR_RETURN(UniqueFd fd, workspace.OpenBeneath(path, O_RDONLY | O_NOCTTY | O_NONBLOCK));
  FC_ASSIGN_OR_RETURN(std::string data, ReadAll(fd.get(), path, options.max_file_bytes));
  FileText out;
  out.size_bytes = data.size();
  if (LooksBinary(data)) {
    out.binary = true;
    return out;
  }
  int64_t line = 0;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    end = end == std::string::npos ? data.size() : end + 1;
    ++line;
    bool in_range =
        line >= options.first_line && (options.last_line == 0 || line <= options.last_line);
    if (in_range && !out.truncated) {
      if (out.text.size() + (end - pos) > options.max_bytes) {
        out.truncated = true;
        if (out.text.empty()) {  // one huge line: show its start rather than nothing
          out.text.append(data, pos, options.max_bytes);
          out.first_line = out.last_line = line;
        }
      } else {
        out.text.append(data, pos, end - pos);
        if (out.first_line == 0) out.first_line = line;
        out.last_line = line;
      }
    }
    pos = end;
  }
  out.total_lines = line;
  if (options.first_line > std::max<int64_t>(out.total_lines, 1)) {
    return base::OutOfRange("'" + std::string(path) + "' has " + std::to_string(out.total_lines) +
                            " lines; line " + std::to_string(options.first_line) +
                            " does not exist");
  }
  return out;
}

}  // namespace tools
