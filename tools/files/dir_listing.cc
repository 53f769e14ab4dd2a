#include "tools/files/dir_listing.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

namespace tools {

base::StatusOr<DirListing> ListDirectory(const Workspace& workspace, std::string_view path,
                                         size_t max_entries) {
  FC_ASSIGN_OR_RETURN(UniqueFd fd, workspace.OpenBeneath(path, O_RDONLY | O_DIRECTORY));
  int dir_fd = fd.get();
  DIR* dir = ::fdopendir(fd.Release());
  if (dir == nullptr) return ErrnoStatus(errno, "cannot list", path);
  DirListing listing;
  while (dirent* ent = ::readdir(dir)) {
    std::string_view name = ent->d_name;
    if (name == "." || name == "..") continue;
    if (listing.entries.size() >= max_entries) {
      listing.truncated = true;
      break;
    }
    DirEntry entry;
    entry.name = std::string(name);
    struct stat st;
    if (::fstatat(dir_fd, ent->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      entry.type = S_ISREG(st.st_mode)   ? 'f'
                   : S_ISDIR(st.st_mode) ? 'd'
                   : S_ISLNK(st.st_mode) ? 'l'
                                         : '?';
      if (S_ISREG(st.st_mode)) entry.size = static_cast<uint64_t>(st.st_size);
    }
    listing.entries.push_back(std::move(entry));
  }
  ::closedir(dir);
  std::sort(listing.entries.begin(), listing.entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return listing;
}

}  // namespace tools
