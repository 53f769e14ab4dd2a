// `flashcode complete FILE:LINE:COLUMN`: asks the daemon for an inline completion at a position
// in a file (what an editor plugin does on every pause in typing) and streams the inserted text
// to stdout. LINE and COLUMN are 1-based; COLUMN counts bytes. Returns the exit code.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "cli/daemon_connection.h"

namespace cli {

struct CompleteOptions {
  std::string location;  // FILE:LINE:COLUMN
  uint32_t max_tokens = 64;
  bool single_line = false;
  std::string workspace;  // absolute; the file path is sent relative to it
};

int RunComplete(const ConnectionOptions& connection, const CompleteOptions& options,
                std::ostream& out, std::ostream& err);

}  // namespace cli
