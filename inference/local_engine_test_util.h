// Helpers shared by the LocalEngine tests (header only, not part of the library): an event
// recorder usable as a TokenSink from the engine thread, a gate that holds the engine inside a
// forward pass, and a small text vocabulary for FakeTextCodec. Thread-safe where noted.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "inference/fake_model_runner.h"
#include "inference/fake_text_codec.h"
#include "inference/local_engine.h"

namespace inference::testing {

constexpr int32_t kVocab = 64;
constexpr int32_t kEos = 63;
constexpr int32_t kSpace = 26, kNewline = 27, kLess = 28, kSlash = 29, kGreater = 30;
constexpr int32_t kEAcuteLead = 31, kEAcuteTail = 32, kEuro = 33, kInvalidByte = 34;

// 0..25 'a'..'z', then ' ', '\n', '<', '/', '>', the two bytes of "é", "€", a byte that is never
// valid UTF-8, filler words "w35 ".."w62 ", and an EOS that renders as nothing.
inline std::vector<std::string> Pieces() {
  std::vector<std::string> pieces;
  for (char c = 'a'; c <= 'z'; ++c) pieces.emplace_back(1, c);
  for (const char* p : {" ", "\n", "<", "/", ">", "\xC3", "\xA9", "\xE2\x82\xAC", "\xFF"}) {
    pieces.emplace_back(p);
  }
  while (pieces.size() < kEos) pieces.push_back("w" + std::to_string(pieces.size()) + " ");
  pieces.emplace_back("");
  return pieces;
}

// Token ids spelling `text` with the single-character pieces above.
inline std::vector<int32_t> Spell(std::string_view text) {
  const std::vector<std::string> pieces = Pieces();
  std::vector<int32_t> ids;
  for (char c : text) {
    auto it = std::find(pieces.begin(), pieces.end(), std::string(1, c));
    REQUIRE(it != pieces.end());
    ids.push_back(static_cast<int32_t>(it - pieces.begin()));
  }
  return ids;
}

// A FakeModelOptions::next_token that makes the output follow `script` after a prompt of
// `prompt_len` tokens (and leaves the model unbiased after the script ends).
inline auto ScriptAfter(size_t prompt_len, std::vector<int32_t> script) {
  return [prompt_len, script](std::span<const int32_t> context) -> std::optional<int32_t> {
    if (context.size() < prompt_len) return std::nullopt;
    const size_t i = context.size() - prompt_len;
    if (i < script.size()) return script[i];
    return std::nullopt;
  };
}

// Greedy decoding computed straight from the fake model's logits: the engine must agree.
inline std::vector<int32_t> ReferenceGreedy(const FakeModelRunner& model,
                                            std::vector<int32_t> context, int n) {
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    const std::vector<float> logits = model.LogitsFor(context);
    const auto t =
        static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    out.push_back(t);
    context.push_back(t);
  }
  return out;
}

// Records every event of every request in arrival order. Thread-safe.
class EventRecorder {
 public:
  TokenSink Sink() {
    return [this](const StreamEvent& event) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(event);
      if (event.IsFinal()) {
        finals_.push_back(event.request_id);
        changed_.notify_all();
      }
    };
  }

  // Waits (at most 20 s, so a hung engine fails the test instead of hanging it) for n finals.
  bool WaitForFinals(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(20), [&] { return finals_.size() >= n; });
  }

  std::vector<StreamEvent> EventsOf(RequestId id) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<StreamEvent> out;
    for (const auto& e : events_) {
      if (e.request_id == id) out.push_back(e);
    }
    return out;
  }
  std::vector<int32_t> TokensOf(RequestId id) const {
    std::vector<int32_t> out;
    for (const auto& e : EventsOf(id)) {
      if (auto* t = std::get_if<TokenEvent>(&e.payload)) out.push_back(t->token);
    }
    return out;
  }
  // All text the client would show: token texts, then the final event's text.
  std::string TextOf(RequestId id) const {
    std::string out;
    for (const auto& e : EventsOf(id)) {
      if (auto* t = std::get_if<TokenEvent>(&e.payload)) out += t->text;
      if (auto* f = std::get_if<FinalEvent>(&e.payload)) out += f->text;
    }
    return out;
  }
  std::optional<FinalEvent> FinalOf(RequestId id) const {
    for (const auto& e : EventsOf(id)) {
      if (auto* f = std::get_if<FinalEvent>(&e.payload)) return *f;
    }
    return std::nullopt;
  }
  std::vector<RequestId> FinalOrder() const {
    std::lock_guard<std::mutex> lock(mu_);
    return finals_;
  }
  std::vector<StreamEvent> All() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<StreamEvent> events_;
  std::vector<RequestId> finals_;
};

// Holds the engine thread at FakeModelOptions::on_forward while closed. Thread-safe.
class Gate {
 public:
  void Pass() {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    --waiting_;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    changed_.notify_all();
  }
  // True once the engine thread is held at the gate (false after 20 s).
  bool WaitUntilHeld() {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(20), [&] { return waiting_ > 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool open_ = true;
  int waiting_ = 0;
};

// An engine over a FakeModelRunner with a FakeClock and the Pieces() vocabulary. The clock and
// codec are declared before the engine so they outlive it.
struct TestEngine {
  explicit TestEngine(FakeModelOptions model_options, LocalEngineOptions engine_options = {}) {
    model_options.vocab_size = kVocab;
    auto runner = std::make_unique<FakeModelRunner>(std::move(model_options));
    model = runner.get();
    engine = std::make_unique<LocalEngine>(std::move(runner), codec, clock, engine_options);
  }

  base::FakeClock clock;
  FakeTextCodec codec{Pieces()};
  EventRecorder recorder;
  FakeModelRunner* model = nullptr;  // owned by the engine
  std::unique_ptr<LocalEngine> engine;

  RequestId MustSubmit(Request r) {
    auto id = engine->Submit(std::move(r), recorder.Sink());
    REQUIRE_MESSAGE(id.ok(), id.status().ToString());
    return *id;
  }
};

inline Request GreedyRequest(std::vector<int32_t> prompt, int32_t max_tokens) {
  Request r;
  r.prompt = std::move(prompt);
  r.max_tokens = max_tokens;
  r.sampling.temperature = 0;
  return r;
}

}  // namespace inference::testing
