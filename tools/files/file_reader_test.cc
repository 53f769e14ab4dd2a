#include "tools/files/file_reader.h"

#include <doctest/doctest.h>

#include "tools/files/dir_listing.h"
#include "tools/files/file_writer.h"
#include "tools/files/temp_dir_for_test.h"

namespace tools {
namespace {

using base::StatusCode;

TEST_CASE("read_file returns line ranges with their numbers") {
  TempDir dir;
  dir.Write("f.txt", "one\ntwo\nthree\nfour");
  auto ws = std::move(Workspace::Open(dir.path()).value());
  FileText all = ReadTextFile(*ws, "f.txt", {}).value();
  CHECK(all == FileText{"one\ntwo\nthree\nfour", 1, 4, 4, 18, false, false});
  FileText mid = ReadTextFile(*ws, "f.txt", {.first_line = 2, .last_line = 3}).value();
  CHECK(mid == FileText{"two\nthree\n", 2, 3, 4, 18, false, false});
  FileText tail = ReadTextFile(*ws, "f.txt", {.first_line = 4, .last_line = 100}).value();
  CHECK(tail.text == "four");
  CHECK(ReadTextFile(*ws, "f.txt", {.first_line = 9}).status().code() == StatusCode::kOutOfRange);
  CHECK(ReadTextFile(*ws, "f.txt", {.first_line = 3, .last_line = 2}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(ReadTextFile(*ws, "missing", {}).status().code() == StatusCode::kNotFound);
  CHECK(ReadTextFile(*ws, ".", {}).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("read_file caps bytes at a line boundary and detects binary files") {
  TempDir dir;
  std::string big;
  for (int i = 0; i < 1000; ++i) big += "line " + std::to_string(i) + "\n";
  dir.Write("big.txt", big);
  dir.Write("bin.dat", std::string("PK\x03\x04\0\0data", 10));
  auto ws = std::move(Workspace::Open(dir.path()).value());
  FileText capped = ReadTextFile(*ws, "big.txt", {.max_bytes = 100}).value();
  CHECK(capped.truncated);
  CHECK(capped.text.size() <= 100);
  CHECK(capped.text.back() == '\n');
  CHECK(capped.last_line == 13);  // ten 7-byte lines, then three 8-byte lines: 94 bytes
  CHECK(capped.total_lines == 1000);
  FileText bin = ReadTextFile(*ws, "bin.dat", {}).value();
  CHECK(bin.binary);
  CHECK(bin.text.empty());
  dir.Write("one_line.txt", std::string(500, 'y'));
  FileText huge_line = ReadTextFile(*ws, "one_line.txt", {.max_bytes = 50}).value();
  CHECK(huge_line.text == std::string(50, 'y'));
  CHECK(huge_line.truncated);
  CHECK(huge_line.first_line == 1);
  CHECK(ReadTextFile(*ws, "big.txt", {.max_file_bytes = 1000}).status().code() ==
        StatusCode::kResourceExhausted);
}

TEST_CASE("write_file is atomic, keeps the mode and creates parents") {
  TempDir dir;
  std::string script = dir.Write("run.sh", "#!/bin/sh\necho old\n");
  REQUIRE(::chmod(script.c_str(), 0750) == 0);
  auto ws = std::move(Workspace::Open(dir.path()).value());
  REQUIRE(WriteFileAtomic(*ws, "run.sh", "#!/bin/sh\necho new\n").ok());
  struct stat st;
  REQUIRE(::stat(script.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0750);
  CHECK(dir.Read("run.sh") == "#!/bin/sh\necho new\n");
  REQUIRE(WriteFileAtomic(*ws, "a/b/c.txt", "deep").ok());
  CHECK(dir.Read("a/b/c.txt") == "deep");
  CHECK(WriteFileAtomic(*ws, "a/b/c.txt", "again", {.must_not_exist = true}).code() ==
        StatusCode::kAlreadyExists);
  // No temporaries are left behind.
  DirListing listing = ListDirectory(*ws, "a/b").value();
  REQUIRE(listing.entries.size() == 1);
  CHECK(listing.entries[0] == DirEntry{"c.txt", 'f', 4});
}

TEST_CASE("list_dir sorts entries and reports their kinds") {
  TempDir dir;
  dir.Write("b.txt", "12345");
  dir.Write("a/x", "");
  REQUIRE(::symlink("b.txt", (dir / "c").c_str()) == 0);
  auto ws = std::move(Workspace::Open(dir.path()).value());
  DirListing listing = ListDirectory(*ws, "").value();
  std::vector<DirEntry> want = {{"a", 'd', 0}, {"b.txt", 'f', 5}, {"c", 'l', 0}};
  CHECK(listing.entries == want);
  CHECK(ListDirectory(*ws, "", 2).value().truncated);
  CHECK(ListDirectory(*ws, "b.txt").status().code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tools
