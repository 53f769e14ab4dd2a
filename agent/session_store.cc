#include "agent/session_store.h"

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "agent/event_json.h"

namespace agent {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, title TEXT NOT NULL, workspace_root TEXT NOT NULL, model TEXT NOT NULL,
  policy INTEGER NOT NULL, reasoning INTEGER NOT NULL, created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL, turn_count INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens INTEGER NOT NULL DEFAULT 0, last_event_seq INTEGER NOT NULL DEFAULT 0,
  max_model_calls INTEGER NOT NULL, max_output_tokens INTEGER NOT NULL,
  max_wall_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  ord REAL NOT NULL, role INTEGER NOT NULL, content TEXT NOT NULL, reasoning TEXT NOT NULL,
  tool_calls TEXT NOT NULL, tool_call_id TEXT NOT NULL, is_error INTEGER NOT NULL,
  created_ms INTEGER NOT NULL, turn_id TEXT NOT NULL, compacted INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS messages_by_session ON messages(session_id, ord);
CREATE TABLE IF NOT EXISTS events (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL, turn_id TEXT NOT NULL, time_ms INTEGER NOT NULL, kind TEXT NOT NULL,
  payload TEXT NOT NULL, PRIMARY KEY (session_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS turns (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  turn_id TEXT NOT NULL, n INTEGER NOT NULL, started_ms INTEGER NOT NULL,
  snapshot_ref TEXT NOT NULL DEFAULT '', undone INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (session_id, turn_id));
CREATE TABLE IF NOT EXISTS approvals (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  approval_id TEXT NOT NULL, tool TEXT NOT NULL, arguments TEXT NOT NULL,
  decision INTEGER NOT NULL, reason TEXT NOT NULL, time_ms INTEGER NOT NULL);
)sql";

constexpr char kSessionColumns[] =
    "id, title, workspace_root, model, policy, reasoning, created_ms, updated_ms, turn_count, "
    "prompt_tokens, completion_tokens, reasoning_tokens, last_event_seq, max_model_calls, "
    "max_output_tokens, max_wall_ms";

SessionInfo SessionFromRow(const Statement& s) {
  SessionInfo info;
  info.id = s.Text(0);
  info.title = s.Text(1);
  info.workspace_root = s.Text(2);
  info.model = s.Text(3);
  info.policy = static_cast<ApprovalMode>(s.Int(4));
  info.reasoning = static_cast<ReasoningEffort>(s.Int(5));
  info.created_unix_ms = s.Int(6);
  info.updated_unix_ms = s.Int(7);
  info.turn_count = static_cast<uint32_t>(s.Int(8));
  info.usage = {s.Int(9), s.Int(10), s.Int(11)};
  info.last_event_seq = static_cast<uint64_t>(s.Int(12));
  info.limits = {static_cast<uint32_t>(s.Int(13)), static_cast<uint64_t>(s.Int(14)),
                 static_cast<uint32_t>(s.Int(15))};
  return info;
}

// A transaction that rolls back unless committed (so an early FC_RETURN_IF_ERROR undoes it).
class Transaction {
 public:
  explicit Transaction(SqliteDb& db) : db_(db) {}
  ~Transaction() {
    if (open_) (void)db_.Exec("ROLLBACK");
  }
  base::Status Begin() {
    FC_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
    open_ = true;
    return base::Status::Ok();
  }
  base::Status Commit() {
    open_ = false;
    return db_.Exec("COMMIT");
  }

 private:
  SqliteDb& db_;
  bool open_ = false;
};

}  // namespace

SessionStore::SessionStore(std::unique_ptr<SqliteDb> db, const base::Clock& clock)
    : clock_(clock), db_(std::move(db)), ids_(std::random_device{}()) {}

base::StatusOr<std::unique_ptr<SessionStore>> SessionStore::Open(const std::string& dir,
                                                                 const base::Clock& clock) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return base::PermissionDenied("cannot create " + dir + ": " + ec.message());
  // Sessions hold the user's code and commands: keep the directory to its owner.
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  if (ec) return base::PermissionDenied("cannot restrict " + dir + ": " + ec.message());
  FC_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(dir + "/sessions.db"));
  std::unique_ptr<SessionStore> store(new SessionStore(std::move(db), clock));
  std::lock_guard<std::mutex> lock(store->mu_);
  FC_RETURN_IF_ERROR(store->Migrate());
  return store;
}

