// SqliteDb and Statement: the thin RAII layer over SQLite the SessionStore uses, and the one
// place SQLite result codes become base::Status (conventions §1).
// A SqliteDb is one connection: thread-compatible (the SessionStore serialises access).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace agent {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds parameters by 1-based index; chainable.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view value);
  // Advances: true when a row is available, false when done; an error Status on failure.
  base::StatusOr<bool> Step();
  // Runs to completion, ignoring rows.
  base::Status Run();

  int64_t Int(int column) const;
  std::string Text(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  // Opens (creating) the database at `path` in WAL mode with synchronous=NORMAL: a committed
  // transaction survives the process being killed (it is in the WAL, in the OS's cache), which
  // is the durability the agent promises; an OS crash may lose the last transactions.
  static base::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  base::Status Exec(const std::string& sql);
  base::StatusOr<Statement> Prepare(std::string_view sql);
  int64_t Changes() const;

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// The Status for SQLite result code `rc`, with the connection's message and `context`.
base::Status SqliteStatus(sqlite3* db, int rc, std::string_view context);

}  // namespace agent
