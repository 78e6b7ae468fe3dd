// A headless Chromium driven through the Chrome DevTools Protocol (CDP) for end-to-end tests of pages
// the daemon serves. It talks over --remote-debugging-pipe rather than a websocket: no port to pick or
// race for, no HTTP/websocket client, and the browser cannot outlive the pipe. Chromium reads commands
// from its fd 3 and writes responses and events to its fd 4, each message one JSON text ended by '\0'.
//
// One browser, one page target, one flattened session. A reader thread parses everything Chromium
// writes, hands responses to the waiting caller by "id", and handles events as they arrive (so a
// JavaScript dialog is dismissed even while a caller is blocked on the command that opened it).
// Every wait is bounded; failures throw std::runtime_error with the tail of Chromium's stderr.
#pragma once
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace tp::e2e {

class HeadlessChromium {
 public:
  // Launches the browser (path from env TOUCHPOINT_CHROMIUM, else /usr/bin/chromium) headless with a
  // fresh profile in a temporary folder, opens one about:blank page of `width` x `height` CSS pixels and
  // enables the Page, Runtime and Log domains on it. It runs with --no-sandbox (root and
  // CI containers cannot use Chromium's sandbox; it only loads the test daemon's page). Throws
  // std::runtime_error if the binary is missing or the browser does not answer within 30 s.
  explicit HeadlessChromium(int width = 1400, int height = 1000);
  // Browser.close, then waits for the process; SIGKILLs its process group if it lingers; removes the
  // profile folder.
  ~HeadlessChromium();
  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  // Navigates the page and waits for that document's load event. Throws if the navigation fails
  // (e.g. net::ERR_CONNECTION_REFUSED) or does not load within `timeout_ms`. A fragment-only change
  // (same document) returns as soon as Chromium accepts it: there is no load event to wait for.
  void navigate(const std::string& url, int timeout_ms = 30000);

  // Runtime.evaluate in the page with returnByValue and awaitPromise: returns the (awaited) value as
  // JSON; null for undefined and for numbers JSON cannot carry (NaN, Infinity, -0, BigInt). Objects are
  // copied as JSON, so DOM nodes, functions, Maps and Dates come back as {}: return strings or plain
  // objects. Throws std::runtime_error with the exception text if the expression throws or its promise
  // rejects (or with "Object couldn't be returned by value", e.g. for a Symbol).
  nlohmann::json evaluate(const std::string& expression, int timeout_ms = 30000);

  // Evaluates `expression` repeatedly (~50 ms apart) until its value is truthy in the JavaScript sense
  // or `timeout_ms` passes, and returns the last value. An evaluation that throws counts as "not yet"
  // (null), so `document.querySelector('#late').textContent` can be waited for. Lets tests wait for a
  // condition instead of sleeping a fixed time.
  nlohmann::json wait_for(const std::string& expression, int timeout_ms = 10000);

  // Page.captureScreenshot as PNG bytes (starting with the 8-byte PNG signature).
  std::string screenshot_png();
  // The same, written to `path` (for a human to look at when a test fails).
  void screenshot(const std::string& path);

  // Messages of the JavaScript dialogs (alert/confirm/prompt/beforeunload) the page opened, in order.
  // Each was accepted as soon as it opened so the page never blocks (confirm() returns true, prompt()
  // its default text).
  std::vector<std::string> dialogs() const;

  // Everything the page reported, in order, one line each:
  //   "console.<type>: <args>"          Runtime.consoleAPICalled; <type> is CDP's: log, error, info,
  //                                     debug, and "warning" for console.warn. Strings appear bare,
  //                                     objects only by their class name ("Object", "Array(2)").
  //   "exception: <description>"        Runtime.exceptionThrown (uncaught errors, unhandled rejections)
  //   "log.<source>.<level>: <text>"    Log.entryAdded (browser-side messages: CSP violations come as
  //                                     "log.security.error: ... violates the following Content Security
  //                                     Policy directive ...", failed loads as "log.network.error: ...")
  std::vector<std::string> console_messages() const;

  // Page.addScriptToEvaluateOnNewDocument: `source` runs in every document loaded afterwards, before
  // the page's own scripts and regardless of the page's Content-Security-Policy.
  void add_init_script(const std::string& source);

  // Any other CDP command, for what the helpers above do not cover. `page` sends it to the page session
  // (Page.*, Runtime.*, DOM.*, Input.*, ...); false sends it to the browser (Browser.*, Target.*).
  // Returns the "result" object; throws on an error response or timeout.
  nlohmann::json command(const std::string& method, const nlohmann::json& params = nlohmann::json::object(),
                         bool page = true, int timeout_ms = 30000);

  // The last `max_bytes` of Chromium's stderr (it is also included in exception messages).
  std::string stderr_tail(size_t max_bytes = 4000) const;

 private:
  void start(int width, int height);
  void shutdown();
  void reader_loop();
  void handle_message(const nlohmann::json& msg);
  void handle_event(const nlohmann::json& msg);
  void send_message(int64_t id, const std::string& method, const nlohmann::json& params,
                    const std::string& session);
  [[noreturn]] void fail(const std::string& what) const;

  std::string profile_dir_;  // temporary folder: Chromium's --user-data-dir (profile/) and stderr log
  std::string stderr_path_;
  pid_t pid_ = -1;          // also the process group id of the browser and its helpers
  int to_browser_ = -1;     // our end of the pipe Chromium reads as fd 3 (non-blocking)
  int from_browser_ = -1;   // our end of the pipe Chromium writes as fd 4
  std::string session_id_;  // the flattened session attached to our page target

  std::thread reader_;
  std::atomic<bool> stop_reader_{false};
  std::atomic<int64_t> next_id_{1};
  std::mutex write_mu_;  // one message at a time on the pipe (callers and the reader's dialog replies)

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::set<int64_t> awaited_;                    // ids a caller waits for; responses to others are dropped
  std::map<int64_t, nlohmann::json> responses_;  // arrived responses for awaited ids
  std::set<std::string> loaded_;                 // loaderIds whose load lifecycle event fired
  std::vector<std::string> dialogs_;
  std::vector<std::string> console_;
  std::string browser_gone_;  // why the pipe is unusable (Chromium exited); empty while it is fine
  std::string page_gone_;     // why the page session is unusable (renderer crashed, detached)
};

}  // namespace tp::e2e
