#include "tools/code/symbol_store.h"

#include <sqlite3.h>
#include <xxhash.h>

namespace tools {
namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS files(
  path TEXT PRIMARY KEY, hash INTEGER NOT NULL, size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL, language TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS files_hash ON files(hash);
CREATE TABLE IF NOT EXISTS blobs(hash INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS defs(
  hash INTEGER NOT NULL, kind INTEGER NOT NULL, name TEXT NOT NULL, signature TEXT NOT NULL,
  doc TEXT NOT NULL, start_line INTEGER, start_col INTEGER, end_line INTEGER, end_col INTEGER,
  start_byte INTEGER, end_byte INTEGER);
CREATE INDEX IF NOT EXISTS defs_hash ON defs(hash);
CREATE INDEX IF NOT EXISTS defs_name ON defs(name);
CREATE TABLE IF NOT EXISTS refs(
  hash INTEGER NOT NULL, name TEXT NOT NULL, start_line INTEGER, start_col INTEGER,
  end_line INTEGER, end_col INTEGER, start_byte INTEGER, end_byte INTEGER);
CREATE INDEX IF NOT EXISTS refs_hash ON refs(hash);
)sql";

// SQLite integers are signed; hashes round-trip through the same bits.
int64_t Key(uint64_t hash) { return static_cast<int64_t>(hash); }

// RAII reset so a statement is reusable however the function returns.
class Use {
 public:
  explicit Use(sqlite3_stmt* s) : s_(s) {}
  ~Use() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  sqlite3_stmt* operator*() const { return s_; }

 private:
  sqlite3_stmt* s_;
};

void BindText(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string ColumnText(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t == nullptr ? ""
                      : std::string(reinterpret_cast<const char*>(t),
                                    static_cast<size_t>(sqlite3_column_bytes(s, i)));
}

void BindRange(sqlite3_stmt* s, int first, const SourceRange& r) {
  sqlite3_bind_int(s, first, static_cast<int>(r.start_line));
  sqlite3_bind_int(s, first + 1, static_cast<int>(r.start_column));
  sqlite3_bind_int(s, first + 2, static_cast<int>(r.end_line));
  sqlite3_bind_int(s, first + 3, static_cast<int>(r.end_column));
  sqlite3_bind_int64(s, first + 4, r.start_byte);
  sqlite3_bind_int64(s, first + 5, r.end_byte);
}

SourceRange ColumnRange(sqlite3_stmt* s, int first) {
  return {static_cast<uint32_t>(sqlite3_column_int(s, first)),
          static_cast<uint32_t>(sqlite3_column_int(s, first + 1)),
          static_cast<uint32_t>(sqlite3_column_int(s, first + 2)),
          static_cast<uint32_t>(sqlite3_column_int(s, first + 3)),
          static_cast<uint32_t>(sqlite3_column_int64(s, first + 4)),
          static_cast<uint32_t>(sqlite3_column_int64(s, first + 5))};
}

Definition ColumnDefinition(sqlite3_stmt* s, int first) {
  int kind = sqlite3_column_int(s, first);
  return Definition{static_cast<SymbolKind>(kind), ColumnText(s, first + 1),
                    ColumnText(s, first + 2), ColumnText(s, first + 3), ColumnRange(s, first + 4)};
}

StoredFile ColumnFile(sqlite3_stmt* s) {
  return StoredFile{ColumnText(s, 0), static_cast<uint64_t>(sqlite3_column_int64(s, 1)),
                    static_cast<uint64_t>(sqlite3_column_int64(s, 2)), sqlite3_column_int64(s, 3),
                    ColumnText(s, 4)};
}

enum Stmt {
  kSelectFiles,
  kSelectFile,
  kSelectBlobs,
  kDeleteDefs,
  kDeleteRefs,
  kInsertBlob,
  kInsertDef,
  kInsertRef,
  kUpsertFile,
  kDeleteFile,
  kSelectDefs,
  kSelectRefs,
  kFindDefs,
  kCountFilesWithHash,
  kDeleteBlob,
  kStmtCount
};

constexpr const char* kStatements[kStmtCount] = {
    "SELECT path, hash, size, mtime_ns, language FROM files ORDER BY path",
    "SELECT path, hash, size, mtime_ns, language FROM files WHERE path = ?1",
    "SELECT hash FROM blobs",
    "DELETE FROM defs WHERE hash = ?1",
    "DELETE FROM refs WHERE hash = ?1",
    "INSERT OR IGNORE INTO blobs(hash) VALUES (?1)",
    "INSERT INTO defs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    "INSERT INTO refs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    "INSERT INTO files(path, hash, size, mtime_ns, language) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(path) DO UPDATE SET hash = ?2, size = ?3, mtime_ns = ?4, language = ?5",
    "DELETE FROM files WHERE path = ?1",
    "SELECT kind, name, signature, doc, start_line, start_col, end_line, end_col, start_byte, "
    "end_byte FROM defs WHERE hash = ?1 ORDER BY start_byte, rowid",
    "SELECT name, start_line, start_col, end_line, end_col, start_byte, end_byte FROM refs "
    "WHERE hash = ?1 ORDER BY start_byte",
    "SELECT f.path, d.kind, d.name, d.signature, d.doc, d.start_line, d.start_col, d.end_line, "
    "d.end_col, d.start_byte, d.end_byte FROM defs d JOIN files f ON f.hash = d.hash "
    "WHERE d.name = ?1 ORDER BY f.path, d.start_byte",
    "SELECT EXISTS(SELECT 1 FROM files WHERE hash = ?1)",
    "DELETE FROM blobs WHERE hash = ?1",
};

}  // namespace

uint64_t ContentHash(std::string_view language, std::string_view text) {
  uint64_t seed = XXH3_64bits(language.data(), language.size());
  return XXH3_64bits_withSeed(text.data(), text.size(), seed);
}

base::StatusOr<std::unique_ptr<SymbolStore>> SymbolStore::Open(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return base::Unavailable("cannot open index " + path.string() + ": " + msg);
  }
  auto store = std::unique_ptr<SymbolStore>(new SymbolStore(db));
  sqlite3_busy_timeout(db, 5000);
  FC_RETURN_IF_ERROR(store->Exec(kSchema));
  for (const char* sql : kStatements) {
    FC_ASSIGN_OR_RETURN(sqlite3_stmt * s, store->Prepare(sql));
    store->statements_.push_back(s);
  }
  return store;
}

SymbolStore::~SymbolStore() {
  for (sqlite3_stmt* s : statements_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

base::Status SymbolStore::Error(std::string_view what) const {
  return base::Internal("index database: " + std::string(what) + ": " + sqlite3_errmsg(db_));
}

base::Status SymbolStore::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "?";
    sqlite3_free(err);
    return base::Internal("index database: " + msg);
  }
  return base::Status::Ok();
}

base::StatusOr<sqlite3_stmt*> SymbolStore::Prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    return Error("prepare");
  }
  return s;
}

