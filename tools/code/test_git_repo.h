// TestGitRepo: a real git repository in a fresh temporary directory, for tests of tools/code.
// Created with libgit2 (no external process); removed on destruction. Commits take an explicit
// time so tests about "last modified" order are deterministic. Thread-compatible. Test-only:
// included by *_test.cc files alone.
#pragma once

#include <doctest/doctest.h>
#include <git2.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace tools {

class TestGitRepo {
 public:
  TestGitRepo() {
    git_libgit2_init();
    std::string templ = (std::filesystem::temp_directory_path() / "fc-code-XXXXXX").string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    root_ = templ;
    REQUIRE(git_repository_init(&repo_, root_.c_str(), 0) == 0);
  }
  ~TestGitRepo() {
    git_repository_free(repo_);
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
    git_libgit2_shutdown();
  }
  TestGitRepo(const TestGitRepo&) = delete;
  TestGitRepo& operator=(const TestGitRepo&) = delete;

  const std::filesystem::path& root() const { return root_; }
  git_repository* repo() { return repo_; }

  void Write(const std::string& rel, const std::string& content) {
    std::filesystem::path p = root_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
  }
  void Remove(const std::string& rel) { std::filesystem::remove(root_ / rel); }

  // Stages `paths` (added or modified) and commits them at `unix_seconds`.
  void Commit(const std::vector<std::string>& paths, int64_t unix_seconds) {
    git_index* index = nullptr;
    REQUIRE(git_repository_index(&index, repo_) == 0);
    for (const std::string& p : paths) REQUIRE(git_index_add_bypath(index, p.c_str()) == 0);
    REQUIRE(git_index_write(index) == 0);
    git_oid tree_id, commit_id;
    REQUIRE(git_index_write_tree(&tree_id, index) == 0);
    git_index_free(index);
    git_tree* tree = nullptr;
    REQUIRE(git_tree_lookup(&tree, repo_, &tree_id) == 0);
    git_signature* sig = nullptr;
    REQUIRE(git_signature_new(&sig, "Test", "test@example.com", unix_seconds, 0) == 0);
    git_commit* parent = nullptr;
    git_oid head;
    bool has_parent = git_reference_name_to_id(&head, repo_, "HEAD") == 0;
    if (has_parent) REQUIRE(git_commit_lookup(&parent, repo_, &head) == 0);
    const git_commit* parents[] = {parent};
    REQUIRE(git_commit_create(&commit_id, repo_, "HEAD", sig, sig, nullptr, "test", tree,
                              has_parent ? 1 : 0, parents) == 0);
    git_commit_free(parent);
    git_signature_free(sig);
    git_tree_free(tree);
  }

 private:
  std::filesystem::path root_;
  git_repository* repo_ = nullptr;
};

}  // namespace tools
