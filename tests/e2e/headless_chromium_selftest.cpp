// The CDP driver itself, against data: URL pages (no daemon involved), so a failure in a browser e2e test
// can be told apart from a failure of the driver.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "daemon_process.h"  // TempDir
#include "headless_chromium.h"

namespace tp::e2e {
namespace {

const std::string kPngSignature("\x89PNG\r\n\x1a\n", 8);

// One browser for the whole suite: starting Chromium takes a few seconds, a navigation milliseconds.
// Tests look for their own unique markers in dialogs() and console_messages(), which accumulate.
class HeadlessChromiumTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite() { browser_.reset(); }

  void SetUp() override {
    if (!browser_ && start_error_.empty()) {
      try {
        browser_ = std::make_unique<HeadlessChromium>(1200, 800);
      } catch (const std::exception& e) {
        start_error_ = e.what();
      }
    }
    ASSERT_TRUE(browser_) << start_error_;
  }

  HeadlessChromium& b() { return *browser_; }

  // Events arrive on their own; wait (bounded) until one containing `needle` shows up.
  bool console_has(const std::string& needle, int timeout_ms = 5000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    do {
      for (const auto& m : b().console_messages()) {
        if (m.find(needle) != std::string::npos) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  std::string console_dump() {
    std::string all;
    for (const auto& m : b().console_messages()) all += m + "\n";
    return all;
  }

  static std::unique_ptr<HeadlessChromium> browser_;
  static std::string start_error_;
};

std::unique_ptr<HeadlessChromium> HeadlessChromiumTest::browser_;
std::string HeadlessChromiumTest::start_error_;

TEST_F(HeadlessChromiumTest, NavigatesAndEvaluates) {
  b().navigate("data:text/html,<title>t</title><p id=x>hi</p>");
  EXPECT_EQ(b().evaluate("document.title"), "t");
  EXPECT_EQ(b().evaluate("document.getElementById('x').textContent"), "hi");
  EXPECT_EQ(b().evaluate("6 * 7"), 42);
  EXPECT_EQ(b().evaluate("({a: [1, 'two'], b: null})"), (nlohmann::json{{"a", {1, "two"}}, {"b", nullptr}}));
  EXPECT_TRUE(b().evaluate("undefined").is_null());
  // The page has the size asked for in the constructor.
  EXPECT_EQ(b().evaluate("[innerWidth, innerHeight]"), (nlohmann::json{1200, 800}));
}

TEST_F(HeadlessChromiumTest, AwaitsPromises) {
  EXPECT_EQ(b().evaluate("new Promise(r => setTimeout(() => r('later'), 50))"), "later");
  EXPECT_EQ(b().evaluate("(async () => { await null; return 7; })()"), 7);
}

TEST_F(HeadlessChromiumTest, PageExceptionsThrowWithTheirText) {
  try {
    b().evaluate("throw new Error('kaput-1')");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("kaput-1"), std::string::npos) << e.what();
  }
  try {
    b().evaluate("Promise.reject(new TypeError('kaput-2'))");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("kaput-2"), std::string::npos) << e.what();
  }
  // The browser is still usable afterwards.
  EXPECT_EQ(b().evaluate("1"), 1);
}

TEST_F(HeadlessChromiumTest, WaitForPollsUntilTruthy) {
  b().navigate("data:text/html,<body>");
  b().evaluate(
      "setTimeout(() => { const p = document.createElement('p'); p.id = 'late'; p.textContent = 'here';"
      " document.body.append(p); }, 200)");
  // Throws (null .textContent) until the element exists: counted as "not yet".
  EXPECT_EQ(b().wait_for("document.getElementById('late').textContent"), "here");

  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(b().wait_for("0", 300), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
}

TEST_F(HeadlessChromiumTest, ScreenshotIsAPng) {
  b().navigate("data:text/html,<body style='background:teal'><h1>shot</h1>");
  const std::string png = b().screenshot_png();
  ASSERT_GT(png.size(), 24u);
  EXPECT_EQ(png.substr(0, 8), kPngSignature);
  // IHDR width, big-endian at offset 16: the viewport width.
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(png[i])); };
  EXPECT_EQ(byte(16) << 24 | byte(17) << 16 | byte(18) << 8 | byte(19), 1200u);

