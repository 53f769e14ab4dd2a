#include "tools/git/diff_hunks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>

namespace tools {
namespace {

std::string LineContent(const git_diff_line* line) {
  std::string text(line->content, line->content_len);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Walks every delta of `diff` into FileHunks, after rename detection when `find_renames`.
// A diff parsed from text must not be given to rename detection: libgit2 keeps its patches in
// the text's delta order while find_similar merges deltas, so later files would get earlier
// files' hunks (the text states its renames itself).
// Files over `limits` are left out and their paths appended to `too_large` (when not null).
base::StatusOr<std::vector<FileHunks>> CollectHunks(git_diff* diff, bool find_renames,
                                                    const HunkLimits& limits,
                                                    std::vector<std::string>* too_large) {
  if (find_renames) {
    git_diff_find_options find;
    git_diff_find_options_init(&find, GIT_DIFF_FIND_OPTIONS_VERSION);
    find.flags = GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_FOR_UNTRACKED;
    FC_GIT_CALL(git_diff_find_similar(diff, &find), "rename detection");
  }
  std::vector<FileHunks> files;
  size_t total_bytes = 0;
  auto leave_out = [too_large](const git_diff_delta* delta) {
    if (too_large == nullptr) return;
    too_large->push_back(delta->new_file.path   ? delta->new_file.path
                         : delta->old_file.path ? delta->old_file.path
                                                : "");
  };
  // A file over max_file_bytes was marked binary by libgit2 (MakeDiff's max_size) before its
  // content was read; its sizes tell it apart from a real binary file.
  auto over_size = [&limits](const git_diff_delta* delta) {
    return static_cast<int64_t>(delta->old_file.size) > limits.max_file_bytes ||
           static_cast<int64_t>(delta->new_file.size) > limits.max_file_bytes;
  };
  for (size_t i = 0, n = git_diff_num_deltas(diff); i < n; ++i) {
    const git_diff_delta* delta = git_diff_get_delta(diff, i);
    if ((delta->flags & GIT_DIFF_FLAG_BINARY) != 0) {
      if (over_size(delta)) leave_out(delta);
      continue;
    }
    git_patch* raw_patch = nullptr;
    FC_GIT_CALL(git_patch_from_diff(&raw_patch, diff, i), "diff patch");
    if (raw_patch == nullptr) continue;  // unchanged or binary content
    std::unique_ptr<git_patch, decltype(&git_patch_free)> patch(raw_patch, git_patch_free);
    delta = git_patch_get_delta(patch.get());  // loading the content may have set BINARY
    if ((delta->flags & GIT_DIFF_FLAG_BINARY) != 0) {
      if (over_size(delta)) leave_out(delta);
      continue;
    }
    size_t patch_lines = 0;
    for (size_t h = 0, nh = git_patch_num_hunks(patch.get()); h < nh; ++h) {
      patch_lines += static_cast<size_t>(git_patch_num_lines_in_hunk(patch.get(), h));
    }
    const size_t patch_bytes = git_patch_size(patch.get(), 1, 1, 1);
    if (patch_lines > limits.max_file_lines || patch_bytes > limits.max_file_patch_bytes ||
        total_bytes + patch_bytes > limits.max_total_bytes) {
      leave_out(delta);
      continue;
    }
    total_bytes += patch_bytes;
    FileHunks file;
    switch (delta->status) {
      case GIT_DELTA_ADDED:
      case GIT_DELTA_UNTRACKED:
        file.status = 'A';
        break;
      case GIT_DELTA_DELETED:
        file.status = 'D';
        break;
      case GIT_DELTA_RENAMED:
        file.status = 'R';
        break;
      default:
        file.status = 'M';
    }
    file.old_path = delta->old_file.path ? delta->old_file.path : "";
    file.new_path = delta->new_file.path ? delta->new_file.path : "";
    for (size_t h = 0, nh = git_patch_num_hunks(patch.get()); h < nh; ++h) {
      const git_diff_hunk* gh = nullptr;
      size_t line_count = 0;
      FC_GIT_CALL(git_patch_get_hunk(&gh, &line_count, patch.get(), h), "diff hunk");
      Hunk hunk;
      hunk.header.assign(gh->header, gh->header_len);
      while (!hunk.header.empty() && hunk.header.back() == '\n') hunk.header.pop_back();
      hunk.old_start = gh->old_start;
      hunk.old_lines = gh->old_lines;
      hunk.new_start = gh->new_start;
      hunk.new_lines = gh->new_lines;
      for (size_t l = 0; l < line_count; ++l) {
        const git_diff_line* gl = nullptr;
        FC_GIT_CALL(git_patch_get_line_in_hunk(&gl, patch.get(), h, l), "diff line");
        HunkLine line;
        switch (gl->origin) {
          case GIT_DIFF_LINE_ADDITION:
            line.origin = '+';
            break;
          case GIT_DIFF_LINE_DELETION:
            line.origin = '-';
            break;
          case GIT_DIFF_LINE_CONTEXT:
            line.origin = ' ';
            break;
          default:  // "\ No newline at end of file" markers carry no line
            continue;
        }
        line.old_line = gl->old_lineno;
        line.new_line = gl->new_lineno;
        line.content = LineContent(gl);
        hunk.lines.push_back(std::move(line));
      }
      file.hunks.push_back(std::move(hunk));
    }
    if (!file.hunks.empty()) files.push_back(std::move(file));
  }
  return files;
}

// The file `path` (relative, no "..") under `workdir`, which the path is the diff's word for:
// a hostile diff text may name "../../etc/passwd", "/dev/zero", a FIFO or a symlink out of
// the tree. Only a regular file inside the work tree, at most kMaxReadBytes, is read.
base::StatusOr<std::string> ReadWorkTreeFile(const std::string& workdir, const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path rel(path);
  if (path.empty() || rel.is_absolute()) {
    return base::InvalidArgument("'" + path + "' is not a relative path");
  }
  for (const fs::path& part : rel) {
    if (part == "..") return base::InvalidArgument("'" + path + "' leaves the work tree");
  }
  std::error_code ec;
  const fs::path root = fs::canonical(workdir, ec);
  if (ec) return base::NotFound("work tree " + workdir + ": " + ec.message());
  // Symlinks in the directories must stay inside the tree; the last component is opened with
  // O_NOFOLLOW, so a symlink there is refused rather than followed.
  const fs::path parent = fs::canonical((root / rel).parent_path(), ec);
  if (ec) return base::NotFound("cannot read " + path + " in the work tree");
  auto [end, _] = std::mismatch(root.begin(), root.end(), parent.begin(), parent.end());
  if (end != root.end()) return base::InvalidArgument("'" + path + "' leaves the work tree");
  const fs::path full = parent / rel.filename();
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
  const int fd = ::open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return base::NotFound("cannot read " + path + " in the work tree");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return base::InvalidArgument(path + " is not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxReadBytes) {
    return base::ResourceExhausted(path + " is larger than the read limit");
  }
  std::string text;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::NotFound("cannot read " + path + " in the work tree");
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > kMaxReadBytes) {  // grew since the fstat
      return base::ResourceExhausted(path + " is larger than the read limit");
    }
  }
  return text;
}

}  // namespace

