#include "limits_reload.hpp"

#include "log/logger.hpp"

namespace memgov::ratelimit {
namespace {

std::vector<std::string> restart_only_changes(const ratelimit_settings& running,
                                              const ratelimit_settings& fresh) {
  std::vector<std::string> changed;
  auto note = [&changed](bool differs, const char* key) {
    if (differs) {
      changed.emplace_back(key);
    }
  };
  note(running.bind != fresh.bind, "ratelimit.bind");
  note(running.metrics_listen != fresh.metrics_listen, "ratelimit.metrics_listen");
  note(running.window != fresh.window, "ratelimit.window_seconds");
  note(running.backend != fresh.backend, "ratelimit.backend");
  note(running.shards != fresh.shards, "ratelimit.shards");
  note(running.max_keys != fresh.max_keys, "ratelimit.max_keys");
  note(running.sweep_interval != fresh.sweep_interval, "ratelimit.sweep_interval_seconds");
  note(running.redis_url != fresh.redis_url, "ratelimit.redis_url");
  note(running.redis_timeout != fresh.redis_timeout, "ratelimit.redis_timeout_ms");
  note(running.redis_failure_mode != fresh.redis_failure_mode, "ratelimit.redis_failure_mode");
  note(running.redis_connections != fresh.redis_connections, "ratelimit.redis_connections");
  note(running.redis_pipeline_depth != fresh.redis_pipeline_depth,
       "ratelimit.redis_pipeline_depth");
  note(running.redis_batch_max != fresh.redis_batch_max, "ratelimit.redis_batch_max");
  note(running.redis_queue_timeout != fresh.redis_queue_timeout,
       "ratelimit.redis_queue_timeout_ms");
  note(running.redis_key_prefix != fresh.redis_key_prefix, "ratelimit.redis_key_prefix");
  return changed;
}

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    text += text.empty() ? name : ", " + name;
  }
  return text;
}

}  // namespace

const char* to_string(reload_status status) {
  switch (status) {
    case reload_status::applied:
      return "applied";
    case reload_status::unchanged:
      return "unchanged";
    case reload_status::error:
      return "error";
  }
  return "error";
}

reload_result reload_limits(const ratelimit_settings& running, const config::settings_source& fresh,
                            limits_holder& holder, ratelimit_metrics* metrics) {
  reload_result result;
  ratelimit_settings loaded;
  try {
    loaded = load_ratelimit_settings(fresh);
  } catch (const config::settings_error& e) {
    result.status = reload_status::error;
    result.error = e.what();
    return result;
  }
  result.restart_only = restart_only_changes(running, loaded);
  if (holder.current()->settings() == loaded.limits) {
    result.status = reload_status::unchanged;
    return result;
  }
  holder.replace(std::make_shared<const limit_table>(std::move(loaded.limits), metrics));
  result.status = reload_status::applied;
  return result;
}

reload_result reload_from_environment(const ratelimit_settings& running, limits_holder& holder,
                                      ratelimit_metrics& metrics) {
  log::logger logger("reload");
  reload_result result;
  try {
    result = reload_limits(running, config::settings_source::from_environment(), holder, &metrics);
  } catch (const config::settings_error& e) {
    // from_environment() throws when the file cannot be read or parsed.
    result.status = reload_status::error;
    result.error = e.what();
  }
  metrics.count_reload(to_string(result.status));

  switch (result.status) {
    case reload_status::applied:
      logger.info("reloaded the rate limits", {{"limits", holder.current()->describe()}});
      break;
    case reload_status::unchanged:
      logger.info("reload found the rate limits unchanged",
                  {{"limits", holder.current()->describe()}});
      break;
    case reload_status::error:
      logger.error("reload failed; the previous rate limits stay in force",
                   {{"error", result.error}, {"limits", holder.current()->describe()}});
      break;
  }
  if (!result.restart_only.empty()) {
    logger.warning("settings changed that take effect only after a restart; ignoring them",
                   {{"settings", join(result.restart_only)}});
  }
  return result;
}

}  // namespace memgov::ratelimit
