// edit_file (exact search and replace) and apply_patch (unified diff, all or nothing).
#include "tools/basic_tool.h"
#include "tools/builtin_tools.h"
#include "tools/files/patch_applier.h"
#include "tools/files/text_edit.h"

namespace tools {
namespace {

class EditFileTool final : public BasicTool {
 public:
  EditFileTool()
      : BasicTool("edit_file",
                  "Replace old_string with new_string in a file. old_string must match the file "
                  "exactly (whitespace included) and occur once, unless replace_all is true; "
                  "otherwise the edit is refused and nothing changes.",
                  R"({"type":"object","properties":{
                    "path":{"type":"string"},"old_string":{"type":"string"},
                    "new_string":{"type":"string"},"replace_all":{"type":"boolean"}},
                    "required":["path","old_string","new_string"],"additionalProperties":false})",
                  /*read_only=*/false) {}

 protected:
  base::StatusOr<ToolResult> Execute(const ToolArgs& args, const Workspace& workspace,
                                     const ToolContext&) const override {
    FC_ASSIGN_OR_RETURN(std::string path, args.String("path"));
    EditRequest edit;
    FC_ASSIGN_OR_RETURN(edit.search, args.String("old_string"));
    FC_ASSIGN_OR_RETURN(edit.replacement, args.String("new_string"));
    FC_ASSIGN_OR_RETURN(edit.replace_all, args.Bool("replace_all", false));
    FC_ASSIGN_OR_RETURN(int count, EditFile(workspace, path, edit));
    return ToolResult::Ok("replaced " + std::to_string(count) +
                          (count == 1 ? " occurrence in " : " occurrences in ") + path);
  }
};

class ApplyPatchTool final : public BasicTool {
 public:
  ApplyPatchTool()
      : BasicTool("apply_patch",
                  "Apply a unified diff (as from `git diff` or `diff -u`) to files in the "
                  "workspace. Use --- /dev/null to create and +++ /dev/null to delete a file. "
                  "Either every hunk applies or nothing changes; a conflict names the file, "
                  "hunk and line.",
                  R"({"type":"object","properties":{"patch":{"type":"string"}},
                    "required":["patch"],"additionalProperties":false})",
                  /*read_only=*/false) {}

 protected:
  base::StatusOr<ToolResult> Execute(const ToolArgs& args, const Workspace& workspace,
                                     const ToolContext&) const override {
    FC_ASSIGN_OR_RETURN(std::string patch, args.String("patch"));
    FC_ASSIGN_OR_RETURN(std::vector<PatchedFile> files, ApplyPatch(workspace, patch));
    std::string out;
    for (const PatchedFile& f : files) out += f.action + ": " + f.path + "\n";
    return ToolResult::Ok(std::move(out));
  }
};

}  // namespace

std::unique_ptr<Tool> NewEditFileTool() { return std::make_unique<EditFileTool>(); }
std::unique_ptr<Tool> NewApplyPatchTool() { return std::make_unique<ApplyPatchTool>(); }

}  // namespace tools
