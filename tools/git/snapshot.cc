#include "tools/git/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <git2/sys/repository.h>
#include <unistd.h>

#include <algorithm>

#include "tools/files/file_writer.h"
#include "tools/files/workspace.h"

namespace tools {
namespace {

// A private view of the repository whose index is an in-memory copy of the user's, so
// staging everything for the snapshot never writes .git/index.
base::StatusOr<GitPtr<git_index>> WorkTreeIndex(const Repository& repo, git_repository* view) {
  git_index* user = nullptr;
  FC_GIT_CALL(git_repository_index(&user, repo.raw()), "open index");
  GitPtr<git_index> user_index(user);
  FC_GIT_CALL(git_index_read(user, 0), "read index");
  git_index* mem = nullptr;
  FC_GIT_CALL(git_index_new(&mem), "new index");
  GitPtr<git_index> index(mem);
  for (size_t i = 0, n = git_index_entrycount(user); i < n; ++i) {
    const git_index_entry* entry = git_index_get_byindex(user, i);
    if (git_index_entry_stage(entry) != 0) continue;  // conflicts: the work tree file decides
    FC_GIT_CALL(git_index_add(mem, entry), "copy index");
  }
  FC_GIT_CALL(git_repository_set_index(view, mem), "private index");
  // Adds modified and untracked-not-ignored files, then drops entries whose files are gone.
  FC_GIT_CALL(git_index_add_all(mem, nullptr, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr),
              "stage work tree");
  FC_GIT_CALL(git_index_update_all(mem, nullptr, nullptr, nullptr), "stage deletions");
  return index;
}

base::StatusOr<GitPtr<git_commit>> LookupSnapshot(const Repository& repo,
                                                  const std::string& snapshot) {
  std::string ref =
      snapshot.rfind(kSnapshotRefPrefix, 0) == 0 ? snapshot : kSnapshotRefPrefix + snapshot;
  git_reference* found = nullptr;
  if (git_reference_lookup(&found, repo.raw(), ref.c_str()) != 0) {
    // Allow an id prefix: scan the snapshot refs.
    git_reference_iterator* raw_it = nullptr;
    FC_GIT_CALL(git_reference_iterator_glob_new(&raw_it, repo.raw(),
                                                (std::string(kSnapshotRefPrefix) + "*").c_str()),
                "list snapshots");
    GitPtr<git_reference_iterator> it(raw_it);
    git_reference* r = nullptr;
    while (git_reference_next(&r, raw_it) == 0) {
      std::string name = git_reference_name(r);
      if (!snapshot.empty() && name.rfind(ref, 0) == 0) {
        if (found != nullptr) {
          git_reference_free(found);
          git_reference_free(r);
          return base::InvalidArgument("snapshot id '" + snapshot + "' is ambiguous");
        }
        found = r;
      } else {
        git_reference_free(r);
      }
    }
    if (found == nullptr) return base::NotFound("no snapshot '" + snapshot + "'");
  }
  GitPtr<git_reference> owned(found);
  git_object* obj = nullptr;
  FC_GIT_CALL(git_reference_peel(&obj, found, GIT_OBJECT_COMMIT), "snapshot " + snapshot);
  return GitPtr<git_commit>(reinterpret_cast<git_commit*>(obj));
}

// Removes now-empty directories above `path`, stopping at the root or the first non-empty one.
void PruneEmptyParents(const std::string& root, std::string path) {
  for (size_t slash = path.rfind('/'); slash != std::string::npos; slash = path.rfind('/')) {
    path.resize(slash);
    if (::rmdir((root + "/" + path).c_str()) != 0) break;
  }
}

}  // namespace

base::StatusOr<SnapshotInfo> SaveSnapshot(const Repository& repo, const std::string& label) {
  git_repository* raw_view = nullptr;
  FC_GIT_CALL(git_repository_open(&raw_view, git_repository_path(repo.raw())), "open repository");
  GitPtr<git_repository> view(raw_view);
  FC_ASSIGN_OR_RETURN(GitPtr<git_index> index, WorkTreeIndex(repo, raw_view));
  git_oid tree_id;
  FC_GIT_CALL(git_index_write_tree_to(&tree_id, index.get(), raw_view), "write snapshot tree");
  git_tree* raw_tree = nullptr;
  FC_GIT_CALL(git_tree_lookup(&raw_tree, raw_view, &tree_id), "snapshot tree");
  GitPtr<git_tree> tree(raw_tree);
  // The parent must be looked up in `view`: libgit2 silently drops parents that belong to
  // another repository object.
  GitPtr<git_commit> head;
  if (git_repository_head_unborn(repo.raw()) != 1) {
    FC_ASSIGN_OR_RETURN(GitPtr<git_commit> user_head, repo.LookupCommit("HEAD"));
    git_commit* raw_head = nullptr;
    FC_GIT_CALL(git_commit_lookup(&raw_head, raw_view, git_commit_id(user_head.get())), "HEAD");
    head.reset(raw_head);
  }
  FC_ASSIGN_OR_RETURN(GitPtr<git_signature> sig, repo.Signature());
  const git_commit* parents[1] = {head.get()};
  std::string message = label.empty() ? "flashcode snapshot" : label;
  git_oid id;
  FC_GIT_CALL(git_commit_create(&id, raw_view, nullptr, sig.get(), sig.get(), nullptr,
                                message.c_str(), tree.get(), head ? 1 : 0, parents),
              "snapshot commit");
  SnapshotInfo info{OidHex(id), kSnapshotRefPrefix + OidHex(id), message, sig->when.time};
  git_reference* ref = nullptr;
  FC_GIT_CALL(
      git_reference_create(&ref, repo.raw(), info.ref.c_str(), &id, 1, "flashcode snapshot"),
      "snapshot ref");
  git_reference_free(ref);
  return info;
}

base::StatusOr<std::vector<SnapshotInfo>> ListSnapshots(const Repository& repo) {
  git_reference_iterator* raw_it = nullptr;
  FC_GIT_CALL(git_reference_iterator_glob_new(&raw_it, repo.raw(),
                                              (std::string(kSnapshotRefPrefix) + "*").c_str()),
              "list snapshots");
  GitPtr<git_reference_iterator> it(raw_it);
  std::vector<SnapshotInfo> out;
  git_reference* r = nullptr;
  while (git_reference_next(&r, raw_it) == 0) {
    GitPtr<git_reference> ref(r);
    git_object* obj = nullptr;
    if (git_reference_peel(&obj, r, GIT_OBJECT_COMMIT) != 0) continue;
    GitPtr<git_commit> commit(reinterpret_cast<git_commit*>(obj));
    SnapshotInfo info;
    info.id = OidHex(*git_commit_id(commit.get()));
    info.ref = git_reference_name(r);
    info.label = git_commit_message(commit.get());
    info.time = git_commit_time(commit.get());
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const SnapshotInfo& a, const SnapshotInfo& b) {
    return a.time != b.time ? a.time > b.time : a.id < b.id;
  });
  return out;
}

