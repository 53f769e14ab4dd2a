// DsmlParser: streamed DeepSeek-V4 output -> text, reasoning and tool calls, incrementally.
//
// The model writes (design/v4-architecture.md §8.2):
//   [reasoning</think>]content[\n\n<｜DSML｜tool_calls>
//   <｜DSML｜invoke name="NAME">
//   <｜DSML｜parameter name="P" string="true|false">VALUE</｜DSML｜parameter>
//   </｜DSML｜invoke>
//   </｜DSML｜tool_calls>]<｜end▁of▁sentence｜>
// Feed takes the decoded text in chunks of any size (a byte at a time works) and returns the
// events that are certain so far: text and reasoning deltas as soon as they cannot be the start
// of a marker, each tool call once its </｜DSML｜invoke> has arrived, and an error for each
// malformed call naming the call (its 0-based index and tool name) and what is wrong; a bad
// call does not stop the following ones. V3.2's block name "function_calls" is accepted too.
// Deltas never split a UTF-8 character. One per generated sequence; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace inference {

struct DsmlParameter {
  std::string name;
  std::string value;  // raw text between the tags
  bool is_string;     // string="true": value is the string; "false": value is JSON
  bool operator==(const DsmlParameter&) const = default;
};

struct DsmlToolCall {
  int index = -1;  // position among the invokes of the block, malformed ones included
  std::string name;
  std::vector<DsmlParameter> parameters;
  // The arguments as a JSON object text, the way DeepSeek's decoder builds it: string values
  // JSON-quoted, JSON values verbatim: {"location": "Beijing", "days": 3}.
  std::string arguments;
  bool operator==(const DsmlToolCall&) const = default;
};

enum class DsmlEventKind {
  kText,           // text: a delta of the answer
  kReasoning,      // text: a delta of the reasoning (inside <think>...</think>)
  kToolCallStart,  // call.index and call.name: an invoke began (for progress display)
  kToolCall,       // call: a complete, well-formed call
  kError,          // text: what is wrong; call.index/call.name: which call (-1 if none)
};

struct DsmlEvent {
  DsmlEventKind kind;
  std::string text;
  DsmlToolCall call;
};

class DsmlParser {
 public:
  // `starts_in_reasoning`: the prompt ended with "<think>" (thinking modes), so output begins
  // with reasoning; a repeated leading "<think>" is tolerated.
  explicit DsmlParser(bool starts_in_reasoning);
  DsmlParser(const DsmlParser&) = delete;
  DsmlParser& operator=(const DsmlParser&) = delete;

  // Consumes `chunk` and returns the events it completes.
  std::vector<DsmlEvent> Feed(std::string_view chunk);
  // Ends the output (EOS or a length limit): flushes held-back text and reports a tool-call
  // block that was left open.
  std::vector<DsmlEvent> Finish();

 private:
  enum class Mode { kReasoning, kContent, kBlock, kAfterBlock, kDone };
  enum class BlockState { kBetweenCalls, kInCall };

  void Run(bool at_end, std::vector<DsmlEvent>* events);
  // One step in the text modes / the block; false when more input is needed.
  bool StepText(bool at_end, std::vector<DsmlEvent>* events);
  bool StepBlock(std::vector<DsmlEvent>* events);
  bool StepAfterBlock(bool at_end, std::vector<DsmlEvent>* events);
  bool StepParameter(std::vector<DsmlEvent>* events);
  void FinishCall(std::vector<DsmlEvent>* events);
  void CallError(const std::string& what, std::vector<DsmlEvent>* events);
  void BlockError(const std::string& what, std::vector<DsmlEvent>* events);
  void EmitText(std::string_view text, std::vector<DsmlEvent>* events);

  Mode mode_;
  bool at_start_ = true;
  std::string pending_;     // input not yet turned into events
  size_t search_from_ = 0;  // where to resume looking for a parameter's closing tag
  std::string block_end_;   // closing tag of the open block (tool_calls or function_calls)
  BlockState block_state_ = BlockState::kBetweenCalls;
  DsmlToolCall call_;         // the invoke being read
  bool call_failed_ = false;  // an error was reported for call_; skip to its end
  int next_index_ = 0;
  bool reported_trailing_ = false;
};

}  // namespace inference
