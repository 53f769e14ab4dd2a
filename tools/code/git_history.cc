#include "tools/code/git_history.h"

#include <git2.h>

#include <memory>

namespace tools {
namespace {

// libgit2 handles freed on scope exit.
template <typename T, void (*Free)(T*)>
struct Git {
  T* p = nullptr;
  ~Git() {
    if (p != nullptr) Free(p);
  }
  T** out() { return &p; }
};

// Keeps libgit2's global state alive for the duration of a call (it is refcounted).
struct LibGit2 {
  LibGit2() { git_libgit2_init(); }
  ~LibGit2() { git_libgit2_shutdown(); }
};

std::string LastError(std::string_view what) {
  const git_error* e = git_error_last();
  return std::string(what) + ": " + (e != nullptr ? e->message : "unknown libgit2 error");
}

std::string Hex(const git_oid* id) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, id);
  return buf;
}

constexpr int64_t kNotSeen = INT64_MIN;

int CollectBlob(const char* root, const git_tree_entry* entry, void* payload) {
  if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) return 0;
  auto* files = static_cast<std::unordered_map<std::string, FileHistory>*>(payload);
  (*files)[std::string(root) + git_tree_entry_name(entry)] =
      FileHistory{kNotSeen, Hex(git_tree_entry_id(entry))};
  return 0;
}

}  // namespace

std::string GitBlobId(std::string_view content) {
  LibGit2 lib;
  git_oid id;
  if (git_odb_hash(&id, content.data(), content.size(), GIT_OBJECT_BLOB) != 0) return "";
  return Hex(&id);
}

base::StatusOr<std::unordered_map<std::string, FileHistory>> LastCommitTimes(
    const std::filesystem::path& work_tree, GitHistoryOptions options) {
  LibGit2 lib;
  Git<git_repository, git_repository_free> repo;
  if (git_repository_open(repo.out(), work_tree.c_str()) != 0) {
    return base::NotFound(LastError("not a git repository: " + work_tree.string()));
  }
  Git<git_reference, git_reference_free> head_ref;
  Git<git_commit, git_commit_free> head;
  Git<git_tree, git_tree_free> head_tree;
  if (git_repository_head(head_ref.out(), repo.p) != 0 ||
      git_commit_lookup(head.out(), repo.p, git_reference_target(head_ref.p)) != 0 ||
      git_commit_tree(head_tree.out(), head.p) != 0) {
    return base::NotFound(LastError("no HEAD commit"));
  }
  std::unordered_map<std::string, FileHistory> files;
  if (git_tree_walk(head_tree.p, GIT_TREEWALK_PRE, CollectBlob, &files) != 0) {
    return base::Internal(LastError("walking HEAD"));
  }

  Git<git_revwalk, git_revwalk_free> walk;
  if (git_revwalk_new(walk.out(), repo.p) != 0 || git_revwalk_push_head(walk.p) != 0) {
    return base::Internal(LastError("revwalk"));
  }
  git_revwalk_sorting(walk.p, GIT_SORT_TIME);
  size_t remaining = files.size(), examined = 0;
  int64_t oldest = 0;
  git_oid id;
  while (remaining > 0 && examined < options.max_commits && git_revwalk_next(&id, walk.p) == 0) {
    ++examined;
    Git<git_commit, git_commit_free> commit;
    Git<git_tree, git_tree_free> tree, parent_tree;
    if (git_commit_lookup(commit.out(), repo.p, &id) != 0 ||
        git_commit_tree(tree.out(), commit.p) != 0) {
      return base::Internal(LastError("reading commit"));
    }
    oldest = git_commit_time(commit.p);
    if (git_commit_parentcount(commit.p) > 0) {
      Git<git_commit, git_commit_free> parent;
      if (git_commit_parent(parent.out(), commit.p, 0) != 0 ||
          git_commit_tree(parent_tree.out(), parent.p) != 0) {
        return base::Internal(LastError("reading parent commit"));
      }
    }
    git_diff_options diff_options = GIT_DIFF_OPTIONS_INIT;
    diff_options.flags = GIT_DIFF_SKIP_BINARY_CHECK;
    Git<git_diff, git_diff_free> diff;
    if (git_diff_tree_to_tree(diff.out(), repo.p, parent_tree.p, tree.p, &diff_options) != 0) {
      return base::Internal(LastError("diffing commit"));
    }
    for (size_t i = 0; i < git_diff_num_deltas(diff.p); ++i) {
      const git_diff_delta* delta = git_diff_get_delta(diff.p, i);
      auto it = files.find(delta->new_file.path);
      if (it != files.end() && it->second.last_commit_unix_seconds == kNotSeen) {
        it->second.last_commit_unix_seconds = git_commit_time(commit.p);
        --remaining;
      }
    }
  }
  for (auto& [path, history] : files) {
    if (history.last_commit_unix_seconds == kNotSeen) history.last_commit_unix_seconds = oldest;
  }
  return files;
}

}  // namespace tools
