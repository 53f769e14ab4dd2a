#include "tools/code/language.h"

#include <doctest/doctest.h>

#include <string>

namespace tools {
namespace {

std::string Detect(std::string_view path, std::string_view head = "") {
  const LanguageInfo* info = DetectLanguage(path, head);
  return info == nullptr ? "none" : std::string(info->name);
}

TEST_CASE("extensions pick the language, case-insensitively") {
  CHECK(Detect("src/a.py") == "python");
  CHECK(Detect("a/b/c.CPP") == "cpp");
  CHECK(Detect("x.cc") == "cpp");
  CHECK(Detect("x.c") == "c");
  CHECK(Detect("index.mjs") == "javascript");
  CHECK(Detect("app.ts") == "typescript");
  CHECK(Detect("view.tsx") == "tsx");
  CHECK(Detect("main.go") == "go");
  CHECK(Detect("lib.rs") == "rust");
  CHECK(Detect("A.java") == "java");
  CHECK(Detect("run.sh") == "bash");
  CHECK(Detect("package.json") == "json");
  CHECK(Detect("x.rb") == "ruby");
  CHECK(Detect("P.cs") == "c_sharp");
  CHECK(Detect("i.php") == "php");
  CHECK(Detect("init.lua") == "lua");
  CHECK(Detect("README.md") == "none");
  CHECK(Detect("Makefile") == "none");
  CHECK(Detect(".hidden") == "none");
}

TEST_CASE("file names without extensions") {
  CHECK(Detect("repo/Rakefile") == "ruby");
  CHECK(Detect("Gemfile") == "ruby");
  CHECK(Detect("home/.bashrc") == "bash");
}

TEST_CASE("shebang lines decide for extension-less scripts") {
  CHECK(Detect("bin/tool", "#!/usr/bin/env python3\nprint(1)\n") == "python");
  CHECK(Detect("bin/tool", "#!/usr/bin/python3.11 -u\n") == "python");
  CHECK(Detect("bin/tool", "#!/bin/bash\nset -e\n") == "bash");
  CHECK(Detect("bin/tool", "#!/bin/sh") == "bash");
  CHECK(Detect("bin/tool", "#!/usr/bin/env -S node --no-warnings\n") == "javascript");
  CHECK(Detect("bin/tool", "#! /usr/bin/env ruby\n") == "ruby");
  CHECK(Detect("bin/tool", "#!/usr/bin/perl\n") == "none");
  CHECK(Detect("bin/tool", "no shebang\n") == "none");
  CHECK(Detect("bin/tool", "#!") == "none");
}

TEST_CASE("Emacs mode lines name the language of extension-less files") {
  CHECK(Detect("c++/12/vector", "// <vector> -*- C++ -*-\n") == "cpp");
  CHECK(Detect("tool", "#!/bin/weird\n# -*- mode: python; coding: utf-8 -*-\n") == "python");
  CHECK(Detect("conf", "// -*- mode: cobol -*-\n") == "none");
  CHECK(Detect("notes", "line one\nline two\n-*- C++ -*- on line three\n") == "none");
}

TEST_CASE(".h headers are C unless the content looks like C++") {
  CHECK(Detect("x.h", "#include <stdio.h>\nint f(void);\n") == "c");
  CHECK(Detect("x.h", "#pragma once\nnamespace a { class B; }\n") == "cpp");
  CHECK(Detect("x.h", "") == "c");
  CHECK(Detect("x.h", "/* the device class driver */\nstruct dev;\n") == "c");
  CHECK(Detect("x.h", "#include <stdio.h>\n#include <linux/types.h>\n") == "c");
  CHECK(Detect("x.h", "#include <vector>\nint f();\n") == "cpp");
  CHECK(Detect("x.h", "  template <typename T>\nT f();\n") == "cpp");
  CHECK(Detect("x.h", "int f(std::string s);\n") == "cpp");
}

TEST_CASE("every language can be found by name and its grammar loads") {
  for (const LanguageInfo& info : AllLanguages()) {
    CHECK(LanguageByName(info.name) == &info);
    CHECK(info.grammar() != nullptr);
  }
  CHECK(LanguageByName("cobol") == nullptr);
}

}  // namespace
}  // namespace tools