base::Status SessionStore::Migrate() { return db_->Exec(kSchema); }

base::StatusOr<SessionInfo> SessionStore::Create(SessionInfo info) {
  std::lock_guard<std::mutex> lock(mu_);
  char id[24];
  std::snprintf(id, sizeof id, "s%016llx", static_cast<unsigned long long>(ids_()));
  info.id = id;
  info.created_unix_ms = info.updated_unix_ms = clock_.UnixMillis();
  info.turn_count = 0;
  info.usage = {};
  info.last_event_seq = 0;
  info.turn_running = false;
  FC_ASSIGN_OR_RETURN(Statement s,
                      db_->Prepare(std::string("INSERT INTO sessions (") + kSessionColumns +
                                   ") VALUES (?,?,?,?,?,?,?,?,0,0,0,0,0,?,?,?)"));
  s.Bind(1, info.id).Bind(2, info.title).Bind(3, info.workspace_root).Bind(4, info.model);
  s.Bind(5, static_cast<int64_t>(info.policy)).Bind(6, static_cast<int64_t>(info.reasoning));
  s.Bind(7, info.created_unix_ms).Bind(8, info.updated_unix_ms);
  s.Bind(9, static_cast<int64_t>(info.limits.max_model_calls));
  s.Bind(10, static_cast<int64_t>(info.limits.max_output_tokens));
  s.Bind(11, static_cast<int64_t>(info.limits.max_wall_ms));
  FC_RETURN_IF_ERROR(s.Run());
  return info;
}

base::StatusOr<SessionInfo> SessionStore::GetLocked(const std::string& id) {
  FC_ASSIGN_OR_RETURN(Statement s, db_->Prepare(std::string("SELECT ") + kSessionColumns +
                                                " FROM sessions WHERE id = ?"));
  s.Bind(1, id);
  FC_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return base::NotFound("unknown session " + id);
  return SessionFromRow(s);
}

base::StatusOr<SessionInfo> SessionStore::Get(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return GetLocked(id);
}

base::StatusOr<std::vector<SessionInfo>> SessionStore::List(const std::string& workspace_root,
                                                            size_t limit, size_t offset) {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(Statement s,
                      db_->Prepare(std::string("SELECT ") + kSessionColumns +
                                   " FROM sessions WHERE (?1 = '' OR workspace_root = ?1)"
                                   " ORDER BY updated_ms DESC, id LIMIT ?2 OFFSET ?3"));
  s.Bind(1, workspace_root)
      .Bind(2, static_cast<int64_t>(limit))
      .Bind(3, static_cast<int64_t>(offset));
  std::vector<SessionInfo> out;
  while (true) {
    FC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(SessionFromRow(s));
  }
  return out;
}

base::Status SessionStore::Update(const SessionInfo& info) {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(Statement s,
                      db_->Prepare("UPDATE sessions SET title=?, model=?, policy=?, reasoning=?,"
                                   " max_model_calls=?, max_output_tokens=?, max_wall_ms=?,"
                                   " updated_ms=? WHERE id=?"));
  s.Bind(1, info.title).Bind(2, info.model).Bind(3, static_cast<int64_t>(info.policy));
  s.Bind(4, static_cast<int64_t>(info.reasoning));
  s.Bind(5, static_cast<int64_t>(info.limits.max_model_calls));
  s.Bind(6, static_cast<int64_t>(info.limits.max_output_tokens));
  s.Bind(7, static_cast<int64_t>(info.limits.max_wall_ms));
  s.Bind(8, clock_.UnixMillis()).Bind(9, info.id);
  FC_RETURN_IF_ERROR(s.Run());
  if (db_->Changes() == 0) return base::NotFound("unknown session " + info.id);
  return base::Status::Ok();
}

