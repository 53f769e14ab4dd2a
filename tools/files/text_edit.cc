#include "tools/files/text_edit.h"

#include <fcntl.h>

#include <vector>

#include "tools/files/file_reader.h"
#include "tools/files/file_writer.h"

namespace tools {

base::StatusOr<std::pair<std::string, int>> ReplaceExact(std::string_view content,
                                                         const EditRequest& edit) {
  if (edit.search.empty()) return base::InvalidArgument("the search text is empty");
  std::vector<size_t> hits;
  for (size_t pos = content.find(edit.search); pos != std::string_view::npos;
       pos = content.find(edit.search, pos + edit.search.size())) {
    hits.push_back(pos);
  }
  if (hits.empty()) {
    return base::NotFound(
        "the search text was not found; it must match the file exactly, "
        "including whitespace and indentation");
  }
  if (hits.size() > 1 && !edit.replace_all) {
    return base::FailedPrecondition("the search text occurs " + std::to_string(hits.size()) +
                                    " times; include more surrounding lines so it is unique, "
                                    "or set replace_all");
  }
  std::string out;
  out.reserve(content.size() + hits.size() * edit.replacement.size());
  size_t from = 0;
  for (size_t hit : hits) {
    out.append(content, from, hit - from);
    out += edit.replacement;
    from = hit + edit.search.size();
  }
  out.append(content, from);
  return std::make_pair(std::move(out), static_cast<int>(hits.size()));
}

base::StatusOr<int> EditFile(const Workspace& workspace, std::string_view path,
                             const EditRequest& edit) {
  FC_ASSIGN_OR_RETURN(UniqueFd fd, workspace.OpenBeneath(path, O_RDONLY | O_NOCTTY | O_NONBLOCK));
  FC_ASSIGN_OR_RETURN(std::string content, ReadAll(fd.get(), path, ReadOptions{}.max_file_bytes));
  if (LooksBinary(content)) return base::InvalidArgument("'" + std::string(path) + "' is binary");
  FC_ASSIGN_OR_RETURN(auto edited, ReplaceExact(content, edit));
  FC_RETURN_IF_ERROR(WriteFileAtomic(workspace, path, edited.first));
  return edited.second;
}

}  // namespace tools
