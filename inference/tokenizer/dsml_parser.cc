#include "inference/tokenizer/dsml_parser.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "inference/tokenizer/python_json.h"

namespace inference {
namespace {

constexpr std::string_view kThinkBegin = "<think>";
constexpr std::string_view kThinkEnd = "</think>";
constexpr std::string_view kEos = "<｜end▁of▁sentence｜>";
constexpr std::string_view kToolCallsOpen = "<｜DSML｜tool_calls>";
constexpr std::string_view kToolCallsClose = "</｜DSML｜tool_calls>";
constexpr std::string_view kFunctionCallsOpen = "<｜DSML｜function_calls>";  // V3.2
constexpr std::string_view kFunctionCallsClose = "</｜DSML｜function_calls>";
constexpr std::string_view kInvokeOpen = "<｜DSML｜invoke";
constexpr std::string_view kInvokeClose = "</｜DSML｜invoke>";
constexpr std::string_view kParameterOpen = "<｜DSML｜parameter";
constexpr std::string_view kParameterClose = "</｜DSML｜parameter>";
constexpr size_t kMaxTagBytes = 4096;  // an invoke header longer than this is malformed

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// Whether `s` (shorter than `marker`) could still grow into it.
bool IsPrefixOf(std::string_view s, std::string_view marker) {
  return s.size() < marker.size() && marker.compare(0, s.size(), s) == 0;
}

// Length of the longest suffix of `s` that is a proper prefix of one of `markers`.
size_t PartialMarkerSuffix(std::string_view s, std::initializer_list<std::string_view> markers) {
  size_t best = 0;
  for (std::string_view marker : markers) {
    for (size_t len = std::min(s.size(), marker.size() - 1); len > best; --len) {
      if (s.compare(s.size() - len, len, marker, 0, len) == 0) {
        best = len;
        break;
      }
    }
  }
  return best;
}

// Bytes at the end of `s` that start a UTF-8 character whose remaining bytes have not arrived.
size_t UnfinishedUtf8Suffix(std::string_view s) {
  for (size_t back = 1; back <= std::min<size_t>(3, s.size()); ++back) {
    const auto b = static_cast<unsigned char>(s[s.size() - back]);
    if ((b & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    const size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

std::string Excerpt(std::string_view s) {
  std::string out(s.substr(0, 40));
  if (s.size() > 40) out += "...";
  return out;
}

// Length of the stray text at the start of `s` up to the next tag; 0 while that tag has not
// arrived yet (so that what is reported does not depend on how the output was chunked), unless
// the stray text is already too long to wait for.
size_t JunkLength(std::string_view s) {
  const size_t next = s.find('<', 1);
  if (next != std::string_view::npos) return next;
  return s.size() > kMaxTagBytes ? s.size() : 0;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Parses ` name="X"` (invoke) or ` name="X" string="Y"` (parameter) attribute text.
bool ParseAttributes(std::string_view attrs, std::string* name, std::string* string_flag) {
  auto skip_space = [&attrs] {
    while (!attrs.empty() && IsSpace(attrs.front())) attrs.remove_prefix(1);
  };
  auto read = [&](std::string_view key, std::string* value) {
    skip_space();
    if (!StartsWith(attrs, key) || attrs.size() < key.size() + 2 || attrs[key.size()] != '=' ||
        attrs[key.size() + 1] != '"') {
      return false;
    }
    attrs.remove_prefix(key.size() + 2);
    const size_t quote = attrs.find('"');
    if (quote == std::string_view::npos) return false;
    *value = std::string(attrs.substr(0, quote));
    attrs.remove_prefix(quote + 1);
    return true;
  };
  if (!read("name", name)) return false;
  if (string_flag != nullptr && !read("string", string_flag)) return false;
  skip_space();
  return attrs.empty();
}

}  // namespace

DsmlParser::DsmlParser(bool starts_in_reasoning)
    : mode_(starts_in_reasoning ? Mode::kReasoning : Mode::kContent) {}

std::vector<DsmlEvent> DsmlParser::Feed(std::string_view chunk) {
  std::vector<DsmlEvent> events;
  pending_.append(chunk);
  Run(/*at_end=*/false, &events);
  return events;
}

std::vector<DsmlEvent> DsmlParser::Finish() {
  std::vector<DsmlEvent> events;
  Run(/*at_end=*/true, &events);
  if (mode_ == Mode::kBlock) {
    if (block_state_ == BlockState::kInCall) {
      CallError("the output ended before </｜DSML｜invoke>", &events);
    } else {
      BlockError("the output ended before " + block_end_, &events);
    }
  }
  pending_.clear();
  mode_ = Mode::kDone;
  return events;
}

void DsmlParser::Run(bool at_end, std::vector<DsmlEvent>* events) {
  for (;;) {
    bool progressed = false;
    switch (mode_) {
      case Mode::kReasoning:
      case Mode::kContent:
        progressed = StepText(at_end, events);
        break;
      case Mode::kBlock:
        progressed = StepBlock(events);
        break;
      case Mode::kAfterBlock:
        progressed = StepAfterBlock(at_end, events);
        break;
      case Mode::kDone:
        if (!reported_trailing_ &&
            std::any_of(pending_.begin(), pending_.end(), [](char c) { return !IsSpace(c); })) {
          reported_trailing_ = true;
          events->push_back(
              {DsmlEventKind::kError, "unexpected text after the end of the output", {}});
        }
        pending_.clear();
        break;
    }
    if (!progressed) return;
  }
}

void DsmlParser::EmitText(std::string_view text, std::vector<DsmlEvent>* events) {
  if (text.empty()) return;
  const DsmlEventKind kind =
      mode_ == Mode::kReasoning ? DsmlEventKind::kReasoning : DsmlEventKind::kText;
  if (!events->empty() && events->back().kind == kind) {
    events->back().text.append(text);
  } else {
    events->push_back({kind, std::string(text), {}});
  }
}

bool DsmlParser::StepText(bool at_end, std::vector<DsmlEvent>* events) {
  const bool reasoning = mode_ == Mode::kReasoning;
  if (at_start_ && reasoning) {
    if (!at_end && IsPrefixOf(pending_, kThinkBegin)) return false;
    if (StartsWith(pending_, kThinkBegin)) pending_.erase(0, kThinkBegin.size());
  }
  at_start_ = false;
  // The earliest complete marker, if any.
  size_t at = std::string::npos;
  std::string_view marker;
  for (std::string_view m : {kThinkEnd, kToolCallsOpen, kFunctionCallsOpen, kEos}) {
    if (m == kThinkEnd && !reasoning) continue;
    const size_t pos = pending_.find(m);
    if (pos < at) {
      at = pos;
      marker = m;
    }
  }
  if (at == std::string::npos) {
    size_t hold = 0;
    if (!at_end) {
      hold = reasoning ? PartialMarkerSuffix(pending_,
                                             {kThinkEnd, kToolCallsOpen, kFunctionCallsOpen, kEos})
                       : PartialMarkerSuffix(pending_, {kToolCallsOpen, kFunctionCallsOpen, kEos});
      // The "\n\n" that separates content from a tool-call block is not content.
      for (int k = 0;
           k < 2 && hold < pending_.size() && pending_[pending_.size() - hold - 1] == '\n'; ++k) {
        ++hold;
      }
      hold += UnfinishedUtf8Suffix(std::string_view(pending_).substr(0, pending_.size() - hold));
    }
    EmitText(std::string_view(pending_).substr(0, pending_.size() - hold), events);
    pending_.erase(0, pending_.size() - hold);
    return false;
  }
  std::string_view before = std::string_view(pending_).substr(0, at);
  const bool opens_block = marker == kToolCallsOpen || marker == kFunctionCallsOpen;
  if (opens_block && before.size() >= 2 && before.substr(before.size() - 2) == "\n\n") {
    before.remove_suffix(2);
  }
  EmitText(before, events);
  if (marker == kThinkEnd) {
    mode_ = Mode::kContent;
  } else if (opens_block) {
    mode_ = Mode::kBlock;
    block_state_ = BlockState::kBetweenCalls;
    block_end_ = marker == kToolCallsOpen ? kToolCallsClose : kFunctionCallsClose;
  } else {
    mode_ = Mode::kDone;  // EOS
  }
  pending_.erase(0, at + marker.size());
  return true;
}

void DsmlParser::BlockError(const std::string& what, std::vector<DsmlEvent>* events) {
  DsmlEvent event{DsmlEventKind::kError, "tool call block: " + what, {}};
  event.call.index = -1;
  events->push_back(std::move(event));
}

void DsmlParser::CallError(const std::string& what, std::vector<DsmlEvent>* events) {
  if (call_failed_) return;  // one error per call: the first thing that is wrong
  call_failed_ = true;
  DsmlEvent event{
      DsmlEventKind::kError,
      "tool call #" + std::to_string(call_.index) + " (\"" + call_.name + "\"): " + what,
      {}};
  event.call.index = call_.index;
  event.call.name = call_.name;
  events->push_back(std::move(event));
}

// Unfinished input is waited for even at the end; Finish then reports the open call or block.
bool DsmlParser::StepBlock(std::vector<DsmlEvent>* events) {
  size_t start = 0;
  while (start < pending_.size() && IsSpace(pending_[start])) ++start;
  pending_.erase(0, start);
  search_from_ = start > search_from_ ? 0 : search_from_ - start;
  if (pending_.empty()) return false;
  const std::string_view rest = pending_;

  if (block_state_ == BlockState::kInCall) {
    if (StartsWith(rest, kInvokeClose)) {
      pending_.erase(0, kInvokeClose.size());
      FinishCall(events);
      return true;
    }
    if (StartsWith(rest, kParameterOpen)) return StepParameter(events);
    if (IsPrefixOf(rest, kInvokeClose) || IsPrefixOf(rest, kParameterOpen)) return false;
    const size_t junk = JunkLength(rest);
    if (junk == 0) return false;
    CallError(
        "unexpected text '" + Excerpt(TrimRight(rest.substr(0, junk))) + "' inside the invoke",
        events);
  } else {
    if (StartsWith(rest, block_end_)) {
      pending_.erase(0, block_end_.size());
      mode_ = Mode::kAfterBlock;
      return true;
    }
    if (StartsWith(rest, kInvokeOpen)) {
      const size_t gt = rest.find('>');
      if (gt == std::string_view::npos && rest.size() < kMaxTagBytes) return false;
      call_ = DsmlToolCall{};
      call_.index = next_index_++;
      call_failed_ = false;
      block_state_ = BlockState::kInCall;
      if (gt == std::string_view::npos) {
        CallError("the invoke tag is not closed with '>'", events);
        pending_.erase(0, kInvokeOpen.size());
        return true;
      }
      const std::string_view attrs = rest.substr(kInvokeOpen.size(), gt - kInvokeOpen.size());
      if (!ParseAttributes(attrs, &call_.name, nullptr) || call_.name.empty()) {
        CallError("the invoke tag has no name=\"...\" attribute (got '" + Excerpt(attrs) + "')",
                  events);
      } else {
        DsmlEvent start_event{DsmlEventKind::kToolCallStart, "", {}};
        start_event.call.index = call_.index;
        start_event.call.name = call_.name;
        events->push_back(std::move(start_event));
      }
      pending_.erase(0, gt + 1);
      return true;
    }
    if (IsPrefixOf(rest, block_end_) || IsPrefixOf(rest, kInvokeOpen)) return false;
    const size_t junk = JunkLength(rest);
    if (junk == 0) return false;
    BlockError(
        "unexpected text '" + Excerpt(TrimRight(rest.substr(0, junk))) + "' between tool calls",
        events);
  }
  // Resynchronise on the next tag.
  pending_.erase(0, JunkLength(pending_));
  search_from_ = 0;
  return true;
}

bool DsmlParser::StepParameter(std::vector<DsmlEvent>* events) {
  const size_t close =
      pending_.find(kParameterClose, std::max(search_from_, kParameterOpen.size()));
  if (close == std::string::npos) {
    // Resume the search where an unfinished closing tag could begin.
    search_from_ = pending_.size() >= kParameterClose.size()
                       ? pending_.size() - kParameterClose.size() + 1
                       : 0;
    return false;
  }
  search_from_ = 0;
  const std::string_view element =
      std::string_view(pending_).substr(kParameterOpen.size(), close - kParameterOpen.size());
  const size_t gt = element.find('>');
  DsmlParameter parameter;
  std::string string_flag;
  if (gt == std::string_view::npos ||
      !ParseAttributes(element.substr(0, gt), &parameter.name, &string_flag)) {
    CallError("malformed parameter tag '" + Excerpt(element) +
                  "' (expected name=\"...\" string=\"true|false\")",
              events);
  } else if (string_flag != "true" && string_flag != "false") {
    CallError("parameter \"" + parameter.name + "\": string=\"" + string_flag +
                  "\" (must be \"true\" or \"false\")",
              events);
  } else {
    parameter.is_string = string_flag == "true";
    parameter.value = std::string(element.substr(gt + 1));
    const bool duplicate =
        std::any_of(call_.parameters.begin(), call_.parameters.end(),
                    [&](const DsmlParameter& p) { return p.name == parameter.name; });
    if (duplicate) {
      CallError("parameter \"" + parameter.name + "\" is given twice", events);
    } else if (!parameter.is_string && !nlohmann::json::accept(parameter.value)) {
      CallError("parameter \"" + parameter.name + "\" has string=\"false\" but its value '" +
                    Excerpt(parameter.value) + "' is not JSON",
                events);
    } else {
      call_.parameters.push_back(std::move(parameter));
    }
  }
  pending_.erase(0, close + kParameterClose.size());
  return true;
}

void DsmlParser::FinishCall(std::vector<DsmlEvent>* events) {
  block_state_ = BlockState::kBetweenCalls;
  if (call_failed_) return;
  // {"key": value, ...} like encoding_dsv4.decode_dsml_to_arguments.
  std::string& args = call_.arguments;
  args = "{";
  for (size_t k = 0; k < call_.parameters.size(); ++k) {
    const DsmlParameter& p = call_.parameters[k];
    if (k > 0) args += ", ";
    AppendPythonJson(p.name, &args);
    args += ": ";
    if (p.is_string) {
      AppendPythonJson(p.value, &args);
    } else {
      args += p.value;
    }
  }
  args += "}";
  events->push_back({DsmlEventKind::kToolCall, "", std::move(call_)});
  call_ = DsmlToolCall{};
}

bool DsmlParser::StepAfterBlock(bool at_end, std::vector<DsmlEvent>* events) {
  size_t start = 0;
  while (start < pending_.size() && IsSpace(pending_[start])) ++start;
  pending_.erase(0, start);
  if (pending_.empty()) return false;
  if (StartsWith(pending_, kEos)) {
    pending_.erase(0, kEos.size());
    mode_ = Mode::kDone;
    return true;
  }
  // Stray text: gathered up to the EOS (or the end) so that one error reports all of it.
  size_t eos = pending_.find(kEos);
  if (eos == std::string::npos) {
    if (!at_end && pending_.size() <= kMaxTagBytes) return false;
    eos = pending_.size();
    if (at_end && IsPrefixOf(pending_, kEos)) {  // a cut-off EOS
      pending_.clear();
      return false;
    }
  }
  events->push_back({DsmlEventKind::kError,
                     "unexpected text '" + Excerpt(TrimRight(pending_.substr(0, eos))) +
                         "' after the tool call block",
                     {}});
  pending_.erase(0, std::min(pending_.size(), eos + kEos.size()));
  mode_ = Mode::kDone;
  return true;
}

}  // namespace inference