base::StatusOr<std::vector<FileHunks>> DiffHunks(const Repository& repo, const DiffSpec& spec,
                                                 const HunkLimits& limits,
                                                 std::vector<std::string>* too_large) {
  DiffSpec bounded = spec;
  bounded.max_file_bytes = limits.max_file_bytes;
  FC_ASSIGN_OR_RETURN(GitPtr<git_diff> diff, MakeDiff(repo, bounded));
  return CollectHunks(diff.get(), /*find_renames=*/true, limits, too_large);
}

base::StatusOr<std::vector<FileHunks>> HunksOfDiffText(std::string_view diff_text) {
  // No Repository may have been opened (and so libgit2 initialized) yet; init is refcounted.
  git_libgit2_init();
  struct Shutdown {
    ~Shutdown() { git_libgit2_shutdown(); }
  } shutdown;
  git_diff* raw = nullptr;
  int rc = git_diff_from_buffer(&raw, diff_text.data(), diff_text.size());
  if (rc < 0) {
    const git_error* e = git_error_last();
    return base::InvalidArgument(std::string("unparsable diff: ") +
                                 (e != nullptr && e->message != nullptr ? e->message : "?"));
  }
  GitPtr<git_diff> diff(raw);
  // The text itself is bounded by the caller (the Review RPC takes at most 8 MiB).
  HunkLimits unbounded{.max_file_bytes = INT64_MAX,
                       .max_file_patch_bytes = SIZE_MAX,
                       .max_file_lines = SIZE_MAX,
                       .max_total_bytes = SIZE_MAX};
  return CollectHunks(diff.get(), /*find_renames=*/false, unbounded, nullptr);
}

base::StatusOr<std::string> ReadFileAt(const Repository& repo, const std::string& side,
                                       const std::string& path) {
  if (side == "workdir" || side == "worktree") return ReadWorkTreeFile(repo.workdir(), path);
  git_oid id;
  if (side == "index" || side == "staged") {
    git_index* raw_index = nullptr;
    FC_GIT_CALL(git_repository_index(&raw_index, repo.raw()), "open index");
    GitPtr<git_index> index(raw_index);
    const git_index_entry* entry = git_index_get_bypath(index.get(), path.c_str(), 0);
    if (entry == nullptr) return base::NotFound(path + " is not in the index");
    id = entry->id;
  } else {
    FC_ASSIGN_OR_RETURN(GitPtr<git_commit> commit, repo.LookupCommit(side));
    git_tree* raw_tree = nullptr;
    FC_GIT_CALL(git_commit_tree(&raw_tree, commit.get()), "tree of " + side);
    GitPtr<git_tree> tree(raw_tree);
    git_tree_entry* raw_entry = nullptr;
    FC_GIT_CALL(git_tree_entry_bypath(&raw_entry, tree.get(), path.c_str()), path + " in " + side);
    id = *git_tree_entry_id(raw_entry);
    git_tree_entry_free(raw_entry);
  }
  git_blob* raw_blob = nullptr;
  FC_GIT_CALL(git_blob_lookup(&raw_blob, repo.raw(), &id), "blob of " + path);
  GitPtr<git_blob> blob(raw_blob);
  if (static_cast<uint64_t>(git_blob_rawsize(blob.get())) > kMaxReadBytes) {
    return base::ResourceExhausted(path + " in " + side + " is larger than the read limit");
  }
  return std::string(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                     static_cast<size_t>(git_blob_rawsize(blob.get())));
}

}  // namespace tools
