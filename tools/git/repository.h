// Repository: one open git repository (libgit2) and the translation of libgit2's int error
// codes into base::Status — the only place that happens (conventions §1). The operations
// (status, diff, history, blame, branches, commit, snapshots) are free functions in their own
// files taking a Repository&.
//
// Owned by whoever opened it. Thread-compatible: libgit2 allows one repository object per
// thread; open one per worker rather than sharing.
#pragma once

#include <git2.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "tools/git/git_handles.h"

namespace tools {

// The Status for a libgit2 return code `rc` (< 0), with libgit2's last error message and
// `context` ("diff HEAD..workdir"). GIT_ENOTFOUND -> NotFound, GIT_EEXISTS -> AlreadyExists,
// GIT_ECONFLICT/GIT_EUNMERGED/GIT_EUNBORNBRANCH -> FailedPrecondition, GIT_EINVALIDSPEC/
// GIT_EAMBIGUOUS -> InvalidArgument, GIT_ELOCKED -> Unavailable, else Internal.
base::Status GitStatus(int rc, std::string_view context);

// FC_RETURN_IF_ERROR for libgit2 calls.
#define FC_GIT_CALL(expr, context)                                        \
  do {                                                                    \
    int fc_git_rc_ = (expr);                                              \
    if (fc_git_rc_ < 0) return ::tools::GitStatus(fc_git_rc_, (context)); \
  } while (0)

class Repository {
 public:
  // Opens the repository that contains `path` (searching upwards, like git). NotFound when
  // there is none. Bare repositories are refused (InvalidArgument): tools need a work tree.
  static base::StatusOr<std::unique_ptr<Repository>> Open(const std::string& path);
  ~Repository();
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;

  git_repository* raw() const { return repo_.get(); }
  // The work tree root, with a trailing slash removed.
  std::string workdir() const;

  // The commit a revision names ("HEAD", "main~2", an id prefix, a tag). NotFound/InvalidArgument.
  base::StatusOr<GitPtr<git_commit>> LookupCommit(std::string_view revision) const;
  // The signature for new commits: the configured user, else "flashcode <flashcode@localhost>".
  base::StatusOr<GitPtr<git_signature>> Signature() const;

 private:
  explicit Repository(git_repository* repo) : repo_(repo) {}
  GitPtr<git_repository> repo_;
};

// The hex id of `oid`.
std::string OidHex(const git_oid& oid);

}  // namespace tools