base::Status SessionStore::Delete(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(Statement s, db_->Prepare("DELETE FROM sessions WHERE id = ?"));
  s.Bind(1, id);
  FC_RETURN_IF_ERROR(s.Run());
  if (db_->Changes() == 0) return base::NotFound("unknown session " + id);
  return base::Status::Ok();
}

base::Status SessionStore::Touch(const std::string& id) {
  FC_ASSIGN_OR_RETURN(Statement s, db_->Prepare("UPDATE sessions SET updated_ms=? WHERE id=?"));
  s.Bind(1, clock_.UnixMillis()).Bind(2, id);
  return s.Run();
}

base::StatusOr<std::string> SessionStore::BeginTurn(const std::string& session_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(*db_);
  FC_RETURN_IF_ERROR(tx.Begin());
  FC_ASSIGN_OR_RETURN(SessionInfo info, GetLocked(session_id));
  const int64_t n = info.turn_count + 1;
  const std::string turn_id = "t" + std::to_string(n);
  FC_ASSIGN_OR_RETURN(Statement up, db_->Prepare("UPDATE sessions SET turn_count=?, updated_ms=?"
                                                 " WHERE id=?"));
  up.Bind(1, n).Bind(2, clock_.UnixMillis()).Bind(3, session_id);
  FC_RETURN_IF_ERROR(up.Run());
  FC_ASSIGN_OR_RETURN(Statement ins, db_->Prepare("INSERT INTO turns (session_id, turn_id, n,"
                                                  " started_ms) VALUES (?,?,?,?)"));
  ins.Bind(1, session_id).Bind(2, turn_id).Bind(3, n).Bind(4, clock_.UnixMillis());
  FC_RETURN_IF_ERROR(ins.Run());
  FC_RETURN_IF_ERROR(tx.Commit());
  return turn_id;
}

base::Status SessionStore::SetTurnSnapshot(const std::string& session_id,
                                           const std::string& turn_id,
                                           const std::string& snapshot_ref) {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(Statement s, db_->Prepare("UPDATE turns SET snapshot_ref=?"
                                                " WHERE session_id=? AND turn_id=?"));
  s.Bind(1, snapshot_ref).Bind(2, session_id).Bind(3, turn_id);
  FC_RETURN_IF_ERROR(s.Run());
  if (db_->Changes() == 0) return base::NotFound("unknown turn " + turn_id);
  return base::Status::Ok();
}

base::StatusOr<std::optional<TurnSnapshot>> SessionStore::LastSnapshot(
    const std::string& session_id) {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(Statement s,
                      db_->Prepare("SELECT turn_id, snapshot_ref FROM turns WHERE session_id=?"
                                   " AND snapshot_ref != '' AND undone = 0 ORDER BY n DESC"
                                   " LIMIT 1"));
  s.Bind(1, session_id);
  FC_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<TurnSnapshot>();
  return std::optional<TurnSnapshot>(TurnSnapshot{s.Text(0), s.Text(1)});
}

base::Status SessionStore::MarkUndone(const std::string& session_id, const std::string& turn_id) {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(Statement s,
                      db_->Prepare("UPDATE turns SET undone=1 WHERE session_id=? AND turn_id=?"));
  s.Bind(1, session_id).Bind(2, turn_id);
  return s.Run();
}

