#include "tools/git/repository.h"

namespace tools {

base::Status GitStatus(int rc, std::string_view context) {
  const git_error* err = git_error_last();
  std::string msg =
      std::string(context) + ": " +
      (err != nullptr && err->message != nullptr ? err->message
                                                 : "libgit2 error " + std::to_string(rc));
  switch (rc) {
    case GIT_ENOTFOUND:
      return base::NotFound(std::move(msg));
    case GIT_EEXISTS:
      return base::AlreadyExists(std::move(msg));
    case GIT_ECONFLICT:
    case GIT_EUNMERGED:
    case GIT_EUNBORNBRANCH:
    case GIT_EBAREREPO:
    case GIT_ENONFASTFORWARD:
    case GIT_EUNCOMMITTED:
    case GIT_EDIRECTORY:
      return base::FailedPrecondition(std::move(msg));
    case GIT_EINVALIDSPEC:
    case GIT_EAMBIGUOUS:
    case GIT_EINVALID:
      return base::InvalidArgument(std::move(msg));
    case GIT_ELOCKED:
      return base::Unavailable(std::move(msg));
    case GIT_EUSER:
      return base::Cancelled(std::move(msg));
    default:
      return base::Internal(std::move(msg));
  }
}

std::string OidHex(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof(buf), &oid);
  return buf;
}

base::StatusOr<std::unique_ptr<Repository>> Repository::Open(const std::string& path) {
  // libgit2 keeps a global init count; each Repository holds one reference.
  git_libgit2_init();
  git_repository* raw = nullptr;
  int rc = git_repository_open_ext(&raw, path.c_str(), 0, nullptr);
  if (rc < 0) {
    base::Status status = GitStatus(rc, "open repository at " + path);
    git_libgit2_shutdown();
    return status;
  }
  std::unique_ptr<Repository> repo(new Repository(raw));
  if (git_repository_is_bare(raw)) return base::InvalidArgument(path + " is a bare repository");
  return repo;
}

Repository::~Repository() {
  repo_.reset();
  git_libgit2_shutdown();
}

std::string Repository::workdir() const {
  std::string dir = git_repository_workdir(repo_.get());
  if (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

base::StatusOr<GitPtr<git_commit>> Repository::LookupCommit(std::string_view revision) const {
  std::string rev(revision);
  git_object* obj = nullptr;
  FC_GIT_CALL(git_revparse_single(&obj, repo_.get(), rev.c_str()), "resolve '" + rev + "'");
  GitPtr<git_object> owned(obj);
  git_object* peeled = nullptr;
  FC_GIT_CALL(git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT), "'" + rev + "' is not a commit");
  return GitPtr<git_commit>(reinterpret_cast<git_commit*>(peeled));
}

base::StatusOr<GitPtr<git_signature>> Repository::Signature() const {
  git_signature* sig = nullptr;
  if (git_signature_default(&sig, repo_.get()) == 0) return GitPtr<git_signature>(sig);
  FC_GIT_CALL(git_signature_now(&sig, "flashcode", "flashcode@localhost"), "create signature");
  return GitPtr<git_signature>(sig);
}

}  // namespace tools
