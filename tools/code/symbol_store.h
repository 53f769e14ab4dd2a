// SymbolStore: the SQLite persistence of the symbol index.
//
// Parsed symbols are keyed by a content hash (XXH3-64 of the text, seeded by the language), so
// a restart, a rename or a revert never re-parses text that was parsed before; `files` maps
// each path to the hash of its current content, with size and mtime so that an unchanged file
// is recognised without reading it. WAL mode; one connection per store.
//
// Thread-compatible: RepoIndex serializes all access. Errors carry SQLite's message.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "tools/code/symbol.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tools {

// Content hash used as the blob key: XXH3-64 of `text`, seeded with the language name.
uint64_t ContentHash(std::string_view language, std::string_view text);

struct StoredFile {
  std::string path;
  uint64_t hash = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string language;
  bool operator==(const StoredFile&) const = default;
};

struct DefinitionSite {
  std::string path;
  Definition definition;
};

class SymbolStore {
 public:
  // Opens (creating if needed) the database at `path`; ":memory:" for a private in-memory one.
  static base::StatusOr<std::unique_ptr<SymbolStore>> Open(const std::filesystem::path& path);
  ~SymbolStore();
  SymbolStore(const SymbolStore&) = delete;
  SymbolStore& operator=(const SymbolStore&) = delete;

  // Transactions group many writes into one fsync; writes outside one autocommit.
  base::Status Begin();
  base::Status Commit();

  base::StatusOr<std::vector<StoredFile>> Files();
  base::StatusOr<std::optional<StoredFile>> File(std::string_view path);
  base::StatusOr<std::unordered_set<uint64_t>> BlobHashes();

  // Stores the symbols of content `hash` (replacing any previous ones for that hash).
  base::Status PutBlob(uint64_t hash, const FileSymbols& symbols);
  base::Status PutFile(const StoredFile& file);
  base::Status RemoveFile(std::string_view path);
  // Deletes symbols that no file refers to any more (a scan of all blobs).
  base::Status DropUnreferencedBlobs();
  // Deletes the symbols of `hash` if no file refers to it (one indexed lookup).
  base::Status DropBlobIfUnreferenced(uint64_t hash);

  base::StatusOr<FileSymbols> Symbols(uint64_t hash);
  base::StatusOr<std::vector<DefinitionSite>> FindDefinitions(std::string_view name);
  // Calls `fn` with every file and its symbols, in path order.
  base::Status ForEachFile(const std::function<void(const StoredFile&, FileSymbols&&)>& fn);

 private:
  explicit SymbolStore(sqlite3* db) : db_(db) {}
  base::Status Exec(const char* sql);
  base::StatusOr<sqlite3_stmt*> Prepare(const char* sql);
  base::Status Error(std::string_view what) const;

  sqlite3* db_;
  std::vector<sqlite3_stmt*> statements_;  // finalized on destruction
};

}  // namespace tools
