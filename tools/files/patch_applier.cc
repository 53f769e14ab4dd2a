#include "tools/files/patch_applier.h"

#include <fcntl.h>

#include <optional>

#include "tools/files/file_reader.h"
#include "tools/files/file_writer.h"
#include "tools/files/unified_diff.h"

namespace tools {
namespace {

// One file's planned change, with what was there before so a failed write can be undone.
struct Planned {
  PatchedFile report;
  std::string old_path;
  std::optional<std::string> old_content;  // nullopt: the file did not exist
  std::optional<std::string> new_content;  // nullopt: delete
};

base::StatusOr<std::optional<std::string>> ReadIfExists(const Workspace& workspace,
                                                        const std::string& path) {
  auto fd = workspace.OpenBeneath(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
  if (!fd.ok() && fd.status().code() == base::StatusCode::kNotFound) {
    return std::optional<std::string>();
  }
  if (!fd.ok()) return fd.status();
  FC_ASSIGN_OR_RETURN(std::string content, ReadAll(fd->get(), path, ReadOptions{}.max_file_bytes));
  return std::optional<std::string>(std::move(content));
}

base::StatusOr<Planned> Plan(const Workspace& workspace, const FilePatch& patch) {
  Planned plan;
  plan.old_path = patch.old_path;
  const std::string& target = patch.new_path.empty() ? patch.old_path : patch.new_path;
  plan.report.path = target;
  if (patch.old_path.empty()) {
    FC_ASSIGN_OR_RETURN(auto existing, ReadIfExists(workspace, target));
    if (existing) {
      return base::FailedPrecondition("the diff creates '" + target +
                                      "' but it already exists; nothing was changed");
    }
    plan.report.action = "created";
    FC_ASSIGN_OR_RETURN(std::string created, ApplyHunks("", patch));
    plan.new_content = std::move(created);
    return plan;
  }
  FC_ASSIGN_OR_RETURN(plan.old_content, ReadIfExists(workspace, patch.old_path));
  if (!plan.old_content) {
    return base::FailedPrecondition("the diff changes '" + patch.old_path +
                                    "' but it does not exist; nothing was changed");
  }
  if (LooksBinary(*plan.old_content)) {
    return base::InvalidArgument("'" + patch.old_path + "' is binary; nothing was changed");
  }
  FC_ASSIGN_OR_RETURN(std::string patched, ApplyHunks(*plan.old_content, patch));
  if (patch.new_path.empty()) {
    if (!patched.empty()) {
      return base::FailedPrecondition("the diff deletes '" + patch.old_path +
                                      "' but its content does not match; nothing was changed");
    }
    plan.report.action = "deleted";
    return plan;
  }
  plan.new_content = std::move(patched);
  plan.report.action =
      patch.old_path == patch.new_path ? "modified" : "renamed from " + patch.old_path;
  return plan;
}

// Undoes the first `count` plans (best effort; used only after a failed write).
void RollBack(const Workspace& workspace, const std::vector<Planned>& plans, size_t count) {
  for (size_t k = count; k-- > 0;) {
    const Planned& p = plans[k];
    if (p.report.path != p.old_path || !p.old_content) (void)RemoveFile(workspace, p.report.path);
    if (p.old_content) (void)WriteFileAtomic(workspace, p.old_path, *p.old_content);
  }
}

}  // namespace

base::StatusOr<std::vector<PatchedFile>> ApplyPatch(const Workspace& workspace,
                                                    std::string_view diff) {
  FC_ASSIGN_OR_RETURN(std::vector<FilePatch> patches, ParseUnifiedDiff(diff));
  std::vector<Planned> plans;
  for (const FilePatch& patch : patches) {
    for (const Planned& earlier : plans) {
      if (earlier.report.path == (patch.new_path.empty() ? patch.old_path : patch.new_path)) {
        return base::InvalidArgument("the diff changes '" + earlier.report.path +
                                     "' twice; nothing was changed");
      }
    }
    FC_ASSIGN_OR_RETURN(Planned plan, Plan(workspace, patch));
    plans.push_back(std::move(plan));
  }
  for (size_t k = 0; k < plans.size(); ++k) {
    const Planned& p = plans[k];
    base::Status status;
    if (p.new_content) {
      WriteOptions options;
      options.must_not_exist = !p.old_content || p.old_path != p.report.path;
      status = WriteFileAtomic(workspace, p.report.path, *p.new_content, options);
      if (status.ok() && p.old_content && p.old_path != p.report.path) {
        status = RemoveFile(workspace, p.old_path);
      }
    } else {
      status = RemoveFile(workspace, p.old_path);
    }
    if (!status.ok()) {
      RollBack(workspace, plans, k);
      return status.WithContext("applying the patch failed and was rolled back");
    }
  }
  std::vector<PatchedFile> done;
  for (Planned& p : plans) done.push_back(std::move(p.report));
  return done;
}

}  // namespace tools
