#include "app/signal_watcher.h"

#include <spdlog/spdlog.h>

#include "util/thread_name.h"

namespace tp {

sigset_t daemon_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

SignalWatcher::SignalWatcher(std::function<void()> on_stop, std::function<void()> on_reload)
    : on_stop_(std::move(on_stop)), on_reload_(std::move(on_reload)) {
  thread_ = std::thread([this] {
    name_current_thread("tp-signals");
    loop();
  });
}

SignalWatcher::~SignalWatcher() {
  done_ = true;
  thread_.join();
}

void SignalWatcher::loop() {
  const sigset_t set = daemon_signals();
  const timespec tick{0, 200L * 1000 * 1000};
  while (!done_) {
    const int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      spdlog::info("received {}: stopping intake, draining the queue", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      on_stop_();
      return;
    }
    if (sig == SIGHUP) {
      spdlog::info("received SIGHUP: reloading the rules");
      on_reload_();
    }
  }
}

}  // namespace tp
