// Where flashcode keeps its files, following the XDG base-directory spec.
//   runtime: $XDG_RUNTIME_DIR/flashcode, else /tmp/flashcode-<uid>   (socket, lock; 0700)
//   state:   $XDG_STATE_HOME/flashcode, else ~/.local/state/flashcode (sessions, logs)
//   config:  $XDG_CONFIG_HOME/flashcode, else ~/.config/flashcode     (config.toml)
//   cache:   $XDG_CACHE_HOME/flashcode, else ~/.cache/flashcode       (KV snapshots, index)
// Pure functions of the environment; thread-safe as long as nobody calls setenv concurrently.
#pragma once

#include <string>

#include "base/status.h"

namespace base {

std::string RuntimeDir();
std::string StateDir();
std::string ConfigDir();
std::string CacheDir();

// Creates `path` and missing parents; the last component gets `mode`. When `private_only`,
// refuses (PermissionDenied) a directory that exists but is owned by another user or is
// accessible to group/others, since a shared runtime dir would let others reach the socket.
Status MakeDirs(const std::string& path, unsigned mode, bool private_only);

}  // namespace base
