#include "tools/code/symbol_store.h"

#include <doctest/doctest.h>

#include "tools/code/test_git_repo.h"

namespace tools {
namespace {

FileSymbols Sample() {
  FileSymbols s;
  s.definitions.push_back(Definition{SymbolKind::kClass, "Shape", "class Shape:", "# doc",
                                     SourceRange{1, 0, 9, 4, 10, 200}});
  s.definitions.push_back(Definition{SymbolKind::kMethod, "area", "def area(self):", "",
                                     SourceRange{2, 4, 3, 20, 30, 80}});
  s.references.push_back(Reference{"compute", SourceRange{3, 15, 3, 22, 70, 77}});
  return s;
}

TEST_CASE("symbols round-trip by content hash and survive a reopen") {
  TestGitRepo dir;  // just a fresh temporary directory
  std::filesystem::path db = dir.root() / "index.sqlite";
  const uint64_t hash = ContentHash("python", "class Shape: ...");
  CHECK(hash != ContentHash("ruby", "class Shape: ..."));  // the language seeds the hash
  {
    auto store = SymbolStore::Open(db);
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    REQUIRE((*store)->Begin().ok());
    REQUIRE((*store)->PutBlob(hash, Sample()).ok());
    REQUIRE((*store)->PutFile(StoredFile{"a.py", hash, 16, 123, "python"}).ok());
    REQUIRE((*store)->Commit().ok());
  }
  auto store = SymbolStore::Open(db);
  REQUIRE(store.ok());
  auto symbols = (*store)->Symbols(hash);
  REQUIRE(symbols.ok());
  CHECK(*symbols == Sample());
  auto files = (*store)->Files();
  REQUIRE(files.ok());
  CHECK(*files == std::vector<StoredFile>{{"a.py", hash, 16, 123, "python"}});
  auto found = (*store)->FindDefinitions("area");
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].path == "a.py");
  CHECK((*found)[0].definition == Sample().definitions[1]);
}

TEST_CASE("a blob is dropped only when no file refers to it") {
  auto store = SymbolStore::Open(":memory:");
  REQUIRE(store.ok());
  SymbolStore& s = **store;
  REQUIRE(s.PutBlob(7, Sample()).ok());
  REQUIRE(s.PutFile(StoredFile{"a.py", 7, 1, 1, "python"}).ok());
  REQUIRE(s.PutFile(StoredFile{"copy.py", 7, 1, 1, "python"}).ok());
  REQUIRE(s.RemoveFile("a.py").ok());
  REQUIRE(s.DropBlobIfUnreferenced(7).ok());
  CHECK(s.BlobHashes()->count(7) == 1);  // copy.py still uses it
  REQUIRE(s.RemoveFile("copy.py").ok());
  REQUIRE(s.DropBlobIfUnreferenced(7).ok());
  CHECK(s.BlobHashes()->empty());
  CHECK(s.Symbols(7)->definitions.empty());
  CHECK(s.FindDefinitions("Shape")->empty());
}

TEST_CASE("hashes with the top bit set survive SQLite's signed integers") {
  auto store = SymbolStore::Open(":memory:");
  REQUIRE(store.ok());
  const uint64_t big = 0xFEDCBA9876543210ull;
  REQUIRE((*store)->PutBlob(big, Sample()).ok());
  REQUIRE((*store)->PutFile(StoredFile{"x.py", big, 1, 1, "python"}).ok());
  CHECK((*store)->BlobHashes()->count(big) == 1);
  CHECK((*store)->File("x.py")->value().hash == big);
  CHECK(*(*store)->Symbols(big) == Sample());
}

TEST_CASE("an unopenable database is an error, not a crash") {
  auto store = SymbolStore::Open("/nonexistent-dir/fc/index.sqlite");
  CHECK(store.status().code() == base::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tools
