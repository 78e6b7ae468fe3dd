#include "app/daemon.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "app/daemon_state.h"
#include "app/rule_reload.h"
#include "app/signal_watcher.h"
#include "app/steps/steps.h"

namespace tp {

int run_daemon(const Config& config) {
  // Block the signals before any thread exists, so every thread inherits the mask and only the
  // watcher receives them.
  const sigset_t set = daemon_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  if (!is_loopback_host(config.server.host) && accepts_unauthenticated(config) &&
      !config.server.allow_unauthenticated) {
    spdlog::critical(
        "refusing to listen on {} without credentials: set auth on every source and server.read_token, or "
        "server.allow_unauthenticated (--allow-unauthenticated) if this is really wanted",
        config.server.host);
    return 2;
  }

  DaemonState d(config);
  StartupSequence startup;
  add_startup_steps(startup, d);
  try {
    startup.run();
  } catch (const std::exception& e) {
    spdlog::critical("startup failed: {}", e.what());
    return 1;
  }

  const std::string host =
      config.server.host.find(':') != std::string::npos ? "[" + config.server.host + "]" : config.server.host;
  spdlog::info("touchpointd listening on http://{}:{}", host, d.port);
  {
    SignalWatcher signals(
        [&d] {
          d.changes.close();  // live streams end, so their threads can finish
          d.http->stop();
        },
        [&d] { reload_rules(d); });
    d.http->run();  // returns after stop(), once the answers owed are written
  }
  startup.teardown();  // stops tagging, then the writer after draining, then closes storage
  spdlog::info("touchpointd stopped cleanly");
  return 0;
}

}  // namespace tp
