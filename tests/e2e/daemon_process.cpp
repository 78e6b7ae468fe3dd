#include "daemon_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace tp::e2e {
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// posix_spawn with stdout and stderr appended to `log`.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  std::string exe = TOUCHPOINTD_PATH;
  argv.push_back(exe.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + exe);
  return pid;
}

// The port in "touchpointd listening on http://HOST:PORT", or 0 before that line is written.
int listening_port(const std::string& log) {
  const std::string marker = "listening on http://";
  const size_t at = log.find(marker);
  if (at == std::string::npos) return 0;
  const size_t eol = log.find('\n', at);
  if (eol == std::string::npos) return 0;  // line not complete yet
  const std::string url = log.substr(at + marker.size(), eol - at - marker.size());
  const size_t colon = url.rfind(':');
  return colon == std::string::npos ? 0 : std::atoi(url.c_str() + colon + 1);
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Daemons started by the tests find this build's plugins (the shipped config looks in build/plugins
// unless told otherwise), whatever the build folder is called.
const bool kPluginDirSet = [] { return ::setenv("TOUCHPOINT_PLUGIN_DIR", TP_PLUGIN_DIR, 0) == 0; }();

}  // namespace

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() /
          ("touchpoint-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

nlohmann::json test_config(const fs::path& dir, const nlohmann::json& patch) {
  nlohmann::json c = {
      {"server", {{"listen", "127.0.0.1:0"}, {"threads", 64}}},
      {"storage", {{"backend", "sqlite"}, {"sqlite", {{"path", (dir / "touchpoint.db").string()}}}}},
      {"log", {{"format", "text"}, {"level", "info"}}},
      {"journey", std::string(TP_SOURCE_DIR) + "/config/journey.json"},
      {"sources",
       {{"events", {{"kind", "native"}, {"auth", {{"type", "none"}}}}},
        {"segment", {{"kind", "segment"}, {"auth", {{"type", "none"}}}}}}},
  };
  c.merge_patch(patch);
  return c;
}

RunResult run_touchpointd(const std::vector<std::string>& args) {
  TempDir dir;
  const fs::path log = dir.path() / "out.log";
  const pid_t pid = spawn(args, log);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {decode_status(status), read_file(log)};
}

DaemonProcess::DaemonProcess(const fs::path& dir, const nlohmann::json& config,
                             std::vector<std::string> extra_args) {
  const fs::path config_path = dir / "touchpoint.json";
  std::ofstream(config_path) << config.dump(2);
  log_path_ = dir / ("daemon-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) +
                     ".log");
  std::vector<std::string> args = {"serve", "--config", config_path.string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = spawn(args, log_path_);

  // Readiness, not a timing assertion: poll the log for the port the kernel picked.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (const int port = listening_port(read_file(log_path_)); port > 0) {
      port_ = port;
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = decode_status(status);
      throw std::runtime_error("touchpointd exited with " + std::to_string(*exit_code_) + ":\n" +
                               read_file(log_path_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  wait();
  throw std::runtime_error("touchpointd did not listen within 30 s:\n" + read_file(log_path_));
}

DaemonProcess::~DaemonProcess() {
  if (exit_code_ || pid_ <= 0) return;
  // Ended the way an operator ends it, so every test also checks the shutdown: exit 0 after SIGTERM,
  // within 20 s, whatever the test did (and a coverage build gets the daemon's counters, which a killed
  // process never writes).
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = decode_status(status);
      if (*exit_code_ != 0)
        ADD_FAILURE() << "touchpointd exited with " << *exit_code_ << " after SIGTERM:\n" << log();
      return;
    }
    if (r < 0 && errno != EINTR) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "touchpointd did not end within 20 s of SIGTERM; killed:\n" << log();
  ::kill(pid_, SIGKILL);
  wait();
}

std::string DaemonProcess::log() const {
  return read_file(log_path_);
}

void DaemonProcess::signal(int sig) const {
  if (!exit_code_) ::kill(pid_, sig);
}

int DaemonProcess::wait() {
  if (exit_code_) return *exit_code_;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_code_ = decode_status(status);
  return *exit_code_;
}

}  // namespace tp::e2e
