// search: grep over the workspace (tools/search), honouring .gitignore.
#include "tools/basic_tool.h"
#include "tools/builtin_tools.h"
#include "tools/search/searcher.h"

namespace tools {
namespace {

class SearchTool final : public BasicTool {
 public:
  SearchTool()
      : BasicTool("search",
                  "Search file contents in the workspace, line by line, skipping ignored and "
                  "binary files. The pattern is literal text unless regex is true (PCRE2 "
                  "syntax). Results are 'path:line:text'.",
                  R"({"type":"object","properties":{
                    "pattern":{"type":"string"},
                    "regex":{"type":"boolean","description":"treat pattern as a regular expression"},
                    "case_insensitive":{"type":"boolean"},
                    "path":{"type":"string","description":"directory or file to search, default the workspace root"},
                    "context_lines":{"type":"integer","minimum":0,"maximum":10},
                    "max_matches":{"type":"integer","minimum":1,"maximum":1000}},
                    "required":["pattern"],"additionalProperties":false})",
                  /*read_only=*/true) {}

 protected:
  base::StatusOr<ToolResult> Execute(const ToolArgs& args, const Workspace& workspace,
                                     const ToolContext& context) const override {
    SearchOptions options;
    FC_ASSIGN_OR_RETURN(options.pattern, args.String("pattern"));
    FC_ASSIGN_OR_RETURN(options.regex, args.Bool("regex", false));
    FC_ASSIGN_OR_RETURN(options.case_insensitive, args.Bool("case_insensitive", false));
    FC_ASSIGN_OR_RETURN(options.path, args.String("path", "."));
    FC_ASSIGN_OR_RETURN(int64_t context_lines, args.Int("context_lines", 0));
    FC_ASSIGN_OR_RETURN(int64_t max_matches, args.Int("max_matches", 200));
    options.context_lines = static_cast<int>(std::clamp<int64_t>(context_lines, 0, 10));
    options.max_matches = static_cast<size_t>(std::clamp<int64_t>(max_matches, 1, 1000));
    options.max_bytes = context.limits.max_output_bytes / 2;  // leaves room for path prefixes
    std::unique_ptr<IgnoreRules> ignore = GitIgnoreRulesFor(workspace.root());
    FC_ASSIGN_OR_RETURN(SearchResult result,
                        Search(workspace, ignore.get(), options, context.cancel.get()));
    if (result.matches.empty()) {
      return ToolResult::Ok("no matches (" + std::to_string(result.files_searched) +
                            " files searched)\n");
    }
    return ToolResult::Ok(FormatSearchResult(result));
  }
};

}  // namespace

std::unique_ptr<Tool> NewSearchTool() { return std::make_unique<SearchTool>(); }

}  // namespace tools
