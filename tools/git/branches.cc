#include "tools/git/branches.h"

#include <algorithm>

namespace tools {

base::StatusOr<std::vector<BranchInfo>> ListBranches(const Repository& repo) {
  git_branch_iterator* raw = nullptr;
  FC_GIT_CALL(git_branch_iterator_new(&raw, repo.raw(), GIT_BRANCH_LOCAL), "list branches");
  GitPtr<git_branch_iterator> it(raw);
  std::vector<BranchInfo> out;
  git_reference* ref = nullptr;
  git_branch_t type;
  while (git_branch_next(&ref, &type, raw) == 0) {
    GitPtr<git_reference> owned(ref);
    BranchInfo info;
    const char* name = nullptr;
    if (git_branch_name(&name, ref) == 0 && name) info.name = name;
    if (const git_oid* target = git_reference_target(ref)) info.target_id = OidHex(*target);
    info.is_head = git_branch_is_head(ref) == 1;
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(),
            [](const BranchInfo& a, const BranchInfo& b) { return a.name < b.name; });
  return out;
}

base::Status CreateBranch(const Repository& repo, const std::string& name, const std::string& start,
                          bool force) {
  int valid = 0;
  if (git_branch_name_is_valid(&valid, name.c_str()) < 0 || !valid) {
    return base::InvalidArgument("'" + name + "' is not a valid branch name");
  }
  FC_ASSIGN_OR_RETURN(GitPtr<git_commit> commit, repo.LookupCommit(start));
  git_reference* ref = nullptr;
  FC_GIT_CALL(git_branch_create(&ref, repo.raw(), name.c_str(), commit.get(), force ? 1 : 0),
              "create branch " + name);
  git_reference_free(ref);
  return base::Status::Ok();
}

base::Status SwitchBranch(const Repository& repo, const std::string& name) {
  git_reference* raw = nullptr;
  FC_GIT_CALL(git_branch_lookup(&raw, repo.raw(), name.c_str(), GIT_BRANCH_LOCAL),
              "branch " + name);
  GitPtr<git_reference> ref(raw);
  git_object* target = nullptr;
  FC_GIT_CALL(git_reference_peel(&target, ref.get(), GIT_OBJECT_COMMIT), "branch " + name);
  GitPtr<git_object> commit(target);
  git_checkout_options opts;
  git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
  opts.checkout_strategy = GIT_CHECKOUT_SAFE;
  FC_GIT_CALL(git_checkout_tree(repo.raw(), commit.get(), &opts),
              "switch to " + name + " (commit or stash local changes first)");
  FC_GIT_CALL(git_repository_set_head(repo.raw(), git_reference_name(ref.get())),
              "switch to " + name);
  return base::Status::Ok();
}

base::StatusOr<std::string> CurrentBranch(const Repository& repo) {
  if (git_repository_head_detached(repo.raw()) == 1) return std::string();
  git_reference* head = nullptr;
  FC_GIT_CALL(git_reference_lookup(&head, repo.raw(), "HEAD"), "HEAD");
  GitPtr<git_reference> owned(head);
  const char* target = git_reference_symbolic_target(head);
  std::string name = target ? target : "";
  const std::string prefix = "refs/heads/";
  if (name.compare(0, prefix.size(), prefix) == 0) name = name.substr(prefix.size());
  return name;
}

base::StatusOr<std::string> Commit(const Repository& repo, const CommitRequest& request) {
  if (request.message.empty()) return base::InvalidArgument("empty commit message");
  git_index* raw_index = nullptr;
  FC_GIT_CALL(git_repository_index(&raw_index, repo.raw()), "open index");
  GitPtr<git_index> index(raw_index);
  if (request.all_tracked) {
    FC_GIT_CALL(git_index_update_all(raw_index, nullptr, nullptr, nullptr), "stage tracked files");
  }
  for (const std::string& path : request.paths) {
    int rc = git_index_add_bypath(raw_index, path.c_str());
    if (rc == GIT_ENOTFOUND) rc = git_index_remove_bypath(raw_index, path.c_str());
    FC_GIT_CALL(rc, "stage " + path);
  }
  FC_GIT_CALL(git_index_write(raw_index), "write index");
  git_oid tree_id;
  FC_GIT_CALL(git_index_write_tree(&tree_id, raw_index), "write tree");
  git_tree* raw_tree = nullptr;
  FC_GIT_CALL(git_tree_lookup(&raw_tree, repo.raw(), &tree_id), "tree");
  GitPtr<git_tree> tree(raw_tree);
  GitPtr<git_commit> parent;
  if (git_repository_head_unborn(repo.raw()) != 1) {
    FC_ASSIGN_OR_RETURN(parent, repo.LookupCommit("HEAD"));
    if (git_oid_equal(git_tree_id(tree.get()), git_commit_tree_id(parent.get()))) {
      return base::FailedPrecondition("nothing to commit: the index matches HEAD");
    }
  } else if (git_index_entrycount(raw_index) == 0) {
    return base::FailedPrecondition("nothing to commit: the index is empty");
  }
  FC_ASSIGN_OR_RETURN(GitPtr<git_signature> sig, repo.Signature());
  const git_commit* parents[1] = {parent.get()};
  git_oid id;
  FC_GIT_CALL(git_commit_create(&id, repo.raw(), "HEAD", sig.get(), sig.get(), nullptr,
                                request.message.c_str(), tree.get(), parent ? 1 : 0, parents),
              "commit");
  return OidHex(id);
}

}  // namespace tools
