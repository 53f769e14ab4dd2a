#include "base/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>
#include <vector>

namespace base {
namespace {

// spdlog's registry is the one process-wide object we accept (conventions.md §5); this guard
// only serialises our sink swaps against logger creation.
std::mutex& SinkMutex() {
  static std::mutex mu;
  return mu;
}

std::vector<spdlog::sink_ptr>& CurrentSinks() {
  static std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::null_sink_mt>()};
  return sinks;
}

}  // namespace

spdlog::logger* Logger(const std::string& module) {
  std::lock_guard<std::mutex> lock(SinkMutex());
  if (auto existing = spdlog::get(module)) return existing.get();
  auto logger = std::make_shared<spdlog::logger>(module, CurrentSinks().begin(), CurrentSinks().end());
  logger->set_level(spdlog::get_level());
  spdlog::register_logger(logger);
  return logger.get();
}

void ConfigureLogging(const LogOptions& options) {
  std::lock_guard<std::mutex> lock(SinkMutex());
  std::vector<spdlog::sink_ptr> sinks;
  if (!options.file.empty()) {
    sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file));
  }
  if (options.file.empty() || options.also_stderr) {
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  }
  CurrentSinks() = sinks;
  spdlog::level::level_enum level = spdlog::level::from_str(options.level);
  spdlog::set_level(level);
  spdlog::apply_all([&](std::shared_ptr<spdlog::logger> logger) {
    logger->sinks() = sinks;
    logger->set_level(level);
  });
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace base
