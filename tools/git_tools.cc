// git_status, git_diff, git_log, git_show, git_blame: read-only views of the repository that
// contains the workspace (tools/git). Paths in arguments are relative to the workspace.
#include <ctime>

#include "tools/basic_tool.h"
#include "tools/builtin_tools.h"
#include "tools/git/blame.h"
#include "tools/git/branches.h"
#include "tools/git/git_status.h"
#include "tools/git/history.h"

namespace tools {
namespace {

struct OpenedRepo {
  std::unique_ptr<Repository> repo;
  std::string prefix;  // the workspace relative to the work tree, "" or ending in '/'
};

base::StatusOr<OpenedRepo> OpenRepo(const Workspace& workspace) {
  auto repo = Repository::Open(workspace.root());
  if (!repo.ok()) {
    return base::FailedPrecondition("the workspace is not inside a git repository");
  }
  OpenedRepo out{std::move(repo).value(), ""};
  std::string workdir = out.repo->workdir();
  if (workspace.root().size() > workdir.size()) {
    out.prefix = workspace.root().substr(workdir.size() + 1) + "/";
  }
  return out;
}

// A workspace-relative path as a path in the repository; refuses paths that climb out.
base::StatusOr<std::string> RepoPath(const Workspace& workspace, const OpenedRepo& opened,
                                     const std::string& path) {
  FC_ASSIGN_OR_RETURN(std::string rel, workspace.RelativePath(path));
  if (rel == ".") return opened.prefix.empty() ? std::string(".") : opened.prefix;
  if (rel == ".." || rel.rfind("../", 0) == 0 || rel.find("/../") != std::string::npos ||
      (rel.size() >= 3 && rel.compare(rel.size() - 3, 3, "/..") == 0)) {
    return base::PermissionDenied("'" + path + "' is outside the workspace");
  }
  return opened.prefix + rel;
}

base::StatusOr<std::vector<std::string>> RepoPaths(const Workspace& workspace,
                                                   const OpenedRepo& opened,
                                                   const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    FC_ASSIGN_OR_RETURN(std::string rp, RepoPath(workspace, opened, p));
    out.push_back(rp);
  }
  // Without explicit paths, a workspace inside a bigger repository sees only itself.
  if (out.empty() && !opened.prefix.empty()) out.push_back(opened.prefix);
  return out;
}

std::string Date(int64_t unix_seconds) {
  char buf[32] = "";
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm;
  if (gmtime_r(&t, &tm) != nullptr) std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

std::string FormatDiff(const DiffResult& diff) {
  if (diff.files.empty()) return "no differences\n";
  std::string out;
  for (const DiffFile& f : diff.files) {
    out += std::string(1, f.status) + " " +
           (f.status == 'R' || f.status == 'C' ? f.old_path + " -> " + f.new_path : f.new_path) +
           (f.binary ? " (binary)"
                     : " +" + std::to_string(f.additions) + " -" + std::to_string(f.deletions)) +
           "\n";
  }
  out += "\n" + diff.patch;
  if (diff.truncated) out += "\n[patch truncated; limit the diff with paths]\n";
  return out;
}

class GitStatusTool final : public BasicTool {
 public:
  GitStatusTool()
      : BasicTool("git_status",
                  "Show the current branch and changed files like `git status --porcelain`: "
                  "two columns (index, work tree) of M/A/D/R/?, then the path.",
                  R"({"type":"object","properties":{},"additionalProperties":false})", true) {}

 protected:
  base::StatusOr<ToolResult> Execute(const ToolArgs&, const Workspace& workspace,
                                     const ToolContext&) const override {
    FC_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepo(workspace));
    FC_ASSIGN_OR_RETURN(std::string branch, CurrentBranch(*opened.repo));
    FC_ASSIGN_OR_RETURN(std::vector<StatusEntry> entries, GetStatus(*opened.repo));
    // A workspace inside a bigger repository sees its own changes, with workspace-relative
    // paths like every other tool; changes elsewhere in the repository are only counted.
    size_t outside = 0;
    if (!opened.prefix.empty()) {
      std::vector<StatusEntry> inside;
      for (StatusEntry& e : entries) {
        if (e.path.rfind(opened.prefix, 0) != 0) {
          ++outside;
          continue;
        }
        e.path.erase(0, opened.prefix.size());
        if (e.old_path.rfind(opened.prefix, 0) == 0) e.old_path.erase(0, opened.prefix.size());
        inside.push_back(std::move(e));
      }
      entries = std::move(inside);
    }
    std::string out = "## " + (branch.empty() ? std::string("HEAD (detached)") : branch) + "\n";
    std::string body = FormatStatus(entries);
    out += body.empty() ? "clean\n" : body;
    if (outside > 0) {
      out += "(" + std::to_string(outside) + " more changed paths outside the workspace)\n";
    }
    return ToolResult::Ok(out);
  }
};

class GitDiffTool final : public BasicTool {
 public:
  GitDiffTool()
      : BasicTool("git_diff",
                  "Diff two states of the repository, each 'workdir', 'index' or a revision "
                  "(HEAD, a branch, a commit id). Default HEAD to workdir, including new "
                  "untracked files. Renames are detected.",
                  R"({"type":"object","properties":{
                    "from":{"type":"string"},"to":{"type":"string"},
                    "paths":{"type":"array","items":{"type":"string"}},
                    "context_lines":{"type":"integer","minimum":0}},
                    "additionalProperties":false})",
                  true) {}

 protected:
  base::StatusOr<ToolResult> Execute(const ToolArgs& args, const Workspace& workspace,
                                     const ToolContext& context) const override {
    FC_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepo(workspace));
    DiffSpec spec;
    FC_ASSIGN_OR_RETURN(spec.from, args.String("from", "HEAD"));
    FC_ASSIGN_OR_RETURN(spec.to, args.String("to", "workdir"));
    FC_ASSIGN_OR_RETURN(std::vector<std::string> paths, args.Strings("paths"));
    FC_ASSIGN_OR_RETURN(spec.paths, RepoPaths(workspace, opened, paths));
    FC_ASSIGN_OR_RETURN(int64_t context_lines, args.Int("context_lines", 3));
    spec.context_lines = static_cast<int>(std::clamp<int64_t>(context_lines, 0, 100));
    spec.max_patch_bytes = context.limits.max_output_bytes;
    FC_ASSIGN_OR_RETURN(DiffResult diff, Diff(*opened.repo, spec));
    return ToolResult::Ok(FormatDiff(diff));
  }
};

