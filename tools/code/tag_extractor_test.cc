#include "tools/code/tag_extractor.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>

using KindAndName = std::pair<std::string, std::string>;

// Prints sets of (kind, name) in failure messages.
template <>
struct doctest::StringMaker<std::set<KindAndName>> {
  static doctest::String convert(const std::set<KindAndName>& s) {
    std::string out = "{";
    for (const auto& [kind, name] : s) out += " " + kind + ":" + name;
    return (out + " }").c_str();
  }
};
template <>
struct doctest::StringMaker<std::set<std::string>> {
  static doctest::String convert(const std::set<std::string>& s) {
    std::string out = "{";
    for (const std::string& name : s) out += " " + name;
    return (out + " }").c_str();
  }
};

namespace tools {
namespace {

struct Extracted {
  FileSymbols symbols;
  std::set<KindAndName> defs;
  std::set<std::string> refs;
};

Extracted Run(std::string_view language, std::string_view text) {
  TagQuerySet queries;
  TagExtractor extractor(queries);
  const LanguageInfo* lang = LanguageByName(language);
  REQUIRE(lang != nullptr);
  auto symbols = extractor.Extract(*lang, text);
  REQUIRE_MESSAGE(symbols.ok(), symbols.status().ToString());
  Extracted out{*symbols, {}, {}};
  for (const Definition& d : symbols->definitions) {
    out.defs.emplace(std::string(SymbolKindName(d.kind)), d.name);
  }
  for (const Reference& r : symbols->references) out.refs.insert(r.name);
  return out;
}

const Definition* Find(const FileSymbols& s, std::string_view name) {
  for (const Definition& d : s.definitions) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

TEST_CASE("python: classes, methods, functions, constants, docstrings, references") {
  auto e = Run("python",
               "MAX_SIZE = 10\n"
               "lower = 3\n"
               "\n"
               "# Shapes have an area.\n"
               "class Shape(Base):\n"
               "    def area(self) -> float:\n"
               "        \"\"\"Returns the area.\"\"\"\n"
               "        return compute(self)\n"
               "\n"
               "    @property\n"
               "    def name(self):\n"
               "        return self.helper()\n"
               "\n"
               "def compute(shape):\n"
               "    return 1\n");
  CHECK(e.defs == std::set<KindAndName>{{"constant", "MAX_SIZE"},
                                        {"class", "Shape"},
                                        {"method", "area"},
                                        {"method", "name"},
                                        {"function", "compute"}});
  CHECK(e.refs == std::set<std::string>{"Base", "compute", "helper", "float"});
  const Definition* area = Find(e.symbols, "area");
  REQUIRE(area != nullptr);
  CHECK(area->signature == "def area(self) -> float:");
  CHECK(area->doc == "\"\"\"Returns the area.\"\"\"");
  CHECK(area->range.start_line == 5);
  CHECK(area->range.end_line == 7);
  CHECK(Find(e.symbols, "Shape")->doc == "# Shapes have an area.");
}

TEST_CASE("c: functions, prototypes, structs, enums, typedefs, macros") {
  auto e = Run("c",
               "#define LIMIT 4\n"
               "/* A point. */\n"
               "struct point { int x; };\n"
               "enum color { RED, GREEN };\n"
               "typedef struct point point_t;\n"
               "int area(point_t *p);\n"
               "static char *name(void) { return helper(1); }\n");
  CHECK(e.defs == std::set<KindAndName>{{"macro", "LIMIT"},
                                        {"struct", "point"},
                                        {"enum", "color"},
                                        {"constant", "RED"},
                                        {"constant", "GREEN"},
                                        {"type", "point_t"},
                                        {"function", "area"},
                                        {"function", "name"}});
  CHECK(e.refs.count("helper") == 1);
  CHECK(e.refs.count("point_t") == 1);
  CHECK(Find(e.symbols, "name")->signature == "static char *name(void)");
  CHECK(Find(e.symbols, "point")->doc == "/* A point. */");
}

TEST_CASE("cpp: namespaces, classes, methods in and out of line, aliases") {
  auto e = Run("cpp",
               "namespace geo {\n"
               "constexpr int kSides = 4;\n"
               "/// A shape.\n"
               "class Shape {\n"
               " public:\n"
               "  double Area() const;\n"
               "  int Sides() { return kSides; }\n"
               "};\n"
               "using Id = int;\n"
               "double Shape::Area() const { return Compute(*this); }\n"
               "template <typename T> T Twice(T t) { return t + t; }\n"
               "int Declared(int x);\n"
               "struct Copyless { Copyless(const Copyless&) = delete; };\n"
               "void Run() { Widget widget(a, b); }\n"
               "}\n");
  CHECK(e.defs == std::set<KindAndName>{{"module", "geo"},
                                        {"constant", "kSides"},
                                        {"class", "Shape"},
                                        {"method", "Area"},
                                        {"method", "Sides"},
                                        {"type", "Id"},
                                        {"function", "Twice"},
                                        {"function", "Declared"},
                                        {"struct", "Copyless"},
                                        {"function", "Run"}});
  CHECK(e.refs.count("Compute") == 1);
  const Definition* shape = Find(e.symbols, "Shape");
  CHECK(shape->doc == "/// A shape.");
  CHECK(shape->signature == "class Shape");
  CHECK(Find(e.symbols, "Twice")->doc.empty());
}

TEST_CASE("javascript: functions, arrow functions, classes, methods, constants") {
  auto e = Run("javascript",
               "const LIMIT = 3;\n"
               "/** Adds. */\n"
               "function add(a, b) { return sum(a, b); }\n"
               "const mul = (a, b) => a * b;\n"
               "export class Box extends Base {\n"
               "  open() { return new Lid(); }\n"
               "}\n");
  CHECK(e.defs == std::set<KindAndName>{{"constant", "LIMIT"},
                                        {"function", "add"},
                                        {"function", "mul"},
                                        {"class", "Box"},
                                        {"method", "open"}});
  CHECK(e.refs == std::set<std::string>{"sum", "Lid", "Base"});
  CHECK(Find(e.symbols, "add")->doc == "/** Adds. */");
  CHECK(Find(e.symbols, "add")->signature == "function add(a, b)");
}

TEST_CASE("typescript and tsx: interfaces, types, enums, namespaces") {
  std::string_view source =
      "export interface Shape { area(): number; }\n"
      "type Id = string;\n"
      "enum Color { Red }\n"
      "namespace Geo { export function make(): Shape { return build(); } }\n"
      "abstract class Base { abstract size(): number; }\n";
  std::set<KindAndName> expected = {
      {"interface", "Shape"}, {"method", "area"},   {"type", "Id"},    {"enum", "Color"},
      {"module", "Geo"},      {"function", "make"}, {"class", "Base"}, {"method", "size"}};
  CHECK(Run("typescript", source).defs == expected);
  auto tsx = Run("tsx", std::string(source) + "const View = () => <div>{render()}</div>;\n");
  expected.insert({"function", "View"});
  CHECK(tsx.defs == expected);
  CHECK(tsx.refs.count("render") == 1);
  CHECK(tsx.refs.count("Shape") == 1);  // the return type annotation
}

TEST_CASE("go: functions, methods, structs, interfaces, constants") {
  auto e = Run("go",
               "package geo\n"
               "const Pi = 3.14\n"
               "// Shape is a shape.\n"
               "type Shape interface { Area() float64 }\n"
               "type Square struct { side float64 }\n"
               "func (s *Square) Area() float64 { return math.Pow(s.side, 2) }\n"
               "func New() *Square { return &Square{} }\n");
  CHECK(e.defs == std::set<KindAndName>{{"module", "geo"},
                                        {"constant", "Pi"},
                                        {"interface", "Shape"},
                                        {"struct", "Square"},
                                        {"method", "Area"},
                                        {"function", "New"}});
  CHECK(e.refs.count("Pow") == 1);
  CHECK(Find(e.symbols, "Shape")->doc == "// Shape is a shape.");
  CHECK(Find(e.symbols, "Area")->signature == "func (s *Square) Area() float64");
}

TEST_CASE("rust: structs, traits, impl methods, modules, consts, macros") {
  auto e = Run("rust",
               "/// The limit.\n"
               "const LIMIT: u32 = 3;\n"
               "mod geo {}\n"
               "#[derive(Debug)]\n"
               "pub struct Square { side: f64 }\n"
               "pub trait Shape { fn area(&self) -> f64; }\n"
               "impl Shape for Square { fn area(&self) -> f64 { helper(self.side) } }\n"
               "enum Color { Red }\n"
               "fn main() { println!(\"x\"); }\n");
  CHECK(e.defs == std::set<KindAndName>{{"constant", "LIMIT"},
                                        {"module", "geo"},
                                        {"struct", "Square"},
                                        {"interface", "Shape"},
                                        {"method", "area"},
                                        {"enum", "Color"},
                                        {"function", "main"}});
  CHECK(e.refs.count("helper") == 1);
  CHECK(e.refs.count("println") == 1);
  CHECK(Find(e.symbols, "LIMIT")->doc == "/// The limit.");
}

TEST_CASE("java: classes, interfaces, enums, methods, constants") {
  auto e = Run("java",
               "package geo.shapes;\n"
               "/** A square. */\n"
               "public class Square implements Shape {\n"
               "  static final int SIDES = 4;\n"
               "  public Square() {}\n"
               "  public double area() { return Math.pow(side, 2); }\n"
               "}\n"
               "interface Shape { double area(); }\n"
               "enum Color { RED }\n");
  CHECK(e.defs == std::set<KindAndName>{{"module", "geo.shapes"},
                                        {"class", "Square"},
                                        {"constant", "SIDES"},
                                        {"method", "Square"},
                                        {"method", "area"},
                                        {"interface", "Shape"},
                                        {"enum", "Color"}});
  CHECK(e.refs.count("pow") == 1);
  CHECK(Find(e.symbols, "Square")->doc == "/** A square. */");
}

TEST_CASE("bash, json, ruby, c#, php, lua") {
  CHECK(Run("bash", "readonly LIMIT=3\nbuild() {\n  make all\n}\nbuild\n").defs ==
        std::set<KindAndName>{{"constant", "LIMIT"}, {"function", "build"}});
  CHECK(Run("json", "{\"name\": \"x\", \"deps\": {\"inner\": 1}}").defs ==
        std::set<KindAndName>{{"constant", "name"}, {"constant", "deps"}});
  auto ruby = Run("ruby",
                  "module Geo\n  LIMIT = 3\n  class Square < Shape\n"
                  "    def area; helper(1); end\n    def self.make; end\n  end\nend\n");
  CHECK(ruby.defs == std::set<KindAndName>{{"module", "Geo"},
                                           {"constant", "LIMIT"},
                                           {"class", "Square"},
                                           {"method", "area"},
                                           {"method", "make"}});
  CHECK(ruby.refs.count("helper") == 1);
  CHECK(ruby.refs.count("Shape") == 1);
  CHECK(Run("c_sharp",
            "namespace Geo { interface IShape {} struct P {} enum C { R }\n"
            "class Square : IShape { public Square() {} double Area() { return Calc(); } } }\n")
            .defs == std::set<KindAndName>{{"module", "Geo"},
                                           {"interface", "IShape"},
                                           {"struct", "P"},
                                           {"enum", "C"},
                                           {"class", "Square"},
                                           {"method", "Square"},
                                           {"method", "Area"}});
  CHECK(Run("php",
            "<?php\nnamespace Geo;\nconst LIMIT = 3;\ninterface Shape {}\n"
            "class Square implements Shape { function area() { return calc(); } }\n"
            "function make() { return new Square(); }\n")
            .defs == std::set<KindAndName>{{"module", "Geo"},
                                           {"constant", "LIMIT"},
                                           {"interface", "Shape"},
                                           {"class", "Square"},
                                           {"method", "area"},
                                           {"function", "make"}});
  auto lua = Run("lua",
                 "local function helper() end\nfunction M.area(s) return helper() end\n"
                 "function M:name() end\nlocal make = function() end\n");
  CHECK(lua.defs == std::set<KindAndName>{{"function", "helper"},
                                          {"function", "area"},
                                          {"method", "name"},
                                          {"function", "make"}});
  CHECK(lua.refs.count("helper") == 1);
}

TEST_CASE("broken source still yields the definitions that parse") {
  auto e = Run("python", "def good():\n    pass\n\ndef broken(:\n    )))\n");
  CHECK(e.defs.count({"function", "good"}) == 1);
}

}  // namespace
}  // namespace tools
