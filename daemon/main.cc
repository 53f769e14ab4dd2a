// flashcoded: the composition root. Reads configuration, builds every object and wires them
// together, serves until SIGINT/SIGTERM or Admin.Shutdown, then stops in order.
// Exit codes: 0 clean stop, 1 runtime failure, 2 bad configuration or usage,
// 3 another flashcoded already serves the socket.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "agent/agent.h"
#include "agent/tokenizer_token_counter.h"
#include "base/build_info.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/xdg_paths.h"
#include "daemon/admin_service.h"
#include "daemon/agent_options.h"
#include "daemon/agent_service.h"
#include "daemon/call_gate.h"
#include "daemon/completion_service.h"
#include "daemon/config.h"
#include "daemon/context_service.h"
#include "daemon/instance_lock.h"
#include "daemon/log_broadcaster.h"
#include "daemon/metrics.h"
#include "daemon/model_host.h"
#include "daemon/review_service.h"
#include "daemon/server.h"
#include "daemon/workspace_indexes.h"
#include "inference/backend/accelerator_probe.h"
#include "inference/backend/cpu/heap_policy.h"
#include "tools/builtin_tools.h"

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitConfig = 2;
constexpr int kExitAlreadyRunning = 3;

std::string Dirname(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

int Fail(int code, const base::Status& status) {
  std::fprintf(stderr, "flashcoded: %s\n", status.message().c_str());
  return code;
}

// Waits for the first shutdown request, from a signal or from Admin.Shutdown.
class ShutdownLatch {
 public:
  void Request(uint32_t grace_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!requested_) grace_ms_ = grace_ms;
    requested_ = true;
    cv_.notify_all();
  }
  uint32_t Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return requested_; });
    return grace_ms_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;
  uint32_t grace_ms_ = 5000;
};

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals in every thread (gRPC's included, since they inherit the mask);
  // one thread below receives them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // The engine's activation buffers are reused from the heap, not faulted in anew each layer.
  inference::RetainFreedMemory();

  flashcoded::DaemonConfig config = flashcoded::DefaultConfig();
  std::string config_path;
  std::string socket, tcp, token_file, log_level, log_file, model_dir;
  CLI::App app{"flashcoded: the flashcode daemon (serves completions, agent sessions, reviews)"};
  app.set_version_flag("--version", std::string(base::kVersion));
  app.add_option("--config", config_path,
                 "TOML config file (default: ~/.config/flashcode/config.toml)");
  app.add_option("--socket", socket,
                 "Unix socket path (default: $XDG_RUNTIME_DIR/flashcode/flashcoded.sock)");
  app.add_option("--tcp", tcp, "also listen on TCP host:port (requires --token-file)");
  app.add_option("--token-file", token_file, "file holding the TCP bearer token (mode 0600)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off");
  app.add_option("--log-file", log_file,
                 "log file (default: $XDG_STATE_HOME/flashcode/flashcoded.log)");
  app.add_option("--model", model_dir, "checkpoint directory to serve");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitConfig;
  }

  bool explicit_config = !config_path.empty();
  if (!explicit_config) config_path = base::ConfigDir() + "/config.toml";
  if (auto s = flashcoded::LoadConfigFile(config_path, explicit_config, config); !s.ok()) {
    return Fail(kExitConfig, s);
  }
  if (!socket.empty()) config.socket_path = socket;
  if (!tcp.empty()) config.tcp_address = tcp;
  if (!token_file.empty()) config.tcp_token_file = token_file;
  if (!log_level.empty()) config.log_level = log_level;
  if (!log_file.empty()) config.log_file = log_file;
  if (!model_dir.empty()) config.model_path = model_dir;
  if (auto s = flashcoded::FinalizeConfig(config); !s.ok()) return Fail(kExitConfig, s);

  // The default runtime directory must be private; a user-chosen socket's directory is the
  // user's business, but the socket itself is always 0600.
  std::string socket_dir = Dirname(config.socket_path);
  bool default_dir = socket_dir == base::RuntimeDir();
  if (auto s = base::MakeDirs(socket_dir, 0700, default_dir); !s.ok()) return Fail(kExitConfig, s);
  if (auto s = base::MakeDirs(Dirname(config.log_file), 0700, false); !s.ok()) {
    return Fail(kExitConfig, s);
  }

  auto logs = std::make_shared<flashcoded::LogBroadcaster>();
  base::LogOptions log_options;
  log_options.level = config.log_level;
  log_options.file = config.log_file;
  log_options.also_stderr = isatty(STDERR_FILENO);
  log_options.extra_sinks.push_back(logs);
  if (auto s = base::ConfigureLogging(log_options); !s.ok()) return Fail(kExitConfig, s);
  auto* log = base::Logger("daemon");

  auto lock = flashcoded::InstanceLock::Acquire(config.socket_path);
  if (!lock.ok()) {
    int code = lock.status().code() == base::StatusCode::kAlreadyExists ? kExitAlreadyRunning
                                                                        : kExitRuntime;
    return Fail(code, lock.status());
  }
  // We hold the lock, so a socket file here belongs to a daemon that died: remove it.
  unlink(config.socket_path.c_str());

  inference::AcceleratorReport accel = inference::ProbeAccelerators();
  base::SystemClock clock;
  flashcoded::DaemonInfo info;
  info.version = base::kVersion;
  if (const char* v = getenv("FLASHCODE_TEST_VERSION_OVERRIDE")) info.version = v;  // tests only
  info.pid = getpid();
  info.started_unix_ms = clock.UnixMillis();
  info.socket_path = config.socket_path;
  info.tcp_address = config.tcp_address;
  info.cuda_built = accel.cuda_built;
  info.cuda_devices = accel.devices;
  info.cuda_detail = accel.detail;
  info.build_type = base::kBuildType;

  std::unique_ptr<flashcoded::ModelHost> model;
  if (!config.model_path.empty()) {
    auto loaded = flashcoded::ModelHost::Load(config.model_path, config.context_limit, clock);
    if (!loaded.ok()) {
      log->error("cannot load model: {}", loaded.status().ToString());
      return Fail(kExitConfig, loaded.status().WithContext("cannot load model"));
    }
    model = std::move(loaded).value();
    const auto& m = model->info();
    log->info("model {} loaded from {} in {} ms: {:.2f}B parameters ({:.2f}B active), context {}",
              m.name, m.path, m.load_ms, m.total_params / 1e9, m.active_params / 1e9,
              m.context_length);
    info.model = m;
  }

  flashcoded::WorkspaceIndexes indexes(base::CacheDir(), /*threads=*/0, clock);

  // Agent sessions: with a model, the Agent owns the store; without one, the store alone
  // serves listing, showing and deleting stored sessions.
  auto session_store = agent::SessionStore::Open(base::StateDir() + "/agent", clock);
  if (!session_store.ok()) return Fail(kExitRuntime, session_store.status());
  tools::ToolRegistry tool_registry;
  std::unique_ptr<agent::SessionStore> store_without_model;
  std::unique_ptr<agent::TokenizerTokenCounter> token_counter;  // the repo map's budget
  std::unique_ptr<agent::Agent> agent;  // declared after `model`: destroyed before the engine
  if (model) {
    auto shell = tools::Shell::Create(tools::ShellPolicy{});
    log->info("shell tool sandbox: {}", shell->Describe());
    if (auto s = tools::RegisterBuiltinTools(tool_registry, std::move(shell)); !s.ok()) {
      return Fail(kExitRuntime, s);
    }
    token_counter = std::make_unique<agent::TokenizerTokenCounter>(model->tokenizer());
    auto agent_options = flashcoded::AgentOptionsFromConfig(config, indexes, *token_counter);
    if (!agent_options.ok()) return Fail(kExitConfig, agent_options.status());
    agent = std::make_unique<agent::Agent>(model->engine(), model->tokenizer(), tool_registry,
                                           clock, std::move(session_store).value(),
                                           std::move(agent_options).value());
  } else {
    store_without_model = std::move(session_store).value();
  }

  ShutdownLatch latch;
  flashcoded::CallGate gate(config.tcp_token);
  flashcoded::Metrics metrics;
  auto count_sessions = [&]() {
    auto all =
        agent ? agent->ListSessions("", 1u << 20, 0) : store_without_model->List("", 1u << 20, 0);
    flashcoded::SessionCounts counts;
    if (!all.ok()) return counts;  // Status must answer; the error shows in the session RPCs
    counts.stored = static_cast<uint32_t>(all->size());
    for (const auto& s : *all) counts.active += s.turn_running ? 1 : 0;
    return counts;
  };
  flashcoded::AdminService admin(
      info, clock, gate, metrics, *logs, [&latch](uint32_t grace_ms) { latch.Request(grace_ms); },
      count_sessions);
  flashcoded::CompletionService completion(model.get(), gate, metrics);
  flashcoded::ContextService context(indexes, clock, gate, metrics);
  flashcoded::AgentService agent_service(agent.get(), store_without_model.get(), gate, metrics);
  flashcoded::ReviewService review(model.get(), &indexes, gate, metrics);  // waits for its workers
  flashcoded::ServerOptions server_options;
  server_options.socket_path = config.socket_path;
  server_options.tcp_address = config.tcp_address;
  server_options.max_message_bytes = static_cast<int>(config.max_message_mb) << 20;
  flashcoded::Server server(server_options, gate,
                            {&admin, &completion, &context, &agent_service, &review});
  if (auto s = server.Start(); !s.ok()) {
    log->error("{}", s.ToString());
    return Fail(kExitRuntime, s);
  }

  std::thread([&latch, stop_signals, log] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    log->info("received {}, shutting down", strsignal(sig));
    latch.Request(5000);
  }).detach();

  log->info("flashcoded {} (pid {}) serving unix:{}{}", info.version, info.pid, config.socket_path,
            config.tcp_address.empty() ? "" : " and tcp:" + config.tcp_address);
  if (accel.devices.empty()) {
    log->info("CUDA backend {}; {}", accel.cuda_built ? "built" : "not built", accel.detail);
  } else {
    for (const auto& d : accel.devices) log->info("CUDA device: {}", d);
  }
  if (!model) log->info("model: none configured (--model DIR or [model] path)");

  uint32_t grace_ms = latch.Wait();
  server.Shutdown(std::chrono::milliseconds(grace_ms));
  server.Wait();
  log->info("flashcoded stopped");
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
  return 0;
}