  TempDir dir;
  const std::string path = (dir.path() / "shot.png").string();
  b().screenshot(path);
  std::ifstream in(path, std::ios::binary);
  std::string head(8, '\0');
  in.read(head.data(), 8);
  EXPECT_EQ(head, kPngSignature);
}

TEST_F(HeadlessChromiumTest, DialogsAreRecordedAndDismissed) {
  b().navigate("data:text/html,<p>dialogs</p>");
  // alert() blocks the page until handled: evaluate returns only because the reader thread accepted it.
  EXPECT_EQ(b().evaluate("alert('hello-dialog'); 5"), 5);
  EXPECT_EQ(b().evaluate("confirm('sure-dialog?')"), true);
  const auto d = b().dialogs();
  ASSERT_GE(d.size(), 2u);
  EXPECT_EQ(d[d.size() - 2], "hello-dialog");
  EXPECT_EQ(d.back(), "sure-dialog?");
}

TEST_F(HeadlessChromiumTest, ConsoleMessagesAndUncaughtErrorsAreRecorded) {
  b().evaluate("console.error('boom-console', 42)");
  EXPECT_TRUE(console_has("console.error: boom-console 42")) << console_dump();
  b().evaluate("setTimeout(() => { throw new Error('boom-uncaught'); }, 0)");
  EXPECT_TRUE(console_has("exception: Error: boom-uncaught")) << console_dump();
}

TEST_F(HeadlessChromiumTest, CspViolationsShowUpAsSecurityLogEntries) {
  b().navigate(
      "data:text/html,<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'\">"
      "<p id=x>csp</p><script>document.title='ran'</script>");
  EXPECT_NE(b().evaluate("document.title"), "ran");
  EXPECT_TRUE(console_has("log.security.error: ")) << console_dump();
  EXPECT_TRUE(console_has("Content Security Policy")) << console_dump();
}

TEST_F(HeadlessChromiumTest, InitScriptsRunBeforePageScriptsDespiteCsp) {
  b().add_init_script("window.__tpInit = (window.__tpInit || 0) + 1;");
  b().navigate(
      "data:text/html,<meta http-equiv=\"Content-Security-Policy\" content=\"script-src "
      "'none'\"><p>init</p>");
  EXPECT_EQ(b().evaluate("window.__tpInit"), 1);
}

// A loopback port nobody listens on (bound, then released). Not a well-known one: Chromium refuses
// "unsafe" ports such as 1 before even trying (net::ERR_UNSAFE_PORT).
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

TEST_F(HeadlessChromiumTest, FailedNavigationThrows) {
  const int port = closed_port();
  ASSERT_GT(port, 0);
  try {
    b().navigate("http://127.0.0.1:" + std::to_string(port) + "/");
    FAIL() << "navigation to a closed port succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("ERR_CONNECTION_REFUSED"), std::string::npos) << e.what();
  }
  // The page still works afterwards.
  b().navigate("data:text/html,<p id=x>again</p>");
  EXPECT_EQ(b().evaluate("document.getElementById('x').textContent"), "again");
}

TEST(HeadlessChromiumStartup, MissingBinaryIsAClearError) {
  const char* old = ::getenv("TOUCHPOINT_CHROMIUM");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("TOUCHPOINT_CHROMIUM", "/nonexistent/chromium", 1);
  try {
    HeadlessChromium browser;
    FAIL() << "started without a binary";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/chromium"), std::string::npos) << e.what();
  }
  if (old != nullptr) {
    ::setenv("TOUCHPOINT_CHROMIUM", saved.c_str(), 1);
  } else {
    ::unsetenv("TOUCHPOINT_CHROMIUM");
  }
}

}  // namespace
}  // namespace tp::e2e
