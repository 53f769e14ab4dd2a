#include "tools/git/history.h"

#include <ctime>

namespace tools {
namespace {

CommitInfo Describe(const git_commit* commit) {
  CommitInfo info;
  info.id = OidHex(*git_commit_id(commit));
  for (unsigned i = 0; i < git_commit_parentcount(commit); ++i) {
    info.parents.push_back(OidHex(*git_commit_parent_id(commit, i)));
  }
  const git_signature* author = git_commit_author(commit);
  info.author_name = author->name ? author->name : "";
  info.author_email = author->email ? author->email : "";
  info.time = author->when.time;
  const char* summary = git_commit_summary(const_cast<git_commit*>(commit));
  info.summary = summary ? summary : "";
  const char* message = git_commit_message(commit);
  info.message = message ? message : "";
  return info;
}

// The diff from `commit`'s first parent (or the empty tree) to `commit`.
base::StatusOr<GitPtr<git_diff>> DiffToParent(const Repository& repo, git_commit* commit,
                                              const git_diff_options* opts) {
  git_tree* tree = nullptr;
  FC_GIT_CALL(git_commit_tree(&tree, commit), "commit tree");
  GitPtr<git_tree> new_tree(tree);
  GitPtr<git_tree> old_tree;
  if (git_commit_parentcount(commit) > 0) {
    git_commit* parent = nullptr;
    FC_GIT_CALL(git_commit_parent(&parent, commit, 0), "commit parent");
    GitPtr<git_commit> owned(parent);
    FC_GIT_CALL(git_commit_tree(&tree, parent), "parent tree");
    old_tree.reset(tree);
  }
  git_diff* diff = nullptr;
  FC_GIT_CALL(git_diff_tree_to_tree(&diff, repo.raw(), old_tree.get(), new_tree.get(), opts),
              "diff to parent");
  return GitPtr<git_diff>(diff);
}

}  // namespace

base::StatusOr<std::vector<CommitInfo>> Log(const Repository& repo, const LogOptions& options) {
  std::vector<CommitInfo> out;
  if (options.revision == "HEAD" && git_repository_head_unborn(repo.raw()) == 1) return out;
  FC_ASSIGN_OR_RETURN(GitPtr<git_commit> start, repo.LookupCommit(options.revision));
  git_revwalk* raw = nullptr;
  FC_GIT_CALL(git_revwalk_new(&raw, repo.raw()), "revwalk");
  GitPtr<git_revwalk> walk(raw);
  git_revwalk_sorting(raw, GIT_SORT_TIME | GIT_SORT_TOPOLOGICAL);
  FC_GIT_CALL(git_revwalk_push(raw, git_commit_id(start.get())), "revwalk push");
  git_diff_options opts;
  git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
  std::vector<char*> pathspec;
  for (const std::string& p : options.paths) pathspec.push_back(const_cast<char*>(p.c_str()));
  opts.pathspec.strings = pathspec.data();
  opts.pathspec.count = pathspec.size();
  size_t skipped = 0;
  git_oid oid;
  while (out.size() < options.max_count && git_revwalk_next(&oid, raw) == 0) {
    git_commit* commit = nullptr;
    FC_GIT_CALL(git_commit_lookup(&commit, repo.raw(), &oid), "commit lookup");
    GitPtr<git_commit> owned(commit);
    if (!options.paths.empty()) {
      FC_ASSIGN_OR_RETURN(GitPtr<git_diff> diff, DiffToParent(repo, commit, &opts));
      if (git_diff_num_deltas(diff.get()) == 0) continue;
    }
    if (skipped < options.skip) {
      ++skipped;
      continue;
    }
    out.push_back(Describe(commit));
  }
  return out;
}

base::StatusOr<ShowResult> Show(const Repository& repo, const std::string& revision,
                                size_t max_patch_bytes) {
  FC_ASSIGN_OR_RETURN(GitPtr<git_commit> commit, repo.LookupCommit(revision));
  ShowResult result;
  result.commit = Describe(commit.get());
  FC_ASSIGN_OR_RETURN(GitPtr<git_diff> diff, DiffToParent(repo, commit.get(), nullptr));
  FC_ASSIGN_OR_RETURN(result.diff, SummarizeDiff(diff.get(), max_patch_bytes));
  return result;
}

base::StatusOr<std::string> MergeBase(const Repository& repo, const std::string& a,
                                      const std::string& b) {
  FC_ASSIGN_OR_RETURN(GitPtr<git_commit> ca, repo.LookupCommit(a));
  FC_ASSIGN_OR_RETURN(GitPtr<git_commit> cb, repo.LookupCommit(b));
  git_oid base;
  FC_GIT_CALL(git_merge_base(&base, repo.raw(), git_commit_id(ca.get()), git_commit_id(cb.get())),
              "merge-base " + a + " " + b);
  return OidHex(base);
}

std::string FormatCommit(const CommitInfo& c) {
  char date[64] = "";
  std::time_t t = static_cast<std::time_t>(c.time);
  std::tm tm;
  if (gmtime_r(&t, &tm) != nullptr) std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", &tm);
  std::string out = "commit " + c.id + "\n";
  if (c.parents.size() > 1) {
    out += "Merge:";
    for (const std::string& p : c.parents) out += " " + p.substr(0, 12);
    out += "\n";
  }
  out += "Author: " + c.author_name + " <" + c.author_email + ">\nDate:   " + date + "\n\n";
  size_t pos = 0;
  while (pos < c.message.size()) {
    size_t end = c.message.find('\n', pos);
    if (end == std::string::npos) end = c.message.size();
    out += "    " + c.message.substr(pos, end - pos) + "\n";
    pos = end + 1;
  }
  return out;
}

}  // namespace tools
