#include "runtime/stage_main.hpp"

#include <exception>

#include "log/logger.hpp"
#include "runtime/signals.hpp"

namespace memgov::runtime {

int stage_main(const std::string& stage,
               const std::function<int(const config::settings_source&)>& body) {
  block_signals();
  log::configure(stage, log::level::info);
  log::logger logger("main");
  try {
    config::settings_source settings = config::settings_source::from_environment();
    std::string level_text = settings.get_string("log.level", "info");
    try {
      log::configure(stage, log::parse_level(level_text));
    } catch (const std::invalid_argument& e) {
      throw config::settings_error(std::string("log.level (MEMGOV_LOG_LEVEL): ") + e.what());
    }
    return body(settings);
  } catch (const config::settings_error& e) {
    logger.error("invalid setting; not starting", {{"error", e.what()}});
  } catch (const std::exception& e) {
    logger.error("start-up failed", {{"error", e.what()}});
  }
  return 2;
}

}  // namespace memgov::runtime
