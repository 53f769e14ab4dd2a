#include "tools/git/git_diff.h"

#include <utility>

namespace tools {
namespace {

enum class Side { kTree = 0, kIndex = 1, kWorkdir = 2 };

Side SideOf(const std::string& name) {
  if (name == "workdir" || name == "worktree") return Side::kWorkdir;
  if (name == "index" || name == "staged") return Side::kIndex;
  return Side::kTree;
}

// The tree of `revision`; null (the empty tree) for an unborn HEAD.
base::StatusOr<GitPtr<git_tree>> TreeOf(const Repository& repo, const std::string& revision) {
  if (revision == "HEAD" && git_repository_head_unborn(repo.raw()) == 1) {
    return GitPtr<git_tree>();
  }
  FC_ASSIGN_OR_RETURN(GitPtr<git_commit> commit, repo.LookupCommit(revision));
  git_tree* tree = nullptr;
  FC_GIT_CALL(git_commit_tree(&tree, commit.get()), "tree of " + revision);
  return GitPtr<git_tree>(tree);
}

char StatusChar(git_delta_t status) {
  switch (status) {
    case GIT_DELTA_ADDED:
    case GIT_DELTA_UNTRACKED:
      return 'A';
    case GIT_DELTA_DELETED:
      return 'D';
    case GIT_DELTA_RENAMED:
      return 'R';
    case GIT_DELTA_COPIED:
      return 'C';
    case GIT_DELTA_TYPECHANGE:
      return 'T';
    default:
      return 'M';
  }
}

}  // namespace

base::StatusOr<DiffResult> SummarizeDiff(git_diff* diff, size_t max_patch_bytes) {
  git_diff_find_options find;
  git_diff_find_options_init(&find, GIT_DIFF_FIND_OPTIONS_VERSION);
  find.flags = GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_FOR_UNTRACKED;
  FC_GIT_CALL(git_diff_find_similar(diff, &find), "rename detection");
  DiffResult result;
  for (size_t i = 0, n = git_diff_num_deltas(diff); i < n; ++i) {
    git_patch* patch = nullptr;
    FC_GIT_CALL(git_patch_from_diff(&patch, diff, i), "diff patch");
    const git_diff_delta* delta = git_diff_get_delta(diff, i);
    DiffFile file;
    file.status = StatusChar(delta->status);
    file.old_path = delta->old_file.path ? delta->old_file.path : "";
    file.new_path = delta->new_file.path ? delta->new_file.path : "";
    file.binary = (delta->flags & GIT_DIFF_FLAG_BINARY) != 0;
    if (patch != nullptr) {
      size_t context = 0;
      git_patch_line_stats(&context, &file.additions, &file.deletions, patch);
      git_buf buf = GIT_BUF_INIT;
      if (git_patch_to_buf(&buf, patch) == 0 && !result.truncated) {
        if (result.patch.size() + buf.size > max_patch_bytes) {
          result.truncated = true;
        } else {
          result.patch.append(buf.ptr, buf.size);
        }
      }
      git_buf_dispose(&buf);
      git_patch_free(patch);
    }
    result.files.push_back(std::move(file));
  }
  return result;
}

base::StatusOr<GitPtr<git_diff>> MakeDiff(const Repository& repo, const DiffSpec& spec) {
  Side a = SideOf(spec.from), b = SideOf(spec.to);
  if (a == b && a != Side::kTree) {
    return base::InvalidArgument("cannot diff '" + spec.from + "' against '" + spec.to + "'");
  }
  git_diff_options opts;
  git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
  opts.context_lines = static_cast<uint32_t>(std::max(0, spec.context_lines));
  if (spec.max_file_bytes > 0) opts.max_size = spec.max_file_bytes;
  std::vector<char*> pathspec;
  for (const std::string& p : spec.paths) pathspec.push_back(const_cast<char*>(p.c_str()));
  opts.pathspec.strings = pathspec.data();
  opts.pathspec.count = pathspec.size();
  std::string from = spec.from, to = spec.to;
  // libgit2 diffs older-to-newer in the order tree < index < workdir; the other direction is
  // the same diff reversed.
  if (a > b) {
    std::swap(a, b);
    std::swap(from, to);
    opts.flags |= GIT_DIFF_REVERSE;
  }
  if (b == Side::kWorkdir && spec.include_untracked) {
    opts.flags |= GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
                  GIT_DIFF_SHOW_UNTRACKED_CONTENT;
  }
  git_diff* raw = nullptr;
  std::string what = "diff " + spec.from + ".." + spec.to;
  if (a == Side::kIndex) {
    FC_GIT_CALL(git_diff_index_to_workdir(&raw, repo.raw(), nullptr, &opts), what);
  } else {
    FC_ASSIGN_OR_RETURN(GitPtr<git_tree> old_tree, TreeOf(repo, from));
    if (b == Side::kTree) {
      FC_ASSIGN_OR_RETURN(GitPtr<git_tree> new_tree, TreeOf(repo, to));
      FC_GIT_CALL(git_diff_tree_to_tree(&raw, repo.raw(), old_tree.get(), new_tree.get(), &opts),
                  what);
    } else if (b == Side::kIndex) {
      FC_GIT_CALL(git_diff_tree_to_index(&raw, repo.raw(), old_tree.get(), nullptr, &opts), what);
    } else {
      FC_GIT_CALL(git_diff_tree_to_workdir_with_index(&raw, repo.raw(), old_tree.get(), &opts),
                  what);
    }
  }
  return GitPtr<git_diff>(raw);
}

base::StatusOr<DiffResult> Diff(const Repository& repo, const DiffSpec& spec) {
  FC_ASSIGN_OR_RETURN(GitPtr<git_diff> diff, MakeDiff(repo, spec));
  return SummarizeDiff(diff.get(), spec.max_patch_bytes);
}

}  // namespace tools
