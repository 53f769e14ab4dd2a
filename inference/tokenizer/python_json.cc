#include "inference/tokenizer/python_json.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace inference {
namespace {

void AppendString(const std::string& s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
          *out += buf;
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

// Python's float repr: the shortest digits that round-trip, positional notation when the
// decimal exponent is in [-4, 16), scientific (two-digit minimum exponent) otherwise.
void AppendFloat(double v, std::string* out) {
  if (std::isnan(v)) {
    *out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    *out += v > 0 ? "Infinity" : "-Infinity";
    return;
  }
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, result.ptr);  // "-d.ddde+XX"
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  if (digits.size() > 1) digits.erase(1, 1);  // drop the '.'
  const int exponent = std::stoi(sci.substr(e + 1));
  const int decpt = exponent + 1;  // digits are 0.d1d2... x 10^decpt
  *out += sign;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      *out += "0." + std::string(-decpt, '0') + digits;
    } else if (static_cast<size_t>(decpt) >= digits.size()) {
      *out += digits + std::string(decpt - digits.size(), '0') + ".0";
    } else {
      *out += digits.substr(0, decpt) + "." + digits.substr(decpt);
    }
    return;
  }
  *out += digits.substr(0, 1);
  if (digits.size() > 1) *out += "." + digits.substr(1);
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  *out += exp_buf;
}

}  // namespace

void AppendPythonJson(const nlohmann::ordered_json& value, std::string* out) {
  using Type = nlohmann::ordered_json::value_t;
  switch (value.type()) {
    case Type::null:
    case Type::discarded:
      *out += "null";
      return;
    case Type::boolean:
      *out += value.get<bool>() ? "true" : "false";
      return;
    case Type::number_integer:
      *out += std::to_string(value.get<int64_t>());
      return;
    case Type::number_unsigned:
      *out += std::to_string(value.get<uint64_t>());
      return;
    case Type::number_float:
      AppendFloat(value.get<double>(), out);
      return;
    case Type::string:
      AppendString(value.get_ref<const std::string&>(), out);
      return;
    case Type::binary:
      *out += "null";  // never produced by the JSON parser
      return;
    case Type::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& item : value) {
        if (!first) *out += ", ";
        first = false;
        AppendPythonJson(item, out);
      }
      out->push_back(']');
      return;
    }
    case Type::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        if (!first) *out += ", ";
        first = false;
        AppendString(key, out);
        *out += ": ";
        AppendPythonJson(item, out);
      }
      out->push_back('}');
      return;
    }
  }
}

}  // namespace inference