base::Status SymbolStore::Begin() { return Exec("BEGIN"); }
base::Status SymbolStore::Commit() { return Exec("COMMIT"); }

base::StatusOr<std::vector<StoredFile>> SymbolStore::Files() {
  Use s(statements_[kSelectFiles]);
  std::vector<StoredFile> out;
  int rc;
  while ((rc = sqlite3_step(*s)) == SQLITE_ROW) out.push_back(ColumnFile(*s));
  if (rc != SQLITE_DONE) return Error("list files");
  return out;
}

base::StatusOr<std::optional<StoredFile>> SymbolStore::File(std::string_view path) {
  Use s(statements_[kSelectFile]);
  BindText(*s, 1, path);
  int rc = sqlite3_step(*s);
  if (rc == SQLITE_ROW) return std::optional<StoredFile>(ColumnFile(*s));
  if (rc != SQLITE_DONE) return Error("read file");
  return std::optional<StoredFile>();
}

base::StatusOr<std::unordered_set<uint64_t>> SymbolStore::BlobHashes() {
  Use s(statements_[kSelectBlobs]);
  std::unordered_set<uint64_t> out;
  int rc;
  while ((rc = sqlite3_step(*s)) == SQLITE_ROW) {
    out.insert(static_cast<uint64_t>(sqlite3_column_int64(*s, 0)));
  }
  if (rc != SQLITE_DONE) return Error("list blobs");
  return out;
}

base::Status SymbolStore::PutBlob(uint64_t hash, const FileSymbols& symbols) {
  for (Stmt st : {kDeleteDefs, kDeleteRefs, kInsertBlob}) {
    Use s(statements_[st]);
    sqlite3_bind_int64(*s, 1, Key(hash));
    if (sqlite3_step(*s) != SQLITE_DONE) return Error("store blob");
  }
  for (const Definition& d : symbols.definitions) {
    Use s(statements_[kInsertDef]);
    sqlite3_bind_int64(*s, 1, Key(hash));
    sqlite3_bind_int(*s, 2, static_cast<int>(d.kind));
    BindText(*s, 3, d.name);
    BindText(*s, 4, d.signature);
    BindText(*s, 5, d.doc);
    BindRange(*s, 6, d.range);
    if (sqlite3_step(*s) != SQLITE_DONE) return Error("store definition");
  }
  for (const Reference& r : symbols.references) {
    Use s(statements_[kInsertRef]);
    sqlite3_bind_int64(*s, 1, Key(hash));
    BindText(*s, 2, r.name);
    BindRange(*s, 3, r.range);
    if (sqlite3_step(*s) != SQLITE_DONE) return Error("store reference");
  }
  return base::Status::Ok();
}

