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
  auto logger =
      std::make_shared<spdlog::logger>(module, CurrentSinks().begin(), CurrentSinks().end());
  logger->set_level(spdlog::get_level());
  spdlog::register_logger(logger);
  return logger.get();
}

Status ConfigureLogging(const LogOptions& options) {
  spdlog::level::level_enum level = spdlog::level::from_str(options.level);
  if (level == spdlog::level::off && options.level != "off") {
    return InvalidArgument("unknown log level '" + options.level + "'");
  }
  std::lock_guard<std::mutex> lock(SinkMutex());
  std::vector<spdlog::sink_ptr> sinks;
  if (!options.file.empty()) {
    try {  // spdlog reports an unopenable file by exception; it stops here.
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file));
    } catch (const spdlog::spdlog_ex& e) {
      return PermissionDenied("cannot open log file " + options.file + ": " + e.what());
    }
  }
  if (options.file.empty() || options.also_stderr) {
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  }
  sinks.insert(sinks.end(), options.extra_sinks.begin(), options.extra_sinks.end());
  CurrentSinks() = sinks;
  spdlog::set_level(level);
  spdlog::apply_all([&](std::shared_ptr<spdlog::logger> logger) {
    logger->sinks() = sinks;
    logger->set_level(level);
  });
  for (auto& sink : sinks) sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l [%n] %v");
  spdlog::flush_every(std::chrono::seconds(1));
  return Status::Ok();
}

}  // namespace base
