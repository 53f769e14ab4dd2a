#include "tools/git/git_status.h"

#include <algorithm>

namespace tools {
namespace {

char IndexCode(unsigned s) {
  if (s & GIT_STATUS_CONFLICTED) return 'U';
  if (s & GIT_STATUS_INDEX_NEW) return 'A';
  if (s & GIT_STATUS_INDEX_MODIFIED) return 'M';
  if (s & GIT_STATUS_INDEX_DELETED) return 'D';
  if (s & GIT_STATUS_INDEX_RENAMED) return 'R';
  if (s & GIT_STATUS_INDEX_TYPECHANGE) return 'T';
  if (s & GIT_STATUS_WT_NEW) return '?';
  if (s & GIT_STATUS_IGNORED) return '!';
  return ' ';
}

char WorktreeCode(unsigned s) {
  if (s & GIT_STATUS_CONFLICTED) return 'U';
  if (s & GIT_STATUS_WT_NEW) return '?';
  if (s & GIT_STATUS_IGNORED) return '!';
  if (s & GIT_STATUS_WT_MODIFIED) return 'M';
  if (s & GIT_STATUS_WT_DELETED) return 'D';
  if (s & GIT_STATUS_WT_RENAMED) return 'R';
  if (s & GIT_STATUS_WT_TYPECHANGE) return 'T';
  return ' ';
}

}  // namespace

base::StatusOr<std::vector<StatusEntry>> GetStatus(const Repository& repo, bool include_ignored) {
  git_status_options opts;
  git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
               GIT_STATUS_OPT_RENAMES_HEAD_TO_INDEX | GIT_STATUS_OPT_RENAMES_INDEX_TO_WORKDIR |
               GIT_STATUS_OPT_SORT_CASE_SENSITIVELY;
  if (include_ignored) opts.flags |= GIT_STATUS_OPT_INCLUDE_IGNORED;
  git_status_list* raw = nullptr;
  FC_GIT_CALL(git_status_list_new(&raw, repo.raw(), &opts), "git status");
  GitPtr<git_status_list> list(raw);
  std::vector<StatusEntry> out;
  for (size_t i = 0, n = git_status_list_entrycount(raw); i < n; ++i) {
    const git_status_entry* e = git_status_byindex(raw, i);
    if (e->status == GIT_STATUS_CURRENT) continue;
    StatusEntry entry;
    entry.index = IndexCode(e->status);
    entry.worktree = WorktreeCode(e->status);
    if (entry.index == '?' || entry.index == '!') entry.worktree = entry.index;
    const git_diff_delta* delta = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
    const git_diff_delta* first = e->head_to_index ? e->head_to_index : e->index_to_workdir;
    entry.path = delta->new_file.path ? delta->new_file.path : delta->old_file.path;
    if ((e->status & (GIT_STATUS_INDEX_RENAMED | GIT_STATUS_WT_RENAMED)) && first->old_file.path &&
        std::string(first->old_file.path) != entry.path) {
      entry.old_path = first->old_file.path;
    }
    out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(),
            [](const StatusEntry& a, const StatusEntry& b) { return a.path < b.path; });
  return out;
}

std::string FormatStatus(const std::vector<StatusEntry>& entries) {
  std::string out;
  for (const StatusEntry& e : entries) {
    out += e.index;
    out += e.worktree;
    out += ' ';
    if (!e.old_path.empty()) out += e.old_path + " -> ";
    out += e.path + "\n";
  }
  return out;
}

}  // namespace tools