base::Status SessionStore::AppendMessage(const std::string& session_id, const Message& m) {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(
      Statement s,
      db_->Prepare("INSERT INTO messages (session_id, ord, role, content, reasoning, tool_calls,"
                   " tool_call_id, is_error, created_ms, turn_id) VALUES (?1, (SELECT"
                   " COALESCE(MAX(ord), 0) + 1 FROM messages WHERE session_id = ?1),"
                   " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  s.Bind(1, session_id).Bind(2, static_cast<int64_t>(m.role)).Bind(3, m.content);
  s.Bind(4, m.reasoning).Bind(5, EncodeToolCalls(m.tool_calls)).Bind(6, m.tool_call_id);
  s.Bind(7, static_cast<int64_t>(m.is_error));
  s.Bind(8, m.created_unix_ms ? m.created_unix_ms : clock_.UnixMillis()).Bind(9, m.turn_id);
  FC_RETURN_IF_ERROR(s.Run());
  return Touch(session_id);
}

base::StatusOr<std::vector<Message>> SessionStore::Messages(const std::string& session_id,
                                                            bool include_compacted) {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(
      Statement s,
      db_->Prepare("SELECT role, content, reasoning, tool_calls, tool_call_id, is_error,"
                   " created_ms, turn_id FROM messages WHERE session_id = ? AND (? OR compacted"
                   " = 0) ORDER BY ord"));
  s.Bind(1, session_id).Bind(2, static_cast<int64_t>(include_compacted));
  std::vector<Message> out;
  while (true) {
    FC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    Message m;
    m.role = static_cast<Role>(s.Int(0));
    m.content = s.Text(1);
    m.reasoning = s.Text(2);
    FC_ASSIGN_OR_RETURN(m.tool_calls, DecodeToolCalls(s.Text(3)));
    m.tool_call_id = s.Text(4);
    m.is_error = s.Int(5) != 0;
    m.created_unix_ms = s.Int(6);
    m.turn_id = s.Text(7);
    out.push_back(std::move(m));
  }
  return out;
}

base::Status SessionStore::Compact(const std::string& session_id, size_t count,
                                   const Message& summary) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(*db_);
  FC_RETURN_IF_ERROR(tx.Begin());
  // The summary takes an order just before the first message that stays visible.
  FC_ASSIGN_OR_RETURN(Statement hide,
                      db_->Prepare("UPDATE messages SET compacted = 1 WHERE rowid IN (SELECT"
                                   " rowid FROM messages WHERE session_id = ? AND compacted = 0"
                                   " ORDER BY ord LIMIT ?)"));
  hide.Bind(1, session_id).Bind(2, static_cast<int64_t>(count));
  FC_RETURN_IF_ERROR(hide.Run());
  FC_ASSIGN_OR_RETURN(
      Statement ins,
      db_->Prepare("INSERT INTO messages (session_id, ord, role, content, reasoning, tool_calls,"
                   " tool_call_id, is_error, created_ms, turn_id) VALUES (?1, (SELECT"
                   " COALESCE((SELECT MIN(ord) FROM messages WHERE session_id = ?1 AND compacted"
                   " = 0), (SELECT COALESCE(MAX(ord), 0) + 1 FROM messages WHERE session_id ="
                   " ?1)) - 0.5), ?2, ?3, '', '[]', '', 0, ?4, ?5)"));
  ins.Bind(1, session_id).Bind(2, static_cast<int64_t>(Role::kSummary)).Bind(3, summary.content);
  ins.Bind(4, clock_.UnixMillis()).Bind(5, summary.turn_id);
  FC_RETURN_IF_ERROR(ins.Run());
  return tx.Commit();
}

base::StatusOr<Event> SessionStore::AppendEvent(Event event) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(*db_);
  FC_RETURN_IF_ERROR(tx.Begin());
  FC_ASSIGN_OR_RETURN(Statement bump,
                      db_->Prepare("UPDATE sessions SET last_event_seq = last_event_seq + 1"
                                   " WHERE id = ? RETURNING last_event_seq"));
  bump.Bind(1, event.session_id);
  FC_ASSIGN_OR_RETURN(bool row, bump.Step());
  if (!row) return base::NotFound("unknown session " + event.session_id);
  event.seq = static_cast<uint64_t>(bump.Int(0));
  FC_RETURN_IF_ERROR(bump.Run());
  event.time_unix_ms = clock_.UnixMillis();
  EncodedPayload encoded = EncodePayload(event.payload);
  FC_ASSIGN_OR_RETURN(Statement ins, db_->Prepare("INSERT INTO events (session_id, seq, turn_id,"
                                                  " time_ms, kind, payload) VALUES"
                                                  " (?,?,?,?,?,?)"));
  ins.Bind(1, event.session_id).Bind(2, static_cast<int64_t>(event.seq)).Bind(3, event.turn_id);
  ins.Bind(4, event.time_unix_ms).Bind(5, encoded.kind).Bind(6, encoded.json);
  FC_RETURN_IF_ERROR(ins.Run());
  FC_RETURN_IF_ERROR(tx.Commit());
  return event;
}

