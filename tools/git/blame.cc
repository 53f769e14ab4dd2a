#include "tools/git/blame.h"

#include <string_view>

namespace tools {

base::StatusOr<std::vector<BlameLine>> Blame(const Repository& repo, const std::string& path,
                                             const BlameOptions& options) {
  if (options.first_line < 1 ||
      (options.last_line != 0 && options.last_line < options.first_line)) {
    return base::InvalidArgument("bad line range");
  }
  FC_ASSIGN_OR_RETURN(GitPtr<git_commit> commit, repo.LookupCommit(options.revision));
  git_tree* raw_tree = nullptr;
  FC_GIT_CALL(git_commit_tree(&raw_tree, commit.get()), "commit tree");
  GitPtr<git_tree> tree(raw_tree);
  git_tree_entry* entry = nullptr;
  FC_GIT_CALL(git_tree_entry_bypath(&entry, tree.get(), path.c_str()),
              "'" + path + "' in " + options.revision);
  git_object* obj = nullptr;
  int rc = git_tree_entry_to_object(&obj, repo.raw(), entry);
  git_tree_entry_free(entry);
  FC_GIT_CALL(rc, "read '" + path + "'");
  if (git_object_type(obj) != GIT_OBJECT_BLOB) {
    git_object_free(obj);
    return base::InvalidArgument("'" + path + "' is not a file");
  }
  GitPtr<git_blob> blob(reinterpret_cast<git_blob*>(obj));
  if (git_blob_is_binary(blob.get())) return base::InvalidArgument("'" + path + "' is binary");
  std::string_view content(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                           static_cast<size_t>(git_blob_rawsize(blob.get())));

  git_blame_options opts;
  git_blame_options_init(&opts, GIT_BLAME_OPTIONS_VERSION);
  git_oid_cpy(&opts.newest_commit, git_commit_id(commit.get()));
  opts.min_line = options.first_line;
  opts.max_line = options.last_line;
  git_blame* raw = nullptr;
  FC_GIT_CALL(git_blame_file(&raw, repo.raw(), path.c_str(), &opts), "blame '" + path + "'");
  GitPtr<git_blame> blame(raw);

  std::vector<BlameLine> out;
  size_t line_no = 0, pos = 0;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    ++line_no;
    if (line_no >= options.first_line && (options.last_line == 0 || line_no <= options.last_line)) {
      BlameLine line;
      line.line = line_no;
      line.text = std::string(content.substr(pos, end - pos));
      if (const git_blame_hunk* hunk = git_blame_get_hunk_byline(raw, line_no)) {
        line.commit_id = OidHex(hunk->final_commit_id);
        if (hunk->final_signature != nullptr) {
          line.author = hunk->final_signature->name ? hunk->final_signature->name : "";
          line.time = hunk->final_signature->when.time;
        }
      }
      out.push_back(std::move(line));
    }
    pos = end + 1;
  }
  if (options.first_line > line_no && line_no > 0) {
    return base::OutOfRange("'" + path + "' has " + std::to_string(line_no) + " lines");
  }
  return out;
}

}  // namespace tools
