// read_file, write_file and list_dir: thin adapters from JSON arguments to tools/files.
#include "tools/basic_tool.h"
#include "tools/builtin_tools.h"
#include "tools/files/dir_listing.h"
#include "tools/files/file_reader.h"
#include "tools/files/file_writer.h"

namespace tools {
namespace {

class ReadFileTool final : public BasicTool {
 public:
  ReadFileTool()
      : BasicTool("read_file",
                  "Read a text file in the workspace. Lines are numbered. Use start_line and "
                  "end_line (1-based, inclusive) to read part of a large file.",
                  R"({"type":"object","properties":{
                    "path":{"type":"string","description":"file path relative to the workspace"},
                    "start_line":{"type":"integer","minimum":1},
                    "end_line":{"type":"integer","minimum":1}},
                    "required":["path"],"additionalProperties":false})",
                  /*read_only=*/true) {}

 protected:
  base::StatusOr<ToolResult> Execute(const ToolArgs& args, const Workspace& workspace,
                                     const ToolContext& context) const override {
    FC_ASSIGN_OR_RETURN(std::string path, args.String("path"));
    FC_ASSIGN_OR_RETURN(int64_t first, args.Int("start_line", 1));
    FC_ASSIGN_OR_RETURN(int64_t last, args.Int("end_line", 0));
    ReadOptions options;
    options.first_line = first;
    options.last_line = last;
    options.max_bytes = context.limits.max_output_bytes;
    FC_ASSIGN_OR_RETURN(FileText text, ReadTextFile(workspace, path, options));
    if (text.binary) {
      return ToolResult::Error(path + " is a binary file (" + std::to_string(text.size_bytes) +
                               " bytes); it cannot be shown as text");
    }
    std::string out;
    int64_t line = text.first_line;
    for (size_t pos = 0; pos < text.text.size(); ++line) {
      size_t end = text.text.find('\n', pos);
      if (end == std::string::npos) end = text.text.size();
      std::string number = std::to_string(line);
      out += std::string(number.size() < 6 ? 6 - number.size() : 0, ' ') + number + "\t";
      out.append(text.text, pos, end - pos);
      out += '\n';
      pos = end + 1;
    }
    if (text.total_lines == 0) out = "(empty file)\n";
    if (text.truncated || text.first_line > 1 || text.last_line < text.total_lines) {
      out += "[showing lines " + std::to_string(text.first_line) + "-" +
             std::to_string(text.last_line) + " of " + std::to_string(text.total_lines) +
             (text.truncated ? "; output limit reached, use start_line to read on" : "") + "]\n";
    }
    return ToolResult::Ok(std::move(out));
  }
};

class WriteFileTool final : public BasicTool {
 public:
  WriteFileTool()
      : BasicTool("write_file",
                  "Create or overwrite a file in the workspace with the given content. Parent "
                  "directories are created. Prefer edit_file or apply_patch for changes to "
                  "existing files.",
                  R"({"type":"object","properties":{
                    "path":{"type":"string"},"content":{"type":"string"}},
                    "required":["path","content"],"additionalProperties":false})",
                  /*read_only=*/false) {}

 protected:
  base::StatusOr<ToolResult> Execute(const ToolArgs& args, const Workspace& workspace,
                                     const ToolContext&) const override {
    FC_ASSIGN_OR_RETURN(std::string path, args.String("path"));
    FC_ASSIGN_OR_RETURN(std::string content, args.String("content"));
    FC_RETURN_IF_ERROR(WriteFileAtomic(workspace, path, content));
    return ToolResult::Ok("wrote " + std::to_string(content.size()) + " bytes to " + path);
  }
};

class ListDirTool final : public BasicTool {
 public:
  ListDirTool()
      : BasicTool("list_dir",
                  "List a directory of the workspace: 'd' directories, 'f' files with sizes, "
                  "'l' symlinks.",
                  R"({"type":"object","properties":{
                    "path":{"type":"string","description":"directory, default the workspace root"}},
                    "additionalProperties":false})",
                  /*read_only=*/true) {}

 protected:
  base::StatusOr<ToolResult> Execute(const ToolArgs& args, const Workspace& workspace,
                                     const ToolContext&) const override {
    FC_ASSIGN_OR_RETURN(std::string path, args.String("path", "."));
    FC_ASSIGN_OR_RETURN(DirListing listing, ListDirectory(workspace, path));
    std::string out;
    for (const DirEntry& e : listing.entries) {
      out += std::string(1, e.type) + " " + e.name;
      if (e.type == 'd') out += "/";
      if (e.type == 'f') out += " (" + std::to_string(e.size) + " bytes)";
      out += "\n";
    }
    if (listing.entries.empty()) out = "(empty directory)\n";
    if (listing.truncated) out += "[more entries not shown]\n";
    return ToolResult::Ok(std::move(out));
  }
};

}  // namespace

std::unique_ptr<Tool> NewReadFileTool() { return std::make_unique<ReadFileTool>(); }
std::unique_ptr<Tool> NewWriteFileTool() { return std::make_unique<WriteFileTool>(); }
std::unique_ptr<Tool> NewListDirTool() { return std::make_unique<ListDirTool>(); }

}  // namespace tools
