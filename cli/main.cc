// flashcode: the command-line client of flashcoded. Parses the command line and hands each
// subcommand to its Run* function; owns nothing else. Exit codes: cli/exit_codes.h.
#include <CLI/CLI.hpp>
#include <iostream>

#include "base/build_info.h"
#include "cli/agent_commands.h"
#include "cli/chat_command.h"
#include "cli/complete_command.h"
#include "cli/context_commands.h"
#include "cli/daemon_commands.h"
#include "cli/exit_codes.h"
#include "cli/model_commands.h"
#include "cli/review_command.h"
#include "cli/tool_command.h"

int main(int argc, char** argv) {
  CLI::App app{"flashcode: a local coding assistant (client of the flashcoded daemon)"};
  app.set_version_flag("--version", std::string(base::kVersion));
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand
  app.footer(
      "Exit codes: 0 ok, 1 error, 2 usage, 3 no daemon (--no-start), 4 permission denied on the\n"
      "socket, 5 daemon of another version, 6 daemon failed to start, 7 TCP token refused,\n"
      "8 agent turn stopped at a limit, 9 agent turn cancelled, 10 review finding at or above\n"
      "--fail-on.");

  cli::ConnectionOptions conn;
  app.add_option("--socket", conn.socket_path, "daemon socket (default: $FLASHCODE_SOCKET or "
                                               "$XDG_RUNTIME_DIR/flashcode/flashcoded.sock)");
  app.add_option("--address", conn.tcp_address, "reach the daemon over TCP host:port instead");
  app.add_option("--token-file", conn.token_file, "TCP bearer token file (else $FLASHCODE_TOKEN)");
  app.add_option("--config", conn.config_path, "config file for a daemon this command starts");
  app.add_flag("--no-start", conn.no_start, "fail instead of starting a daemon when none runs");

  bool json = false;
  auto* status = app.add_subcommand("status", "show the daemon's version, uptime, devices, model");
  status->add_flag("--json", json, "print JSON");

  auto* daemon = app.add_subcommand("daemon", "manage the background daemon");
  daemon->require_subcommand(1);
  daemon->fallthrough();
  auto* start = daemon->add_subcommand("start", "start flashcoded in the background");
  auto* stop = daemon->add_subcommand("stop", "stop the running flashcoded");
  auto* restart = daemon->add_subcommand("restart", "stop, then start flashcoded");
  auto* logs = daemon->add_subcommand("logs", "print the daemon's recent log lines");
  unsigned tail = 100;
  bool follow = false;
  logs->add_option("-n,--lines", tail, "how many recent lines (at most 10000)")
      ->check(CLI::Range(1u, 10000u));
  logs->add_flag("-f,--follow", follow, "keep printing new lines");

  std::string workspace;
  bool index_status = false;
  auto* index = app.add_subcommand("index", "index a workspace's code (default: current directory)");
  index->add_option("dir", workspace, "workspace directory");
  index->add_flag("--status", index_status, "only show what is indexed");
  std::string query;
  unsigned limit = 50;
  auto* symbols = app.add_subcommand("symbols", "find definitions by name in an indexed workspace");
  symbols->add_option("query", query, "name or part of a name")->required();
  symbols->add_option("-C,--workspace", workspace, "workspace directory (default: current)");
  symbols->add_option("--limit", limit, "most results")->check(CLI::Range(1u, 1000u));
  unsigned budget = 2048;
  std::vector<std::string> focus;
  auto* repo_map = app.add_subcommand("repo-map", "print the ranked outline of a workspace");
  repo_map->add_option("-C,--workspace", workspace, "workspace directory (default: current)");
  repo_map->add_option("--budget", budget, "token budget")->check(CLI::Range(64u, 65536u));
  repo_map->add_option("--focus", focus, "files to rank first (relative paths)");

  std::string tool_name, tool_args = "{}";
  bool tool_list = false;
  auto* tool = app.add_subcommand("tool", "run one built-in tool in a workspace (no daemon needed)");
  tool->add_option("name", tool_name, "tool name, e.g. read_file, shell (see --list)");
  tool->add_option("--args", tool_args, "arguments as a JSON object");
  tool->add_option("-C,--workspace", workspace, "workspace directory (default: current)");
  tool->add_flag("--list", tool_list, "list the tools and their argument schemas");

  cli::CompleteOptions complete_options;
  auto* complete = app.add_subcommand("complete", "complete the code at FILE:LINE:COLUMN (1-based)");
  complete->add_option("location", complete_options.location, "FILE:LINE:COLUMN")->required();
  complete->add_option("--max-tokens", complete_options.max_tokens, "most tokens to insert")
      ->check(CLI::Range(1u, 4096u));
  complete->add_flag("--single-line", complete_options.single_line, "stop at the end of the line");
  complete->add_option("-C,--workspace", workspace, "workspace directory (default: current)");

  cli::ReviewOptions review_options;
  auto* review = app.add_subcommand(
      "review", "review a diff (default: uncommitted changes) and report findings");
  review->add_option("-C,--workspace", workspace, "workspace directory (default: current)");
  review->add_option("--base", review_options.base,
                     "base revision (default: HEAD, or with --head only the merge-base with "
                     "origin/HEAD)");
  review->add_option("--head", review_options.head, "head revision (default: the working tree)");
  review->add_option("--diff", review_options.diff_file, "review a unified diff file (-: stdin)");
  review->add_option("--format", review_options.format, "markdown, sarif or github")
      ->check(CLI::IsMember({"markdown", "sarif", "github"}));
  review->add_option("-o,--output", review_options.output, "write here (atomically), not stdout");
  review->add_option("--fail-on", review_options.fail_on,
                     "exit 10 when a finding is at least this: info, warning, error or never")
      ->check(CLI::IsMember({"info", "warning", "error", "never"}));
  review->add_option("--min-severity", review_options.min_severity, "drop findings below this")
      ->check(CLI::IsMember({"info", "warning", "error"}));
  review->add_option("--min-confidence", review_options.min_confidence,
                     "drop findings the model is less sure of (0..1)")
      ->check(CLI::Range(0.0f, 1.0f));
  review->add_option("--max-findings", review_options.max_findings, "in all (default 50)")
      ->check(CLI::Range(1u, 10000u));
  review->add_option("--max-findings-per-file", review_options.max_findings_per_file,
                     "per file (default 10)")
      ->check(CLI::Range(1u, 10000u));
  review->add_option("--max-hunks", review_options.max_hunks, "hunks reviewed (default 200)")
      ->check(CLI::Range(1u, 100000u));
  review->add_option("--max-tokens-per-hunk", review_options.max_tokens_per_hunk,
                     "generation limit per hunk (default 256)")
      ->check(CLI::Range(1u, 4096u));
  review->add_option("--path", review_options.paths, "only these paths (globs; repeatable)");
  review->add_option("--instructions", review_options.instructions, "extra reviewer guidance");
  review->add_flag("-q,--quiet", review_options.quiet, "no progress on stderr");

  cli::ExecOptions exec_options;
  auto* exec = app.add_subcommand(
      "exec", "run one agent turn headless (exit 0 answer, 8 limit, 9 cancelled)");
  exec->add_option("task", exec_options.task, "what the agent should do")->required();
  exec->add_option("-C,--workspace", workspace, "workspace directory (default: current)");
  exec->add_option("--policy", exec_options.policy, "read-only, ask, auto-edit or full-auto")
      ->check(CLI::IsMember({"read-only", "ask", "auto-edit", "full-auto"}));
  exec->add_option("--approve", exec_options.approve, "answer approvals: all or none (deny)")
      ->check(CLI::IsMember({"all", "none"}));
  exec->add_flag("--json", exec_options.json, "print one JSON event per line");
  exec->add_option("--max-output-tokens", exec_options.max_output_tokens, "per turn (0: default)");
  exec->add_option("--max-model-calls", exec_options.max_model_calls, "per turn (0: default)");
  exec->add_option("--max-seconds", exec_options.max_seconds, "per turn (0: default)")
      ->check(CLI::Range(0u, 86400u));
  std::string session_id;
  cli::ChatOptions chat_options;
  auto* chat = app.add_subcommand("chat", "talk with the agent in this terminal (/exit to leave)");
  chat->add_option("-C,--workspace", workspace, "workspace directory (default: current)");
  chat->add_option("--resume", chat_options.resume_id, "continue a stored session");
  chat->add_option("--policy", chat_options.policy, "read-only, ask, auto-edit or full-auto");
  chat->add_option("--max-output-tokens", chat_options.max_output_tokens, "per turn (0: default)");

  auto* sessions = app.add_subcommand("sessions", "list, show or delete agent sessions");
  sessions->require_subcommand(1);
  sessions->fallthrough();
  auto* sessions_list = sessions->add_subcommand("list", "list sessions, newest first");
  sessions_list->add_option("-C,--workspace", workspace, "only this workspace's sessions");
  sessions_list->add_flag("--json", json, "one JSON object per line");
  auto* sessions_show = sessions->add_subcommand("show", "print a session and its messages");
  sessions_show->add_option("id", session_id, "session id")->required();
  sessions_show->add_flag("--json", json, "print JSON");
  auto* sessions_delete = sessions->add_subcommand("delete", "delete a session and its history");
  sessions_delete->add_option("id", session_id, "session id")->required();

  cli::ModelCommandLine model_cli(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? cli::kExitOk : cli::kExitUsage;
  }

  if (*status) return cli::RunStatus(conn, json, std::cout, std::cerr);
  if (*start) return cli::RunDaemonStart(conn, std::cout, std::cerr);
  if (*stop) return cli::RunDaemonStop(conn, std::cout, std::cerr);
  if (*restart) return cli::RunDaemonRestart(conn, std::cout, std::cerr);
  if (*logs) return cli::RunDaemonLogs(conn, tail, follow, std::cout, std::cerr);
  if (model_cli.Selected()) return model_cli.Run(std::cin, std::cout, std::cerr);
  if (*tool) {
    if (tool_name.empty() && !tool_list) {
      std::cerr << "flashcode: tool needs a NAME or --list\n";
      return cli::kExitUsage;
    }
    return cli::RunToolCommand(tool_name, tool_args, workspace, tool_list, std::cout, std::cerr);
  }
  if (*sessions_list) {
    std::string only = workspace.empty() ? "" : cli::AbsoluteWorkspace(workspace);
    return cli::RunSessionsList(conn, only, json, std::cout, std::cerr);
  }
  if (*sessions_show) return cli::RunSessionsShow(conn, session_id, json, std::cout, std::cerr);
  if (*sessions_delete) return cli::RunSessionsDelete(conn, session_id, std::cout, std::cerr);
  workspace = cli::AbsoluteWorkspace(workspace);
  if (*exec) {
    exec_options.workspace = workspace;
    return cli::RunExec(conn, exec_options, std::cout, std::cerr);
  }
  if (*chat) {
    chat_options.workspace = workspace;
    return cli::RunChat(conn, chat_options, std::cin, std::cout, std::cerr);
  }
  if (*review) {
    review_options.workspace = workspace;
    return cli::RunReview(conn, review_options, std::cin, std::cout, std::cerr);
  }
  if (*complete) {
    complete_options.workspace = workspace;
    return cli::RunComplete(conn, complete_options, std::cout, std::cerr);
  }
  if (*index) return cli::RunIndex(conn, workspace, index_status, std::cout, std::cerr);
  if (*symbols) return cli::RunSymbols(conn, workspace, query, limit, std::cout, std::cerr);
  if (*repo_map) return cli::RunRepoMap(conn, workspace, budget, focus, std::cout, std::cerr);
  return cli::kExitUsage;
}
