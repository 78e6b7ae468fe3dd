#include "headless_chromium.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tp::e2e {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// The command was answered, but with an error (or the page's JavaScript threw): the browser is fine.
struct CommandFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// No answer in time. wait_for() treats both as "not yet"; anything else (Chromium gone) propagates.
struct CommandTimeout : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Clock::time_point deadline_in(int ms) {
  return Clock::now() + std::chrono::milliseconds(ms);
}

// A broken pipe must be an EPIPE error, not the death of the test binary. Pipes have no MSG_NOSIGNAL,
// so SIGPIPE is ignored process-wide, once, unless someone installed a handler of their own.
void ignore_sigpipe() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction old {};
    if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
  });
}

std::string chromium_binary() {
  const char* env = ::getenv("TOUCHPOINT_CHROMIUM");
  std::string path = env != nullptr && *env != '\0' ? env : "/usr/bin/chromium";
  if (path.find('/') == std::string::npos) {  // a bare name: look it up in PATH (execv does not)
    const char* search = ::getenv("PATH");
    std::stringstream dirs(search != nullptr ? search : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
      const std::string candidate = (dir.empty() ? "." : dir) + "/" + path;
      if (::access(candidate.c_str(), X_OK) == 0) {
        path = candidate;
        break;
      }
    }
  }
  if (::access(path.c_str(), X_OK) != 0) {
    throw std::runtime_error(
        "headless Chromium not found: '" + path +
        "' is not an executable (install Debian's chromium package, see scripts/setup.sh, "
        "or point TOUCHPOINT_CHROMIUM at a Chromium/Chrome binary)");
  }
  return path;
}

// Standard base64 (RFC 4648, with or without padding, whitespace ignored): Page.captureScreenshot's data.
std::string base64_decode(const std::string& in) {
  static const auto table = [] {
    std::array<signed char, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
    return t;
  }();
  std::string out;
  out.reserve(in.size() / 4 * 3);
  uint32_t bits = 0;
  int nbits = 0;
  for (const char c : in) {
    if (c == '=') break;
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    const int v = table[static_cast<unsigned char>(c)];
    if (v < 0) throw std::runtime_error("invalid base64 from Chromium");
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out.push_back(static_cast<char>((bits >> nbits) & 0xFF));
    }
  }
  return out;
}

// A Runtime.RemoteObject as console text: strings bare, other JSON values dumped, the rest described.
std::string remote_object_text(const json& o) {
  if (o.contains("value")) {
    const json& v = o["value"];
    return v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  if (o.contains("unserializableValue")) return o["unserializableValue"].get<std::string>();
  if (o.contains("description")) return o["description"].get<std::string>();
  return o.value("type", std::string("?"));
}

// JavaScript truthiness of a value that came back by value.
bool truthy(const json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0.0;
  if (v.is_string()) return !v.get<std::string>().empty();
  return true;  // objects and arrays, even empty ones
}

std::string shorten(const std::string& s, size_t max = 200) {
  return s.size() <= max ? s : s.substr(0, max) + "...";
}

}  // namespace

HeadlessChromium::HeadlessChromium(int width, int height) {
  try {
    start(width, height);
  } catch (...) {
    shutdown();
    throw;
  }
}

HeadlessChromium::~HeadlessChromium() {
  shutdown();
}