base::StatusOr<std::vector<Event>> SessionStore::EventsAfter(const std::string& session_id,
                                                             uint64_t after_seq) {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(Statement s,
                      db_->Prepare("SELECT seq, turn_id, time_ms, kind, payload FROM events"
                                   " WHERE session_id = ? AND seq > ? ORDER BY seq"));
  s.Bind(1, session_id).Bind(2, static_cast<int64_t>(after_seq));
  std::vector<Event> out;
  while (true) {
    FC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    Event e;
    e.seq = static_cast<uint64_t>(s.Int(0));
    e.session_id = session_id;
    e.turn_id = s.Text(1);
    e.time_unix_ms = s.Int(2);
    FC_ASSIGN_OR_RETURN(e.payload, DecodePayload(s.Text(3), s.Text(4)));
    out.push_back(std::move(e));
  }
  return out;
}

base::Status SessionStore::RecordApproval(const std::string& session_id,
                                          const std::string& approval_id, const ToolCall& call,
                                          Decision decision, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(Statement s,
                      db_->Prepare("INSERT INTO approvals (session_id, approval_id, tool,"
                                   " arguments, decision, reason, time_ms) VALUES"
                                   " (?,?,?,?,?,?,?)"));
  s.Bind(1, session_id).Bind(2, approval_id).Bind(3, call.name).Bind(4, call.arguments_json);
  s.Bind(5, static_cast<int64_t>(decision)).Bind(6, reason).Bind(7, clock_.UnixMillis());
  return s.Run();
}

base::StatusOr<std::vector<ToolCall>> SessionStore::SessionApprovals(
    const std::string& session_id) {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(Statement s, db_->Prepare("SELECT approval_id, tool, arguments FROM"
                                                " approvals WHERE session_id = ? AND"
                                                " decision = ?"));
  s.Bind(1, session_id).Bind(2, static_cast<int64_t>(Decision::kApproveForSession));
  std::vector<ToolCall> out;
  while (true) {
    FC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({s.Text(0), s.Text(1), s.Text(2)});
  }
  return out;
}

base::Status SessionStore::AddUsage(const std::string& session_id, const Usage& u) {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(Statement s,
                      db_->Prepare("UPDATE sessions SET prompt_tokens = prompt_tokens + ?,"
                                   " completion_tokens = completion_tokens + ?,"
                                   " reasoning_tokens = reasoning_tokens + ? WHERE id = ?"));
  s.Bind(1, u.prompt_tokens).Bind(2, u.completion_tokens).Bind(3, u.reasoning_tokens);
  s.Bind(4, session_id);
  return s.Run();
}

base::StatusOr<std::vector<std::pair<std::string, std::string>>> SessionStore::UnfinishedTurns() {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(Statement s,
                      db_->Prepare("SELECT e.session_id, e.turn_id FROM events e JOIN (SELECT"
                                   " session_id, MAX(seq) AS last FROM events GROUP BY"
                                   " session_id) x ON e.session_id = x.session_id AND e.seq ="
                                   " x.last WHERE e.kind NOT IN ('done', 'error')"));
  std::vector<std::pair<std::string, std::string>> out;
  while (true) {
    FC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.emplace_back(s.Text(0), s.Text(1));
  }
  return out;
}

}  // namespace agent
