// The real touchpointd as a child process, for end-to-end tests: a config in a fresh temporary folder,
// an ephemeral loopback port read from the daemon's own "listening on" log line, and control over how
// it ends (SIGTERM, SIGKILL).
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tp::e2e {

// A temporary folder removed when the test ends.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The default test config: loopback, port 0, the shipped demo journey, a native and a Segment source
// without credentials, SQLite in `dir`. `patch` is merged over it (RFC 7386 merge patch).
nlohmann::json test_config(const std::filesystem::path& dir,
                           const nlohmann::json& patch = nlohmann::json::object());

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs touchpointd with `args` to completion (for CLI tests).
RunResult run_touchpointd(const std::vector<std::string>& args);

class DaemonProcess {
 public:
  // Writes `config` to dir/touchpoint.json and starts the daemon with it; waits until it listens.
  // Throws std::runtime_error (with the daemon's log) if it exits or does not listen within 30 s.
  DaemonProcess(const std::filesystem::path& dir, const nlohmann::json& config,
                std::vector<std::string> extra_args = {});
  ~DaemonProcess();  // SIGTERM if still running (SIGKILL if it has not ended 20 s later)
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string log() const;

  void signal(int sig) const;
  // Waits for the process to end; returns its exit code, or 128+signal when killed.
  int wait();

 private:
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::optional<int> exit_code_;
};

}  // namespace tp::e2e