void HeadlessChromium::start(int width, int height) {
  ignore_sigpipe();
  const std::string binary = chromium_binary();

  std::string dir_template = (fs::temp_directory_path() / "touchpoint-chromium-XXXXXX").string();
  if (::mkdtemp(dir_template.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary folder for Chromium: " +
                             std::string(::strerror(errno)));
  }
  profile_dir_ = dir_template;
  stderr_path_ = profile_dir_ + "/chromium-stderr.log";

  std::vector<std::string> args = {
      binary,
      "--headless=new",  // the real browser without a display (the old headless shell is a separate binary
                         // now)
      "--remote-debugging-pipe",  // CDP as NUL-terminated JSON on fds 3 (in) and 4 (out)
      "--user-data-dir=" + profile_dir_ +
          "/profile",  // nothing shared with a user's or another test's profile
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-gpu",
      "--disable-dev-shm-usage",  // containers have a tiny /dev/shm; Chromium crashes when it fills up
      "--disable-extensions",
      "--disable-background-networking",  // no update, safe-browsing or suggestion traffic from the tests
      "--disable-component-update",
      "--disable-sync",
      "--disable-breakpad",
      "--password-store=basic",  // no keyring lookups over D-Bus
      "--mute-audio",
      "--window-size=" + std::to_string(width) + "," + std::to_string(height),
  };
  // Chromium refuses to run as root with its sandbox on, and as another user the sandbox needs user
  // namespaces that CI containers often lack ("No usable sandbox!"). The browser only ever loads the
  // test daemon's own page on loopback, so the tests run it without the sandbox everywhere.
  args.push_back("--no-sandbox");
  args.push_back("about:blank");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // Every descriptor is close-on-exec in this process, so daemons the tests spawn meanwhile do not
  // inherit the pipes (which would keep them open after Chromium exits).
  int to_child[2] = {-1, -1};
  int from_child[2] = {-1, -1};
  const int log_fd = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0 || ::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) {
    const std::string err = ::strerror(errno);
    for (const int fd : {log_fd, null_fd, to_child[0], to_child[1], from_child[0], from_child[1]}) {
      if (fd >= 0) ::close(fd);
    }
    throw std::runtime_error("cannot set up Chromium's pipes: " + err);
  }
  const long max_fd = ::sysconf(_SC_OPEN_MAX);

  const pid_t pid = ::fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on. Its own process group, so the browser and all
    // its helper processes can be killed together.
    ::setpgid(0, 0);
    // Move the four descriptors above 9 first: a pipe end may already be fd 3 or 4, and dup2 onto
    // itself would leave it close-on-exec. The copies made by F_DUPFD are not close-on-exec.
    const int r = ::fcntl(to_child[0], F_DUPFD, 10);
    const int w = ::fcntl(from_child[1], F_DUPFD, 10);
    const int e = ::fcntl(log_fd, F_DUPFD, 10);
    const int n = ::fcntl(null_fd, F_DUPFD, 10);
    if (r < 0 || w < 0 || e < 0 || n < 0 || ::dup2(n, 0) < 0 || ::dup2(e, 1) < 0 || ::dup2(e, 2) < 0 ||
        ::dup2(r, 3) < 0 || ::dup2(w, 4) < 0) {
      ::_exit(127);
    }
    if (::close_range(5, ~0U, 0) != 0) {
      for (long fd = 5; fd < max_fd; ++fd) ::close(static_cast<int>(fd));
    }
    // Ignored signals and the signal mask survive exec; give Chromium the defaults.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    static const char msg[] = "headless_chromium: execv failed\n";
    [[maybe_unused]] const ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(to_child[0]);
  ::close(from_child[1]);
  ::close(log_fd);
  ::close(null_fd);
  to_browser_ = to_child[1];
  from_browser_ = from_child[0];
  if (pid < 0) throw std::runtime_error("cannot fork for Chromium: " + std::string(::strerror(fork_errno)));
  pid_ = pid;
  ::setpgid(pid_, pid_);  // also from this side, so the group exists before we might signal it
  // Writes are bounded by a poll() deadline instead of blocking forever on a full pipe.
  ::fcntl(to_browser_, F_SETFL, ::fcntl(to_browser_, F_GETFL) | O_NONBLOCK);

  reader_ = std::thread([this] { reader_loop(); });

  // The first answer is the readiness signal (a few seconds on a cold start).
  try {
    command("Browser.getVersion", json::object(), false, 30000);
  } catch (const CommandTimeout&) {
    fail("headless Chromium (" + binary + ") did not answer on its DevTools pipe within 30 s");
  }

  // A page target of its own (not the initial tab, whose id we would have to discover), attached as a
  // flattened session: page commands then go over the same pipe with a "sessionId".
  const json target = command("Target.createTarget", {{"url", "about:blank"}}, false);
  const json attached =
      command("Target.attachToTarget", {{"targetId", target.at("targetId")}, {"flatten", true}}, false);
  {
    std::lock_guard<std::mutex> lk(mu_);
    session_id_ = attached.at("sessionId").get<std::string>();
  }
  // --window-size is the outer window: headless still subtracts room for a (virtual) toolbar, 87 px here.
  // The override makes the viewport exactly width x height, so layouts and screenshots are predictable.
  command("Emulation.setDeviceMetricsOverride",
          {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", false}});
  command("Page.enable");
  // Lifecycle events carry the loaderId, so navigate() waits for the load of its own document and is not
  // fooled by a late load event of an earlier one (Page.loadEventFired has no loaderId).
  command("Page.setLifecycleEventsEnabled", {{"enabled", true}});
  command("Runtime.enable");
  command("Log.enable");
}

void HeadlessChromium::shutdown() {
  if (pid_ > 0) {
    bool reachable = false;
    {
      std::lock_guard<std::mutex> lk(mu_);
      reachable = browser_gone_.empty() && reader_.joinable();
    }
    if (reachable) {
      try {
        command("Browser.close", json::object(), false, 5000);
      } catch (...) {  // it is going away either way
      }
    }
    // Wait for the browser to exit without reaping it (WNOWAIT): while it is a zombie its pid cannot be
    // reused, so signalling its process group below cannot hit a stranger.
    const auto deadline = deadline_in(10000);
    while (Clock::now() < deadline) {
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
          info.si_pid == pid_) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(-pid_, SIGKILL);  // helpers left behind (renderers, zygote), and the browser if it lingered
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  stop_reader_ = true;
  if (reader_.joinable()) reader_.join();
  if (to_browser_ >= 0) ::close(to_browser_);
  if (from_browser_ >= 0) ::close(from_browser_);
  to_browser_ = from_browser_ = -1;
  if (!profile_dir_.empty()) {
    // Killed helpers may still be closing files in the profile for a moment.
    for (int attempt = 0; attempt < 20; ++attempt) {
      std::error_code ec;
      fs::remove_all(profile_dir_, ec);
      if (!ec && !fs::exists(profile_dir_, ec)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    profile_dir_.clear();
  }
}

std::string HeadlessChromium::stderr_tail(size_t max_bytes) const {
  if (stderr_path_.empty()) return {};
  std::ifstream in(stderr_path_, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Without a D-Bus (containers, CI) Chromium logs a dozen harmless complaints about it; they would
  // push the line that matters out of the tail.
  std::string kept;
  std::istringstream lines(all);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(":ERROR:dbus/") == std::string::npos) kept += line + "\n";
  }
  return kept.size() <= max_bytes ? kept : kept.substr(kept.size() - max_bytes);
}

void HeadlessChromium::fail(const std::string& what) const {
  throw std::runtime_error(what + "\n--- chromium stderr (tail) ---\n" + stderr_tail());
}

void HeadlessChromium::send_message(int64_t id, const std::string& method, const json& params,
                                    const std::string& session) {
  json msg = {{"id", id}, {"method", method}, {"params", params}};
  if (!session.empty()) msg["sessionId"] = session;
  // dump() escapes control characters, so the text itself never contains the '\0' terminator.
  const std::string text = msg.dump(-1, ' ', false, json::error_handler_t::replace) + std::string(1, '\0');

  std::lock_guard<std::mutex> lk(write_mu_);
  const auto deadline = deadline_in(10000);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(to_browser_, text.data() + done, text.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {  // pipe full: wait until Chromium reads
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) throw CommandTimeout("Chromium did not read " + method + " from its pipe within 10 s");
      pollfd p{to_browser_, POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(left));
      continue;
    }
    fail("cannot send " + method + " to Chromium: " + std::string(::strerror(errno)));
  }
}

json HeadlessChromium::command(const std::string& method, const json& params, bool page, int timeout_ms) {
  const int64_t id = next_id_++;
  std::string session;
  {
    std::unique_lock<std::mutex> lk(mu_);
    if (!browser_gone_.empty()) {
      const std::string why = browser_gone_;
      lk.unlock();
      fail(method + ": " + why);
    }
    if (page) {
      if (session_id_.empty()) throw std::runtime_error(method + ": no page session");
      if (!page_gone_.empty()) throw std::runtime_error(method + ": " + page_gone_);
      session = session_id_;
    }
    awaited_.insert(id);  // before sending: the answer may arrive before send_message() returns
  }
  try {
    send_message(id, method, params, session);
  } catch (...) {
    std::lock_guard<std::mutex> lk(mu_);
    awaited_.erase(id);
    throw;
  }

  json response;
  {
    std::unique_lock<std::mutex> lk(mu_);
    const auto deadline = deadline_in(timeout_ms);
    for (;;) {
      if (auto it = responses_.find(id); it != responses_.end()) {
        response = std::move(it->second);
        responses_.erase(it);
        awaited_.erase(id);
        break;
      }
      std::string why = !browser_gone_.empty() ? browser_gone_ : page ? page_gone_ : std::string();
      const bool timed_out = why.empty() && Clock::now() >= deadline;
      if (!why.empty() || timed_out) {
        awaited_.erase(id);
        lk.unlock();
        if (timed_out) {
          throw CommandTimeout(method + ": no answer from Chromium within " + std::to_string(timeout_ms) +
                               " ms\n--- chromium stderr (tail) ---\n" + stderr_tail());
        }
        fail(method + ": " + why);
      }
      cv_.wait_until(lk, deadline);
    }
  }
  if (response.contains("error")) {
    const json& e = response["error"];
    std::string text = method + " failed: " + e.value("message", e.dump());
    if (e.contains("data")) text += " (" + remote_object_text(json{{"value", e["data"]}}) + ")";
    throw CommandFailed(text);
  }
  return response.value("result", json::object());
}

void HeadlessChromium::reader_loop() {
  std::string buffer;
  size_t scanned = 0;  // bytes of `buffer` known to hold no '\0' (a screenshot is megabytes long)
  std::string why = "Chromium closed its DevTools pipe (it exited or crashed)";
  std::vector<char> chunk(1 << 16);
  while (!stop_reader_) {
    // Polled with a short timeout so shutdown() can stop this thread even if some helper process still
    // holds the write end open.
    pollfd p{from_browser_, POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready < 0 && errno != EINTR) {
      why = "poll on Chromium's pipe failed: " + std::string(::strerror(errno));
      break;
    }
    if (ready <= 0) continue;
    const ssize_t n = ::read(from_browser_, chunk.data(), chunk.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) why = "reading Chromium's pipe failed: " + std::string(::strerror(errno));
    if (n <= 0) break;
    buffer.append(chunk.data(), static_cast<size_t>(n));
    size_t begin = 0;
    for (;;) {
      const size_t end = buffer.find('\0', scanned);
      if (end == std::string::npos) {
        scanned = buffer.size();
        break;
      }
      const json msg = json::parse(buffer.begin() + static_cast<std::ptrdiff_t>(begin),
                                   buffer.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
      if (!msg.is_discarded()) {
        try {
          handle_message(msg);
        } catch (const std::exception&) {  // a message of an unexpected shape: not worth dying for
        }
      }
      begin = scanned = end + 1;
    }
    buffer.erase(0, begin);
    scanned -= begin;
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (browser_gone_.empty()) browser_gone_ = stop_reader_ ? "the browser was shut down" : why;
  }
  cv_.notify_all();
}

void HeadlessChromium::handle_message(const json& msg) {
  if (msg.contains("id")) {
    const int64_t id = msg["id"].get<int64_t>();
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (awaited_.count(id) == 0) return;  // a reply nobody waits for (dialog handling, timed-out command)
      responses_[id] = msg;
    }
    cv_.notify_all();
    return;
  }
  if (msg.contains("method")) handle_event(msg);
}

void HeadlessChromium::handle_event(const json& msg) {
  const std::string method = msg["method"].get<std::string>();
  const std::string session = msg.value("sessionId", std::string());
  const json params = msg.value("params", json::object());

  if (method == "Page.javascriptDialogOpening") {
    // The page (and the command that opened the dialog) is blocked until the dialog is handled, so it is
    // answered right here; nobody waits for the reply.
    {
      std::lock_guard<std::mutex> lk(mu_);
      dialogs_.push_back(params.value("message", std::string()));
    }
    try {
      send_message(next_id_++, "Page.handleJavaScriptDialog", {{"accept", true}}, session);
    } catch (const std::exception&) {  // the browser is going away; the waiting caller will hear of it
    }
    cv_.notify_all();
    return;
  }

  std::string line;
  if (method == "Runtime.consoleAPICalled") {
    line = "console." + params.value("type", std::string("log")) + ":";
    for (const json& arg : params.value("args", json::array())) line += " " + remote_object_text(arg);
  } else if (method == "Runtime.exceptionThrown") {
    const json details = params.value("exceptionDetails", json::object());
    line = "exception: " + (details.contains("exception") ? remote_object_text(details["exception"])
                                                          : details.value("text", std::string("?")));
  } else if (method == "Log.entryAdded") {
    const json entry = params.value("entry", json::object());
    line = "log." + entry.value("source", std::string("other")) + "." +
           entry.value("level", std::string("info")) + ": " + entry.value("text", std::string());
    // Network errors name no resource in their text ("Failed to load resource: net::ERR_...").
    if (entry.value("source", std::string()) == "network" && entry.contains("url")) {
      line += " " + entry["url"].get<std::string>();
    }
  }

  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!line.empty()) {
      console_.push_back(std::move(line));
    } else if (method == "Page.lifecycleEvent") {
      if (params.value("name", std::string()) == "load")
        loaded_.insert(params.value("loaderId", std::string()));
    } else if (method == "Inspector.targetCrashed" && session == session_id_) {
      page_gone_ = "the page's renderer crashed";
    } else if (method == "Target.detachedFromTarget" &&
               params.value("sessionId", std::string()) == session_id_) {
      page_gone_ = "the page session was detached";
    } else {
      return;
    }
  }
  cv_.notify_all();
}

