// RAII owners for libgit2 objects (GitPtr<git_commit> frees with git_commit_free, ...), so
// every early return in the wrappers releases what it holds. Header-only; thread-compatible.
#pragma once

#include <git2.h>

#include <memory>

namespace tools {

template <typename T>
struct GitFree;
#define FC_GIT_FREE(type, fn)                 \
  template <>                                 \
  struct GitFree<type> {                      \
    void operator()(type* p) const { fn(p); } \
  }
FC_GIT_FREE(git_repository, git_repository_free);
FC_GIT_FREE(git_object, git_object_free);
FC_GIT_FREE(git_commit, git_commit_free);
FC_GIT_FREE(git_tree, git_tree_free);
FC_GIT_FREE(git_index, git_index_free);
FC_GIT_FREE(git_diff, git_diff_free);
FC_GIT_FREE(git_reference, git_reference_free);
FC_GIT_FREE(git_revwalk, git_revwalk_free);
FC_GIT_FREE(git_blame, git_blame_free);
FC_GIT_FREE(git_blob, git_blob_free);
FC_GIT_FREE(git_signature, git_signature_free);
FC_GIT_FREE(git_status_list, git_status_list_free);
FC_GIT_FREE(git_branch_iterator, git_branch_iterator_free);
FC_GIT_FREE(git_reference_iterator, git_reference_iterator_free);
FC_GIT_FREE(git_diff_stats, git_diff_stats_free);
FC_GIT_FREE(git_buf, git_buf_dispose);
#undef FC_GIT_FREE

template <typename T>
using GitPtr = std::unique_ptr<T, GitFree<T>>;

}  // namespace tools