class GitLogTool final : public BasicTool {
 public:
  GitLogTool()
      : BasicTool("git_log",
                  "List commits, newest first: id, date, author, summary. Optionally from a "
                  "revision, limited to paths, max_count (default 20), skip.",
                  R"({"type":"object","properties":{
                    "revision":{"type":"string"},
                    "paths":{"type":"array","items":{"type":"string"}},
                    "max_count":{"type":"integer","minimum":1,"maximum":1000},
                    "skip":{"type":"integer","minimum":0}},
                    "additionalProperties":false})",
                  true) {}

 protected:
  base::StatusOr<ToolResult> Execute(const ToolArgs& args, const Workspace& workspace,
                                     const ToolContext&) const override {
    FC_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepo(workspace));
    LogOptions options;
    FC_ASSIGN_OR_RETURN(options.revision, args.String("revision", "HEAD"));
    FC_ASSIGN_OR_RETURN(std::vector<std::string> paths, args.Strings("paths"));
    FC_ASSIGN_OR_RETURN(options.paths, RepoPaths(workspace, opened, paths));
    FC_ASSIGN_OR_RETURN(int64_t max_count, args.Int("max_count", 20));
    FC_ASSIGN_OR_RETURN(int64_t skip, args.Int("skip", 0));
    options.max_count = static_cast<size_t>(std::clamp<int64_t>(max_count, 1, 1000));
    options.skip = static_cast<size_t>(std::max<int64_t>(skip, 0));
    FC_ASSIGN_OR_RETURN(std::vector<CommitInfo> commits, Log(*opened.repo, options));
    std::string out;
    for (const CommitInfo& c : commits) {
      out +=
          c.id.substr(0, 12) + " " + Date(c.time) + " " + c.author_name + ": " + c.summary + "\n";
    }
    return ToolResult::Ok(out.empty() ? "no commits\n" : out);
  }
};

