// CallGate: the check at the top of every RPC handler. It
//   - authenticates TCP callers (Unix-socket callers are trusted: the socket is 0600), by
//     comparing "authorization: Bearer <token>" with the configured token in constant time;
//   - refuses new calls with UNAVAILABLE once shutdown has begun;
//   - counts open server streams for Admin.Status and lets shutdown end them cleanly.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "base/thread_annotations.h"

namespace flashcoded {

// Compares two secrets in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

class CallGate {
 public:
  explicit CallGate(std::string tcp_token) : tcp_token_(std::move(tcp_token)) {}
  CallGate(const CallGate&) = delete;
  CallGate& operator=(const CallGate&) = delete;

  // `peer` is grpc's ServerContext::peer() ("unix:..." or "ipv4:..."/"ipv6:...");
  // `authorization` the value of the authorization header, or empty.
  // Errors: Unauthenticated, Unavailable (shutting down).
  base::Status Admit(std::string_view peer, std::string_view authorization) const;

  // Registers an open stream; `end` is called at most once, from BeginShutdown, and must make
  // the stream finish with UNAVAILABLE. It runs under the gate's lock: it must not call the gate.
  // Returns an id for StreamClosed, or 0 when shutting down (the caller must then finish the stream
  // itself).
  uint64_t StreamOpened(std::function<void()> end);
  void StreamClosed(uint64_t id);
  uint32_t OpenStreams() const;

  // Refuses new calls from now on and ends every registered stream (once; later calls do
  // nothing). The streams stay counted until they report StreamClosed.
  void BeginShutdown();
  // Waits until every registered stream has closed; false if `deadline` came first.
  bool WaitForStreamsClosed(std::chrono::steady_clock::time_point deadline);
  bool IsShuttingDown() const { return shutting_down_.load(); }

 private:
  const std::string tcp_token_;
  std::atomic<bool> shutting_down_{false};
  mutable std::mutex mu_;
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
  std::unordered_map<uint64_t, std::function<void()>> streams_ GUARDED_BY(mu_);
  std::condition_variable all_closed_;
};

}  // namespace flashcoded