void HeadlessChromium::navigate(const std::string& url, int timeout_ms) {
  const auto deadline = deadline_in(timeout_ms);
  const json r = command("Page.navigate", {{"url", url}}, true, timeout_ms);
  if (const std::string error = r.value("errorText", std::string()); !error.empty()) {
    throw CommandFailed("navigate to " + shorten(url) + " failed: " + error);
  }
  const std::string loader = r.value("loaderId", std::string());
  if (loader.empty()) return;  // same-document navigation: no new document, no load event

  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    if (loaded_.count(loader) != 0) return;
    const std::string why = !browser_gone_.empty() ? browser_gone_ : page_gone_;
    const bool timed_out = why.empty() && Clock::now() >= deadline;
    if (!why.empty() || timed_out) {
      lk.unlock();
      fail("navigate to " + shorten(url) + ": " +
           (timed_out ? "no load event within " + std::to_string(timeout_ms) + " ms" : why));
    }
    cv_.wait_until(lk, deadline);
  }
}

json HeadlessChromium::evaluate(const std::string& expression, int timeout_ms) {
  const json r = command("Runtime.evaluate",
                         {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}}, true,
                         timeout_ms);
  if (r.contains("exceptionDetails")) {
    const json& details = r["exceptionDetails"];
    std::string text = details.value("text", std::string("Uncaught"));
    if (details.contains("exception")) text += " " + remote_object_text(details["exception"]);
    throw CommandFailed("JavaScript `" + shorten(expression) + "` threw: " + text);
  }
  const json result = r.value("result", json::object());
  return result.contains("value") ? result["value"] : json(nullptr);
}