base::StatusOr<RestoreReport> RestoreSnapshot(const Repository& repo, const std::string& snapshot) {
  FC_ASSIGN_OR_RETURN(GitPtr<git_commit> commit, LookupSnapshot(repo, snapshot));
  git_tree* raw_tree = nullptr;
  FC_GIT_CALL(git_commit_tree(&raw_tree, commit.get()), "snapshot tree");
  GitPtr<git_tree> tree(raw_tree);
  git_diff_options opts;
  git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
  opts.flags =
      GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS | GIT_DIFF_INCLUDE_TYPECHANGE;
  git_diff* raw_diff = nullptr;
  FC_GIT_CALL(git_diff_tree_to_workdir(&raw_diff, repo.raw(), tree.get(), &opts),
              "compare snapshot with work tree");
  GitPtr<git_diff> diff(raw_diff);
  std::string root = repo.workdir();
  FC_ASSIGN_OR_RETURN(std::unique_ptr<Workspace> workspace, Workspace::Open(root));
  RestoreReport report;
  std::vector<const git_diff_delta*> writes;
  // Removals first, so a file can come back where a directory of new files was.
  for (size_t i = 0, n = git_diff_num_deltas(raw_diff); i < n; ++i) {
    const git_diff_delta* d = git_diff_get_delta(raw_diff, i);
    if (d->status == GIT_DELTA_UNTRACKED || d->status == GIT_DELTA_ADDED) {
      FC_RETURN_IF_ERROR(RemoveFile(*workspace, d->new_file.path));
      PruneEmptyParents(root, d->new_file.path);
      report.removed.push_back(d->new_file.path);
    } else if (d->status == GIT_DELTA_MODIFIED || d->status == GIT_DELTA_DELETED ||
               d->status == GIT_DELTA_TYPECHANGE) {
      writes.push_back(d);
    }
  }
  for (const git_diff_delta* d : writes) {
    const char* path = d->old_file.path;
    git_blob* raw_blob = nullptr;
    FC_GIT_CALL(git_blob_lookup(&raw_blob, repo.raw(), &d->old_file.id),
                std::string("blob of ") + path);
    GitPtr<git_blob> blob(raw_blob);
    std::string content(static_cast<const char*>(git_blob_rawcontent(raw_blob)),
                        static_cast<size_t>(git_blob_rawsize(raw_blob)));
    if (d->old_file.mode == GIT_FILEMODE_LINK) {
      FC_ASSIGN_OR_RETURN(Workspace::ParentDir parent, workspace->OpenParent(path, true));
      ::unlinkat(parent.dir.get(), parent.name.c_str(), 0);
      if (::symlinkat(content.c_str(), parent.dir.get(), parent.name.c_str()) != 0) {
        return ErrnoStatus(errno, "cannot restore symlink", path);
      }
    } else {
      if (d->status == GIT_DELTA_TYPECHANGE) (void)RemoveFile(*workspace, path);
      WriteOptions options;
      options.mode = d->old_file.mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644;
      FC_RETURN_IF_ERROR(WriteFileAtomic(*workspace, path, content, options));
    }
    report.written.push_back(path);
  }
  return report;
}

base::Status DropSnapshot(const Repository& repo, const std::string& snapshot) {
  FC_ASSIGN_OR_RETURN(GitPtr<git_commit> commit, LookupSnapshot(repo, snapshot));
  std::string ref = kSnapshotRefPrefix + OidHex(*git_commit_id(commit.get()));
  FC_GIT_CALL(git_reference_remove(repo.raw(), ref.c_str()), "drop snapshot");
  return base::Status::Ok();
}

}  // namespace tools
