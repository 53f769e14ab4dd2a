#include "base/xdg_paths.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace base {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : std::string();
}

std::string Home() {
  std::string home = Env("HOME");
  if (!home.empty()) return home;
  if (const passwd* pw = getpwuid(getuid())) return pw->pw_dir;
  return "/tmp";
}

std::string XdgOr(const char* var, const char* fallback_under_home) {
  std::string base = Env(var);
  if (base.empty()) base = Home() + "/" + fallback_under_home;
  return base + "/flashcode";
}

}  // namespace

std::string RuntimeDir() {
  std::string base = Env("XDG_RUNTIME_DIR");
  if (!base.empty()) return base + "/flashcode";
  return "/tmp/flashcode-" + std::to_string(getuid());
}

std::string StateDir() { return XdgOr("XDG_STATE_HOME", ".local/state"); }
std::string ConfigDir() { return XdgOr("XDG_CONFIG_HOME", ".config"); }
std::string CacheDir() { return XdgOr("XDG_CACHE_HOME", ".cache"); }

Status MakeDirs(const std::string& path, unsigned mode, bool private_only) {
  if (path.empty()) return InvalidArgument("empty directory path");
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    bool last = pos == path.size();
    if (mkdir(prefix.c_str(), last ? mode : 0755) != 0 && errno != EEXIST) {
      return PermissionDenied("cannot create directory " + prefix + ": " + std::strerror(errno));
    }
  }
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return NotFound("cannot stat " + path + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return FailedPrecondition(path + " exists and is not a directory");
  if (private_only) {
    if (st.st_uid != getuid()) {
      return PermissionDenied(path + " is owned by another user (uid " + std::to_string(st.st_uid) +
                              ")");
    }
    if ((st.st_mode & 077) != 0 && chmod(path.c_str(), mode) != 0) {
      return PermissionDenied(
          path + " is accessible to other users and cannot be restricted: " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

}  // namespace base
