#include "tools/code/repo_map.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

#include "tools/code/repo_index.h"

namespace tools {
namespace {

constexpr double kDamping = 0.85;
constexpr int kMaxIterations = 50;
constexpr double kTolerance = 1e-9;
constexpr double kFocusIdentifierBoost = 10;
// Names defined in many files ("get", "init", "main") say little about who depends on whom.
constexpr size_t kCommonNameDefiners = 5;

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Long compound names (snake_case or camelCase) rarely collide across unrelated files.
bool IsSpecificName(std::string_view name) {
  if (name.size() < 8) return false;
  bool lower = false, upper = false;
  for (char c : name) {
    if (c == '_') return true;
    lower |= (c >= 'a' && c <= 'z');
    upper |= (c >= 'A' && c <= 'Z');
  }
  return lower && upper;
}

bool StrictlyContains(const SourceRange& outer, const SourceRange& inner) {
  return outer.start_byte <= inner.start_byte && inner.end_byte <= outer.end_byte &&
         !(outer.start_byte == inner.start_byte && outer.end_byte == inner.end_byte);
}

}  // namespace

void RepoMapBuilder::AddFile(const std::string& path, const FileSymbols& symbols) {
  FileEntry& entry = files_[path];
  entry.definitions = symbols.definitions;
  entry.reference_counts.clear();
  for (const Reference& r : symbols.references) ++entry.reference_counts[r.name];
}

RepoMapBuilder::Graph RepoMapBuilder::MakeGraph(const RepoMapRequest& request) const {
  Graph g;
  std::unordered_map<std::string_view, std::vector<size_t>> definers;
  for (const auto& [path, entry] : files_) {
    size_t node = g.paths.size();
    g.paths.push_back(&path);
    std::set<std::string_view> names;
    for (const Definition& d : entry.definitions) names.insert(d.name);
    for (std::string_view n : names) definers[n].push_back(node);
  }
  size_t node = 0;
  for (const auto& [path, entry] : files_) {
    for (const auto& [name, count] : entry.reference_counts) {
      auto it = definers.find(name);
      if (it == definers.end()) continue;
      // Repeated use counts, with diminishing returns; the weight is shared among definers.
      double w = std::sqrt(static_cast<double>(count)) / static_cast<double>(it->second.size());
      if (Contains(request.focus_identifiers, name)) w *= kFocusIdentifierBoost;
      if (name.starts_with("_")) w *= 0.1;  // private by convention
      if (IsSpecificName(name)) w *= 3;     // "ChunkRepository" says more than "run"
      if (it->second.size() > kCommonNameDefiners) w *= 0.1;
      for (size_t to : it->second) {
        if (to != node) g.edges.push_back(Edge{node, to, &name, w});
      }
    }
    ++node;
  }
  size_t n = g.paths.size();
  g.out_weight.assign(n, 0);
  for (const Edge& e : g.edges) g.out_weight[e.from] += e.weight;

  // Personalisation: the focus files, and the files defining the focus identifiers.
  g.personalization.assign(n, 0);
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    if (Contains(request.focus_files, *g.paths[i])) {
      g.personalization[i] += 1;
      total += 1;
    }
  }
  for (const std::string& ident : request.focus_identifiers) {
    auto it = definers.find(ident);
    if (it == definers.end()) continue;
    for (size_t i : it->second) {
      g.personalization[i] += 1.0 / static_cast<double>(it->second.size());
      total += 1.0 / static_cast<double>(it->second.size());
    }
  }
  if (total == 0) {
    g.personalization.assign(n, n == 0 ? 0 : 1.0 / static_cast<double>(n));
  } else {
    for (double& p : g.personalization) p /= total;
  }
  return g;
}

std::vector<double> RepoMapBuilder::PageRank(const Graph& g) {
  size_t n = g.paths.size();
  std::vector<double> rank = g.personalization, next(n);
  for (int iter = 0; iter < kMaxIterations; ++iter) {
    // Mass of nodes with no outgoing edges goes back through the personalisation vector.
    double dangling = 0;
    for (size_t i = 0; i < n; ++i) {
      if (g.out_weight[i] == 0) dangling += rank[i];
    }
    for (size_t i = 0; i < n; ++i) {
      next[i] = (1 - kDamping + kDamping * dangling) * g.personalization[i];
    }
    for (const Edge& e : g.edges) {
      next[e.to] += kDamping * rank[e.from] * e.weight / g.out_weight[e.from];
    }
    double delta = 0;
    for (size_t i = 0; i < n; ++i) delta += std::abs(next[i] - rank[i]);
    rank.swap(next);
    if (delta < kTolerance) break;
  }
  return rank;
}