class GitShowTool final : public BasicTool {
 public:
  GitShowTool()
      : BasicTool("git_show", "Show one commit (default HEAD): its message and its diff.",
                  R"({"type":"object","properties":{"revision":{"type":"string"}},
                    "additionalProperties":false})",
                  true) {}

 protected:
  base::StatusOr<ToolResult> Execute(const ToolArgs& args, const Workspace& workspace,
                                     const ToolContext& context) const override {
    FC_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepo(workspace));
    FC_ASSIGN_OR_RETURN(std::string revision, args.String("revision", "HEAD"));
    FC_ASSIGN_OR_RETURN(ShowResult shown,
                        Show(*opened.repo, revision, context.limits.max_output_bytes));
    return ToolResult::Ok(FormatCommit(shown.commit) + "\n" + FormatDiff(shown.diff));
  }
};

class GitBlameTool final : public BasicTool {
 public:
  GitBlameTool()
      : BasicTool("git_blame",
                  "Show which commit last changed each line of a committed file (at revision, "
                  "default HEAD), optionally for a line range.",
                  R"({"type":"object","properties":{
                    "path":{"type":"string"},"revision":{"type":"string"},
                    "start_line":{"type":"integer","minimum":1},
                    "end_line":{"type":"integer","minimum":1}},
                    "required":["path"],"additionalProperties":false})",
                  true) {}

 protected:
  base::StatusOr<ToolResult> Execute(const ToolArgs& args, const Workspace& workspace,
                                     const ToolContext&) const override {
    FC_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepo(workspace));
    FC_ASSIGN_OR_RETURN(std::string path, args.String("path"));
    FC_ASSIGN_OR_RETURN(std::string repo_path, RepoPath(workspace, opened, path));
    BlameOptions options;
    FC_ASSIGN_OR_RETURN(options.revision, args.String("revision", "HEAD"));
    FC_ASSIGN_OR_RETURN(int64_t first, args.Int("start_line", 1));
    FC_ASSIGN_OR_RETURN(int64_t last, args.Int("end_line", 0));
    if (first < 1 || last < 0) return base::InvalidArgument("line numbers start at 1");
    options.first_line = static_cast<size_t>(first);
    options.last_line = static_cast<size_t>(last);
    FC_ASSIGN_OR_RETURN(std::vector<BlameLine> lines, Blame(*opened.repo, repo_path, options));
    std::string out;
    for (const BlameLine& l : lines) {
      out += l.commit_id.substr(0, 8) + " (" + l.author + " " + Date(l.time) + " " +
             std::to_string(l.line) + ") " + l.text + "\n";
    }
    return ToolResult::Ok(out.empty() ? "(empty file)\n" : out);
  }
};

}  // namespace

std::unique_ptr<Tool> NewGitStatusTool() { return std::make_unique<GitStatusTool>(); }
std::unique_ptr<Tool> NewGitDiffTool() { return std::make_unique<GitDiffTool>(); }
std::unique_ptr<Tool> NewGitLogTool() { return std::make_unique<GitLogTool>(); }
std::unique_ptr<Tool> NewGitShowTool() { return std::make_unique<GitShowTool>(); }
std::unique_ptr<Tool> NewGitBlameTool() { return std::make_unique<GitBlameTool>(); }

}  // namespace tools
