// RepoMap: a compact outline of a repository for the model — the files and symbols that
// matter most, as signatures only, within a token budget.
//
// Files are ranked by PageRank over the graph "file A references an identifier that file B
// defines", personalised towards the files being worked on and the identifiers mentioned;
// each definition then scores by the rank flowing to it along its identifier's edges. The
// largest prefix of the best symbols whose rendering fits the budget is rendered, grouped by
// file (best file first), in source order, nested by containment. Deterministic: equal inputs
// give byte-identical maps.
//
// RepoMapBuilder is thread-compatible; build one per request or guard it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "tools/code/symbol.h"
#include "tools/code/token_counter.h"

namespace tools {

class RepoIndex;

struct RepoMapRequest {
  std::vector<std::string> focus_files;        // e.g. the files open in the editor
  std::vector<std::string> focus_identifiers;  // e.g. names in the user's message
  size_t token_budget = 1024;
  bool exclude_focus_files = true;  // their full text is usually in the prompt already
};

struct RankedFile {
  std::string path;
  double rank = 0;
};

struct RepoMap {
  std::string text;
  size_t tokens = 0;              // as counted by the request's TokenCounter
  std::vector<RankedFile> files;  // every file, best first
  size_t symbols_shown = 0;
  size_t files_shown = 0;  // files with at least one symbol in `text`
};

class RepoMapBuilder {
 public:
  void AddFile(const std::string& path, const FileSymbols& symbols);

  // Every file ranked, best first (ties by path).
  std::vector<RankedFile> RankFiles(const RepoMapRequest& request) const;

  RepoMap Build(const RepoMapRequest& request, const TokenCounter& counter) const;

 private:
  struct FileEntry {
    std::vector<Definition> definitions;
    std::map<std::string, int> reference_counts;
  };
  struct ScoredDefinition {
    const std::string* path;
    const Definition* definition;
    double score;
  };
  struct Edge {
    size_t from, to;
    const std::string* name;  // the identifier referenced in `from` and defined in `to`
    double weight;
  };
  struct Graph {
    std::vector<const std::string*> paths;  // node i
    std::vector<Edge> edges;
    std::vector<double> out_weight;       // per node
    std::vector<double> personalization;  // sums to 1
  };
  Graph MakeGraph(const RepoMapRequest& request) const;
  static std::vector<double> PageRank(const Graph& graph);
  std::string Render(const std::vector<ScoredDefinition>& chosen,
                     const std::map<std::string, size_t>& file_order) const;

  std::map<std::string, FileEntry> files_;  // ordered: node i is the i-th path
};

// Loads every file of `index` into a builder and builds the map.
base::StatusOr<RepoMap> BuildRepoMap(RepoIndex& index, const RepoMapRequest& request,
                                     const TokenCounter& counter);

}  // namespace tools