std::vector<RankedFile> RepoMapBuilder::RankFiles(const RepoMapRequest& request) const {
  Graph g = MakeGraph(request);
  std::vector<double> rank = PageRank(g);
  std::vector<RankedFile> out;
  for (size_t i = 0; i < g.paths.size(); ++i) out.push_back(RankedFile{*g.paths[i], rank[i]});
  std::stable_sort(out.begin(), out.end(), [](const RankedFile& a, const RankedFile& b) {
    return a.rank > b.rank;  // stable: ties stay in path order
  });
  return out;
}

std::string RepoMapBuilder::Render(const std::vector<ScoredDefinition>& chosen,
                                   const std::map<std::string, size_t>& file_order) const {
  std::vector<const ScoredDefinition*> sorted;
  for (const ScoredDefinition& s : chosen) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(),
            [&](const ScoredDefinition* a, const ScoredDefinition* b) {
              if (a->path != b->path) return file_order.at(*a->path) < file_order.at(*b->path);
              return a->definition->range.start_byte < b->definition->range.start_byte;
            });
  std::string out;
  const std::string* current = nullptr;
  for (const ScoredDefinition* s : sorted) {
    if (s->path != current) {
      current = s->path;
      out += *current + ":\n";
    }
    // Nested under the shown definitions that contain it (a method under its class).
    int depth = 0;
    for (const ScoredDefinition* other : sorted) {
      if (other->path == current &&
          StrictlyContains(other->definition->range, s->definition->range)) {
        ++depth;
      }
    }
    out.append(2 + 2 * static_cast<size_t>(depth), ' ');
    out += s->definition->signature.empty() ? s->definition->name : s->definition->signature;
    out += '\n';
  }
  return out;
}

RepoMap RepoMapBuilder::Build(const RepoMapRequest& request, const TokenCounter& counter) const {
  Graph g = MakeGraph(request);
  std::vector<double> rank = PageRank(g);
  RepoMap map;
  for (size_t i = 0; i < g.paths.size(); ++i) map.files.push_back(RankedFile{*g.paths[i], rank[i]});
  std::stable_sort(map.files.begin(), map.files.end(),
                   [](const RankedFile& a, const RankedFile& b) { return a.rank > b.rank; });
  std::map<std::string, size_t> file_order;
  for (size_t i = 0; i < map.files.size(); ++i) file_order[map.files[i].path] = i;

  // Rank flowing into each (file, name) along that name's edges.
  std::map<std::pair<size_t, std::string_view>, double> inflow;
  for (const Edge& e : g.edges) {
    inflow[{e.to, *e.name}] += rank[e.from] * e.weight / g.out_weight[e.from];
  }
  std::vector<ScoredDefinition> scored;
  size_t node = 0;
  for (const auto& [path, entry] : files_) {
    bool skip = request.exclude_focus_files && Contains(request.focus_files, path);
    for (const Definition& d : entry.definitions) {
      if (skip) break;
      auto it = inflow.find({node, d.name});
      // The small file-rank term orders unreferenced definitions by their file's importance.
      double score = (it == inflow.end() ? 0 : it->second) + 1e-3 * rank[node];
      if (Contains(request.focus_identifiers, d.name)) score *= kFocusIdentifierBoost;
      scored.push_back(ScoredDefinition{&path, &d, score});
    }
    ++node;
  }
  std::stable_sort(
      scored.begin(), scored.end(),
      [](const ScoredDefinition& a, const ScoredDefinition& b) { return a.score > b.score; });

  // Largest prefix of the best symbols that fits: the rendering grows with the prefix.
  // Every rendered symbol costs at least one token (its own line), which bounds the search.
  size_t lo = 0, hi = std::min(scored.size(), request.token_budget);
  while (lo < hi) {
    size_t mid = (lo + hi + 1) / 2;
    std::vector<ScoredDefinition> prefix(scored.begin(), scored.begin() + mid);
    if (counter.Count(Render(prefix, file_order)) <= request.token_budget) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  std::vector<ScoredDefinition> chosen(scored.begin(), scored.begin() + lo);
  map.text = Render(chosen, file_order);
  map.tokens = counter.Count(map.text);
  map.symbols_shown = lo;
  std::set<const std::string*> shown;
  for (const ScoredDefinition& s : chosen) shown.insert(s.path);
  map.files_shown = shown.size();
  return map;
}

base::StatusOr<RepoMap> BuildRepoMap(RepoIndex& index, const RepoMapRequest& request,
                                     const TokenCounter& counter) {
  RepoMapBuilder builder;
  FC_RETURN_IF_ERROR(index.ForEachFile(
      [&builder](const StoredFile& f, FileSymbols&& s) { builder.AddFile(f.path, s); }));
  return builder.Build(request, counter);
}

}  // namespace tools
