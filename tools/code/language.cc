// The language table. Grammar entry points are the C symbols the npm grammar packages export.
#include "tools/code/language.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

extern "C" {
const TSLanguage* tree_sitter_python();
const TSLanguage* tree_sitter_c();
const TSLanguage* tree_sitter_cpp();
const TSLanguage* tree_sitter_javascript();
const TSLanguage* tree_sitter_typescript();
const TSLanguage* tree_sitter_tsx();
const TSLanguage* tree_sitter_go();
const TSLanguage* tree_sitter_rust();
const TSLanguage* tree_sitter_java();
const TSLanguage* tree_sitter_bash();
const TSLanguage* tree_sitter_json();
const TSLanguage* tree_sitter_ruby();
const TSLanguage* tree_sitter_c_sharp();
const TSLanguage* tree_sitter_php();
const TSLanguage* tree_sitter_lua();
}

namespace tools {
namespace {

using Names = std::string_view;
constexpr Names kNone[] = {""};

constexpr Names kPythonExt[] = {"py", "pyi", "pyw"};
constexpr Names kPythonInterp[] = {"python", "pypy"};
constexpr Names kCExt[] = {"c", "h"};
constexpr Names kCppExt[] = {"cc",  "cpp", "cxx", "c++", "hh", "hpp", "hxx",
                             "h++", "ipp", "tcc", "inl", "cu", "cuh"};
constexpr Names kJsExt[] = {"js", "mjs", "cjs", "jsx"};
constexpr Names kJsInterp[] = {"node", "nodejs"};
constexpr Names kTsExt[] = {"ts", "mts", "cts"};
constexpr Names kTsInterp[] = {"ts-node", "deno", "bun", "tsx"};
constexpr Names kTsxExt[] = {"tsx"};
constexpr Names kGoExt[] = {"go"};
constexpr Names kRustExt[] = {"rs"};
constexpr Names kJavaExt[] = {"java"};
constexpr Names kBashExt[] = {"sh", "bash"};
constexpr Names kBashNames[] = {".bashrc", ".bash_profile", ".bash_logout", ".profile", "PKGBUILD"};
constexpr Names kBashInterp[] = {"bash", "sh", "dash", "ksh"};
constexpr Names kJsonExt[] = {"json", "jsonc", "geojson", "webmanifest"};
constexpr Names kJsonNames[] = {".babelrc", ".eslintrc", ".prettierrc", "flake.lock"};
constexpr Names kRubyExt[] = {"rb", "rake", "gemspec", "ru"};
constexpr Names kRubyNames[] = {"Rakefile", "Gemfile", "Guardfile", "Vagrantfile", "Podfile"};
constexpr Names kRubyInterp[] = {"ruby"};
constexpr Names kCSharpExt[] = {"cs"};
constexpr Names kPhpExt[] = {"php", "phtml"};
constexpr Names kPhpInterp[] = {"php"};
constexpr Names kLuaExt[] = {"lua"};
constexpr Names kLuaInterp[] = {"lua", "luajit"};

template <size_t N>
constexpr std::span<const Names> Some(const Names (&a)[N]) {
  return std::span<const Names>(a, N);
}
constexpr std::span<const Names> None() { return std::span<const Names>(kNone, 0); }

const std::array<LanguageInfo, 15> kLanguages = {{
    {"python", tree_sitter_python, "python", Some(kPythonExt), None(), Some(kPythonInterp)},
    {"c", tree_sitter_c, "c", Some(kCExt), None(), None()},
    {"cpp", tree_sitter_cpp, "cpp", Some(kCppExt), None(), None()},
    {"javascript", tree_sitter_javascript, "javascript", Some(kJsExt), None(), Some(kJsInterp)},
    {"typescript", tree_sitter_typescript, "typescript", Some(kTsExt), None(), Some(kTsInterp)},
    {"tsx", tree_sitter_tsx, "typescript", Some(kTsxExt), None(), None()},
    {"go", tree_sitter_go, "go", Some(kGoExt), None(), None()},
    {"rust", tree_sitter_rust, "rust", Some(kRustExt), None(), None()},
    {"java", tree_sitter_java, "java", Some(kJavaExt), None(), None()},
    {"bash", tree_sitter_bash, "bash", Some(kBashExt), Some(kBashNames), Some(kBashInterp)},
    {"json", tree_sitter_json, "json", Some(kJsonExt), Some(kJsonNames), None()},
    {"ruby", tree_sitter_ruby, "ruby", Some(kRubyExt), Some(kRubyNames), Some(kRubyInterp)},
    {"c_sharp", tree_sitter_c_sharp, "c_sharp", Some(kCSharpExt), None(), None()},
    {"php", tree_sitter_php, "php", Some(kPhpExt), None(), Some(kPhpInterp)},
    {"lua", tree_sitter_lua, "lua", Some(kLuaExt), None(), Some(kLuaInterp)},
}};

bool Contains(std::span<const Names> names, std::string_view s) {
  return std::find(names.begin(), names.end(), s) != names.end();
}

// The program a shebang line runs: "#!/usr/bin/env -S python3 -u" -> "python".
// Version suffixes are dropped ("python3.11" -> "python") so one table entry covers them all.
std::string ShebangProgram(std::string_view head) {
  if (head.substr(0, 2) != "#!") return "";
  std::string_view line = head.substr(
      2, head.find('\n') == std::string_view::npos ? std::string_view::npos : head.find('\n') - 2);
  auto next_word = [&line]() {
    size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return std::string_view();
    size_t e = line.find_first_of(" \t\r", b);
    std::string_view w = line.substr(b, e == std::string_view::npos ? line.size() - b : e - b);
    line.remove_prefix(e == std::string_view::npos ? line.size() : e);
    return w;
  };
  std::string_view program = next_word();
  program = program.substr(program.rfind('/') + 1);
  if (program == "env") {
    do {
      program = next_word();
    } while (!program.empty() && program[0] == '-');  // env -S, env -i
  }
  std::string name(program);
  while (!name.empty() &&
         (std::isdigit(static_cast<unsigned char>(name.back())) || name.back() == '.')) {
    name.pop_back();
  }
  return name;
}

// The mode of an Emacs mode line in the first two lines ("// <vector> -*- C++ -*-",
// "# -*- mode: python; coding: utf-8 -*-"), as a language name; "" when there is none.
// libstdc++'s extension-less headers announce themselves this way.
std::string EmacsMode(std::string_view head) {
  size_t second_nl = head.find('\n', head.find('\n') + 1);
  std::string_view top = head.substr(0, second_nl);
  size_t b = top.find("-*-");
  if (b == std::string_view::npos) return "";
  size_t e = top.find("-*-", b + 3);
  if (e == std::string_view::npos) return "";
  std::string_view mode = top.substr(b + 3, e - b - 3);
  if (size_t m = mode.find("mode:"); m != std::string_view::npos) {
    mode = mode.substr(m + 5);
    mode = mode.substr(0, mode.find(';'));
  }
  std::string name;
  for (char c : mode) {
    if (c != ' ' && c != '\t')
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (name == "c++") return "cpp";
  if (name == "sh" || name == "shell-script" || name == "bash") return "bash";
  if (name == "js" || name == "js2") return "javascript";
  return name;  // "c", "python", "ruby", "lua", "go", "rust", "java", ...
}

// `.h` is shared by C and C++; C++-only keywords near the top decide.
// Only a line's first word counts ("the device class" in a C comment must not flip it), plus
// `std::` anywhere and C++ standard headers, which have no extension (<vector>).
bool LooksLikeCpp(std::string_view head) {
  if (head.find("std::") != std::string_view::npos) return true;
  while (!head.empty()) {
    size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head.remove_prefix(nl == std::string_view::npos ? head.size() : nl + 1);
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string_view::npos) continue;
    line.remove_prefix(b);
    for (std::string_view start : {"namespace ", "class ", "template <", "template<",
                                   "public:", "private:", "using namespace "}) {
      if (line.starts_with(start)) return true;
    }
    if (line.starts_with("#include <")) {
      std::string_view header = line.substr(10);
      header = header.substr(0, header.find('>'));
      if (header.find('.') == std::string_view::npos) return true;
    }
  }
  return false;
}

}  // namespace

std::span<const LanguageInfo> AllLanguages() { return kLanguages; }

const LanguageInfo* LanguageByName(std::string_view name) {
  for (const LanguageInfo& info : kLanguages) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

const LanguageInfo* DetectLanguage(std::string_view path, std::string_view head) {
  std::string_view base = path.substr(path.rfind('/') + 1);
  for (const LanguageInfo& info : kLanguages) {
    if (Contains(info.file_names, base)) return &info;
  }
  size_t dot = base.rfind('.');
  if (dot != std::string_view::npos && dot + 1 < base.size()) {
    std::string ext(base.substr(dot + 1));
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext == "h") return LanguageByName(LooksLikeCpp(head) ? "cpp" : "c");
    for (const LanguageInfo& info : kLanguages) {
      if (Contains(info.extensions, ext)) return &info;
    }
  }
  std::string program = ShebangProgram(head);
  if (!program.empty()) {
    for (const LanguageInfo& info : kLanguages) {
      if (Contains(info.interpreters, program)) return &info;
    }
  }
  return LanguageByName(EmacsMode(head));
}

}  // namespace tools
