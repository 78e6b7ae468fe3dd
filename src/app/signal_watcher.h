// Waits for signals on its own thread (they are blocked everywhere else): SIGTERM/SIGINT stop the daemon
// in order, SIGHUP reloads the rules.
#pragma once
#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace tp {

// The signals the watcher takes; block them before any thread exists, so every thread inherits the mask.
sigset_t daemon_signals();

class SignalWatcher {
 public:
  SignalWatcher(std::function<void()> on_stop, std::function<void()> on_reload);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  void loop();
  std::function<void()> on_stop_;
  std::function<void()> on_reload_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace tp
