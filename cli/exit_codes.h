// Exit codes of the `flashcode` command. Scripts may rely on them; they never change meaning.
#pragma once

namespace cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;              // the operation failed (message says why)
inline constexpr int kExitUsage = 2;              // bad command line
inline constexpr int kExitNoDaemon = 3;           // no daemon running and --no-start given
inline constexpr int kExitPermissionDenied = 4;   // the socket exists but is not ours
inline constexpr int kExitVersionMismatch = 5;    // a daemon of another version is running
inline constexpr int kExitDaemonStartFailed = 6;  // could not start the daemon
inline constexpr int kExitUnauthenticated = 7;    // TCP token missing or wrong
inline constexpr int kExitLimit = 8;              // an agent turn stopped at a limit
inline constexpr int kExitCancelled = 9;          // an agent turn was cancelled (e.g. Ctrl-C)
inline constexpr int kExitFindings = 10;          // review: a finding at or above --fail-on

}  // namespace cli
