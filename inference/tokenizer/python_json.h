// JSON text exactly as Python's json.dumps(value, ensure_ascii=False) writes it.
//
// DeepSeek's chat encoder (encoding_dsv4.py) embeds tool schemas and non-string tool arguments
// with json.dumps, and the model was trained on that spelling: ", " and ": " separators, keys in
// insertion order, non-ASCII characters unescaped, floats as Python's repr (1e-05, 1e+16, 2.0).
// nlohmann's dump differs on separators and some floats, hence this writer. Works on
// nlohmann::ordered_json so that key order survives parsing. Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace inference {

// Appends the Python spelling of `value` to `out`. Strings are written byte for byte apart from
// the escapes Python makes (\" \\ \n \r \t \b \f and \u00XX for other control characters).
void AppendPythonJson(const nlohmann::ordered_json& value, std::string* out);

inline std::string PythonJsonDumps(const nlohmann::ordered_json& value) {
  std::string out;
  AppendPythonJson(value, &out);
  return out;
}

}  // namespace inference
