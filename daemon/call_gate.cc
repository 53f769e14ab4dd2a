#include "daemon/call_gate.h"

namespace flashcoded {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Always walk the longer length so timing reveals neither the content nor a prefix match.
  size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

base::Status CallGate::Admit(std::string_view peer, std::string_view authorization) const {
  if (shutting_down_.load()) return base::Unavailable("daemon shutting down");
  if (peer.substr(0, 5) == "unix:") return base::Status::Ok();
  constexpr std::string_view kBearer = "Bearer ";
  if (tcp_token_.empty() || authorization.substr(0, kBearer.size()) != kBearer ||
      !ConstantTimeEquals(authorization.substr(kBearer.size()), tcp_token_)) {
    return base::Unauthenticated("missing or wrong token (send 'authorization: Bearer <token>')");
  }
  return base::Status::Ok();
}

uint64_t CallGate::StreamOpened(std::function<void()> end) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_.load()) return 0;
  uint64_t id = next_id_++;
  streams_.emplace(id, std::move(end));
  return id;
}

void CallGate::StreamClosed(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  streams_.erase(id);
  if (streams_.empty()) all_closed_.notify_all();
}

bool CallGate::WaitForStreamsClosed(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return all_closed_.wait_until(lock, deadline, [&] { return streams_.empty(); });
}

uint32_t CallGate::OpenStreams() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<uint32_t>(streams_.size());
}

void CallGate::BeginShutdown() {
  // The ends run under the lock so that a stream closing concurrently (StreamClosed, then its
  // reactor deleted) waits until we are done with it; an end therefore must not call the gate.
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_.exchange(true)) return;
  for (auto& [id, end] : streams_) end();
}

}  // namespace flashcoded