json HeadlessChromium::wait_for(const std::string& expression, int timeout_ms) {
  const auto deadline = deadline_in(timeout_ms);
  json last;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    try {
      last = evaluate(expression, static_cast<int>(std::max<int64_t>(left, 1000)));
    } catch (const CommandFailed&) {  // not there yet (or a navigation replaced the context meanwhile)
      last = nullptr;
    } catch (const CommandTimeout&) {
      last = nullptr;
    }
    if (truthy(last) || Clock::now() >= deadline) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string HeadlessChromium::screenshot_png() {
  const json r = command("Page.captureScreenshot", {{"format", "png"}});
  return base64_decode(r.at("data").get<std::string>());
}

void HeadlessChromium::screenshot(const std::string& path) {
  const std::string png = screenshot_png();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(png.data(), static_cast<std::streamsize>(png.size()));
  if (!out.flush()) throw std::runtime_error("cannot write screenshot to " + path);
}

std::vector<std::string> HeadlessChromium::dialogs() const {
  std::lock_guard<std::mutex> lk(mu_);
  return dialogs_;
}

std::vector<std::string> HeadlessChromium::console_messages() const {
  std::lock_guard<std::mutex> lk(mu_);
  return console_;
}

void HeadlessChromium::add_init_script(const std::string& source) {
  command("Page.addScriptToEvaluateOnNewDocument", {{"source", source}});
}

}  // namespace tp::e2e