base::Status SymbolStore::PutFile(const StoredFile& f) {
  Use s(statements_[kUpsertFile]);
  BindText(*s, 1, f.path);
  sqlite3_bind_int64(*s, 2, Key(f.hash));
  sqlite3_bind_int64(*s, 3, static_cast<int64_t>(f.size));
  sqlite3_bind_int64(*s, 4, f.mtime_ns);
  BindText(*s, 5, f.language);
  if (sqlite3_step(*s) != SQLITE_DONE) return Error("store file");
  return base::Status::Ok();
}

base::Status SymbolStore::RemoveFile(std::string_view path) {
  Use s(statements_[kDeleteFile]);
  BindText(*s, 1, path);
  if (sqlite3_step(*s) != SQLITE_DONE) return Error("remove file");
  return base::Status::Ok();
}

base::Status SymbolStore::DropUnreferencedBlobs() {
  return Exec(
      "CREATE TEMP TABLE IF NOT EXISTS dead(hash INTEGER PRIMARY KEY);"
      "DELETE FROM dead;"
      "INSERT INTO dead SELECT hash FROM blobs WHERE hash NOT IN (SELECT hash FROM files);"
      "DELETE FROM defs WHERE hash IN dead;"
      "DELETE FROM refs WHERE hash IN dead;"
      "DELETE FROM blobs WHERE hash IN dead;");
}

base::Status SymbolStore::DropBlobIfUnreferenced(uint64_t hash) {
  {
    Use s(statements_[kCountFilesWithHash]);
    sqlite3_bind_int64(*s, 1, Key(hash));
    if (sqlite3_step(*s) != SQLITE_ROW) return Error("check blob");
    if (sqlite3_column_int(*s, 0) != 0) return base::Status::Ok();
  }
  for (Stmt st : {kDeleteDefs, kDeleteRefs, kDeleteBlob}) {
    Use s(statements_[st]);
    sqlite3_bind_int64(*s, 1, Key(hash));
    if (sqlite3_step(*s) != SQLITE_DONE) return Error("drop blob");
  }
  return base::Status::Ok();
}

base::StatusOr<FileSymbols> SymbolStore::Symbols(uint64_t hash) {
  FileSymbols out;
  {
    Use s(statements_[kSelectDefs]);
    sqlite3_bind_int64(*s, 1, Key(hash));
    int rc;
    while ((rc = sqlite3_step(*s)) == SQLITE_ROW)
      out.definitions.push_back(ColumnDefinition(*s, 0));
    if (rc != SQLITE_DONE) return Error("read definitions");
  }
  Use s(statements_[kSelectRefs]);
  sqlite3_bind_int64(*s, 1, Key(hash));
  int rc;
  while ((rc = sqlite3_step(*s)) == SQLITE_ROW) {
    out.references.push_back(Reference{ColumnText(*s, 0), ColumnRange(*s, 1)});
  }
  if (rc != SQLITE_DONE) return Error("read references");
  return out;
}

base::StatusOr<std::vector<DefinitionSite>> SymbolStore::FindDefinitions(std::string_view name) {
  Use s(statements_[kFindDefs]);
  BindText(*s, 1, name);
  std::vector<DefinitionSite> out;
  int rc;
  while ((rc = sqlite3_step(*s)) == SQLITE_ROW) {
    out.push_back(DefinitionSite{ColumnText(*s, 0), ColumnDefinition(*s, 1)});
  }
  if (rc != SQLITE_DONE) return Error("find definitions");
  return out;
}

base::Status SymbolStore::ForEachFile(
    const std::function<void(const StoredFile&, FileSymbols&&)>& fn) {
  FC_ASSIGN_OR_RETURN(std::vector<StoredFile> files, Files());
  for (const StoredFile& f : files) {
    FC_ASSIGN_OR_RETURN(FileSymbols symbols, Symbols(f.hash));
    fn(f, std::move(symbols));
  }
  return base::Status::Ok();
}

}  // namespace tools
