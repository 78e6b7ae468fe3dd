// The dashboard in a real browser: Debian's Chromium, headless, driven over the DevTools protocol
// (headless_chromium.h) against the real daemon with a generated data set. What the page shows is
// checked against the JSON API of the same window; a new event must reach the page without a reload;
// hostile chat text must stay text under the page's Content-Security-Policy.
#include <gtest/gtest.h>
#include <signal.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <thread>

#include "daemon_process.h"
#include "headless_chromium.h"
#include "http_helpers.h"
#include "journey_events.h"
#include "util/time.h"

namespace tp::e2e {
namespace {

using json = nlohmann::json;

constexpr const char* kHostile = "Do you deliver to Riga? <img src=x onerror=alert(1)>";

// Records CSP violations seen by the page itself (runs before the page's scripts, outside its CSP).
constexpr const char* kCspProbe =
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + "
    "e.blockedURI));";

std::string url(int port, const std::string& path = "/") {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

int64_t number(const json& text) {
  std::string digits;
  for (char c : text.get<std::string>())
    if (c != ',') digits += c;
  return std::stoll(digits);
}

// Posts `events` in batches; every one must be accepted.
void post_all(httplib::Client& c, const json& events) {
  for (size_t i = 0; i < events.size(); i += 500) {
    json batch = json::array();
    for (size_t k = i; k < std::min(events.size(), i + 500); ++k) batch.push_back(events[k]);
    auto r = c.Post("/v1/events", batch.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 202) << r->body;
    ASSERT_EQ(json::parse(r->body)["accepted"], batch.size()) << r->body;
  }
}

// Readiness, not timing: tagging runs after the acknowledgement, so wait until the map holds them all.
void wait_until_mapped(httplib::Client& c, size_t expected) {
  for (int i = 0; i < 1000; ++i) {
    const json m = json_of(c.Get("/v1/map?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z"));
    size_t total = m["unstaged"]["interactions"].get<size_t>();
    for (const auto& t : m["touchpoints"]) total += t["interactions"].get<size_t>();
    if (total >= expected) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL() << "the map never held " << expected << " interactions";
}

// The query string the page uses for its current window (read off its export link).
std::string page_query(HeadlessChromium& browser) {
  const std::string href =
      browser.evaluate("document.getElementById('export-map-csv').getAttribute('href')").get<std::string>();
  const auto q = href.find('?');
  return q == std::string::npos ? "" : href.substr(q + 1);
}

json page_cells(HeadlessChromium& browser) {
  return browser.evaluate(R"JS(
    [...document.querySelectorAll('#map-grid td.cell')].map(td => ({
      stage: td.dataset.stage, touchpoint: td.dataset.touchpoint,
      interactions: td.querySelector('.v-interactions').textContent,
      customers: td.querySelector('.v-customers').textContent,
      faq: [...td.querySelectorAll('.cell-faq .faq-label')].map(e => e.textContent)}))
  )JS");
}

std::string cell_count_js(const std::string& stage, const std::string& touchpoint) {
  return "(() => { const td = document.querySelector('#map-grid td.cell[data-stage=\"" + stage +
         "\"][data-touchpoint=\"" + touchpoint +
         "\"]'); return td ? td.querySelector('.v-interactions').textContent : null; })()";
}

class Dashboard : public ::testing::Test {
 protected:
  static std::filesystem::path screenshot_dir() {
    std::filesystem::path dir = std::filesystem::path(TP_BINARY_DIR) / "screenshots";
    std::filesystem::create_directories(dir);
    return dir;
  }
};

TEST_F(Dashboard, ServedWithAStrictPolicyFromTheBinary) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), test_config(dir.path()));
  auto c = client(daemon.port());
  for (const char* path : {"/", "/dashboard", "/dashboard/app.js", "/dashboard/dashboard.css"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    const std::string csp = r->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << path;
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << path;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << path;
    EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << path;
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff") << path;
  }
  auto page = c.Get("/");
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  // No inline script and nothing from another origin: the page works offline and under its own policy.
  EXPECT_EQ(page->body.find("<script>"), std::string::npos);
  EXPECT_EQ(page->body.find("http://"), std::string::npos);
  EXPECT_EQ(page->body.find("https://"), std::string::npos);
  EXPECT_NE(c.Get("/dashboard/app.js")->get_header_value("Content-Type").find("javascript"),
            std::string::npos);
  // A conditional request for an unchanged file is answered 304.
  const std::string etag = c.Get("/dashboard/app.js")->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(c.Get("/dashboard/app.js", {{"If-None-Match", etag}})->status, 304);
  EXPECT_EQ(c.Get("/dashboard/nothing.js")->status, 404);
  EXPECT_EQ(c.Get("/dashboard/../touchpoint.json")->status, 404);
}

TEST_F(Dashboard, ShowsTheApiFiguresUpdatesLiveAndKeepsChatTextInert) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), test_config(dir.path()));
  auto c = client(daemon.port());
  const json events = journey_events(now_unix_ms(), 240);
  post_all(c, events);
  wait_until_mapped(c, events.size());

  HeadlessChromium browser;
  browser.add_init_script(kCspProbe);
  browser.navigate(url(daemon.port()));
  ASSERT_EQ(browser.wait_for("document.body.dataset.ready === 'true'"), true)
      << testing::PrintToString(browser.console_messages());

  const std::string q = page_query(browser);
  ASSERT_NE(q.find("from="), std::string::npos);
  const json journey = json_of(c.Get("/v1/journey"));
  const json map = json_of(c.Get("/v1/map?" + q));
  const json faq = json_of(c.Get("/v1/faq?" + q + "&limit=50"));

  // Stages as columns, in journey order, with the API's customer counts.
  json names = json::array();
  for (const auto& s : journey["stages"]) names.push_back(s["name"]);
  EXPECT_EQ(browser.evaluate(
                "[...document.querySelectorAll('#map-grid th.stage .stage-name')].map(e => e.textContent)"),
            names);
  const json stage_customers = browser.evaluate(
      "[...document.querySelectorAll('#map-grid th.stage .v-customers')].map(e => e.textContent)");
  ASSERT_EQ(stage_customers.size(), map["stages"].size());
  for (size_t i = 0; i < map["stages"].size(); ++i)
    EXPECT_EQ(number(stage_customers[i]), map["stages"][i]["customers"].get<int64_t>())
        << map["stages"][i]["id"];

  // Every cell of the API is on the page with its numbers and top questions; every other cell shows 0.
  const json cells = page_cells(browser);
  ASSERT_GT(map["cells"].size(), 5u);
  size_t matched = 0;
  for (const auto& shown : cells) {
    const json* api = nullptr;
    for (const auto& cell : map["cells"])
      if (cell["stage"] == shown["stage"] && cell["touchpoint"] == shown["touchpoint"]) api = &cell;
    if (!api) {
      EXPECT_EQ(number(shown["interactions"]), 0) << shown.dump();
      continue;
    }
    ++matched;
    EXPECT_EQ(number(shown["interactions"]), (*api)["interactions"].get<int64_t>()) << shown.dump();
    EXPECT_EQ(number(shown["customers"]), (*api)["customers"].get<int64_t>()) << shown.dump();
    json labels = json::array();
    for (const auto& f : (*api)["faq"]) labels.push_back(f["label"]);
    EXPECT_EQ(shown["faq"], labels) << shown.dump();
  }
  EXPECT_EQ(matched, map["cells"].size());

  // The FAQ table: the API's clusters in the API's order, with their counts and rates.
  const json rows = browser.evaluate(R"JS(
    [...document.querySelectorAll('#faq-table tr.cluster')].map(tr => ({
      label: tr.querySelector('.label').textContent, count: tr.querySelector('.v-count').textContent,
      customers: tr.querySelector('.v-customers').textContent, unanswered: tr.querySelector('.v-unanswered').textContent}))
  )JS");
  ASSERT_EQ(rows.size(), faq["clusters"].size());
  ASSERT_GT(rows.size(), 2u);
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& api = faq["clusters"][i];
    EXPECT_EQ(rows[i]["label"], api["label"]);
    EXPECT_EQ(number(rows[i]["count"]), api["count"].get<int64_t>());
    EXPECT_EQ(number(rows[i]["customers"]), api["customers"].get<int64_t>());
    EXPECT_EQ(
        rows[i]["unanswered"],
        std::to_string(static_cast<int>(std::lround(api["unanswered_rate"].get<double>() * 100))) + "%");
  }
  // Where drop-offs went: the top next touchpoint of each stage, by name, with its count.
  const json after = browser.evaluate(
      "[...document.querySelectorAll('#map-grid tr.foot-after td')].map(td => td.textContent)");
  ASSERT_EQ(after.size(), map["stages"].size());
  size_t stages_with_dropoffs = 0;
  for (size_t i = 0; i < map["stages"].size(); ++i) {
    const json& next = map["stages"][i]["after_dropoff"]["touchpoints"];
    if (next.empty()) continue;
    ++stages_with_dropoffs;
    std::string top;
    int64_t most = -1;
    for (const auto& [id, n] : next.items())
      if (n.get<int64_t>() > most) most = n.get<int64_t>(), top = id;
    std::string name = top;
    for (const auto& t : journey["touchpoints"])
      if (t["id"] == top) name = t["name"];
    EXPECT_EQ(after[i].get<std::string>().rfind(name + " " + std::to_string(most), 0), 0u) << after[i];
  }
  EXPECT_GT(stages_with_dropoffs, 0u);
  // Interactions without a stage are said, not silently left out.
  const int64_t unstaged = map["unstaged"]["interactions"].get<int64_t>();
  EXPECT_EQ(browser.evaluate("document.getElementById('unstaged').hidden"), unstaged == 0);
  ASSERT_GT(unstaged, 0);  // the data set has some
  EXPECT_EQ(number(browser.evaluate("document.querySelector('#unstaged .v-unstaged').textContent")),
            unstaged);
  // The opportunities of the map, in its order.
  json lines = json::array();
  for (const auto& o : map["opportunities"]) lines.push_back(o["line"]);
  EXPECT_EQ(browser.evaluate(
                "[...document.querySelectorAll('#opportunities li')].map(li => li.firstChild.textContent)"),
            lines);

  // Live: a hostile question at purchase / helpdesk reaches the page without a reload.
  ASSERT_EQ(browser.wait_for("document.getElementById('live').dataset.state === 'live'"), true);
  browser.evaluate("window.__samePage = true");
  const json before = browser.evaluate(cell_count_js("purchase", "helpdesk"));
  const int64_t old_count = before.is_null() ? 0 : number(before);
  const json hostile = {
      {"id", "live-1"},
      {"type", "message"},
      {"role", "user"},
      {"customer_id", "live-customer"},
      {"timestamp", format_rfc3339_ms(now_unix_ms() - 1000)},
      {"text", kHostile},
      {"fallback", true},
      {"tags", {{"persona", "first-time-buyer"}, {"stage", "purchase"}, {"touchpoint", "helpdesk"}}}};
  ASSERT_EQ(c.Post("/v1/events", hostile.dump(), "application/json")->status, 202);
  const std::string expected = std::to_string(old_count + 1);
  EXPECT_EQ(browser.wait_for(cell_count_js("purchase", "helpdesk") + " === '" + expected + "'", 15000), true)
      << browser.evaluate(cell_count_js("purchase", "helpdesk"));
  EXPECT_EQ(browser.evaluate("window.__samePage === true"), true) << "the page reloaded";

  // The hostile text is in the FAQ table as text; a click opens its examples, also as text.
  const std::string find_row =
      "[...document.querySelectorAll('#faq-table tr.cluster')].find(tr => "
      "tr.querySelector('.label').textContent.includes('Riga'))";
  ASSERT_EQ(browser.wait_for("!!" + find_row, 15000), true);
  EXPECT_EQ(browser.evaluate(find_row + ".querySelector('.label').textContent"), kHostile);
  browser.evaluate(find_row + ".querySelector('button.expand').click()");
  EXPECT_EQ(browser.evaluate(find_row + ".nextElementSibling.hidden"), false);
  EXPECT_EQ(browser.evaluate(find_row + ".nextElementSibling.querySelector('.examples li').textContent"),
            kHostile);
  EXPECT_EQ(
      browser.evaluate("document.querySelectorAll('img[src=\"x\"], #faq-table img, #map-grid img').length"),
      0);
  EXPECT_TRUE(browser.dialogs().empty()) << "a script ran: " << testing::PrintToString(browser.dialogs());
  EXPECT_EQ(browser.evaluate("window.__csp"), json::array());
  for (const auto& m : browser.console_messages()) {
    EXPECT_EQ(m.find("Content Security Policy"), std::string::npos) << m;
    EXPECT_EQ(m.rfind("exception:", 0), std::string::npos) << m;
  }

  // Controls: a persona narrows the map to the API's figures for that persona.
  browser.evaluate(
      "(() => { const s = document.getElementById('persona'); s.value = 'business-account';"
      " s.dispatchEvent(new Event('change')); })()");
  ASSERT_EQ(browser.wait_for("document.getElementById('export-map-csv').getAttribute('href').includes('"
                             "persona=business-account')"),
            true);
  const json persona_map = json_of(c.Get("/v1/map?" + page_query(browser)));
  const std::string first_stage = "document.querySelector('#map-grid th.stage .v-customers').textContent";
  EXPECT_EQ(browser.wait_for(first_stage + " === '" +
                             std::to_string(persona_map["stages"][0]["customers"].get<int>()) + "'"),
            true)
      << browser.evaluate(first_stage) << " vs " << persona_map["stages"][0]["customers"];
  EXPECT_LT(persona_map["stages"][0]["customers"].get<int>(), map["stages"][0]["customers"].get<int>());

  browser.evaluate(
      "(() => { const s = document.getElementById('persona'); s.value = '';"
      " s.dispatchEvent(new Event('change')); })()");
  browser.wait_for("!document.getElementById('export-map-csv').getAttribute('href').includes('persona=')");

  // A custom window: the page asks the API for exactly that window and shows its figures.
  browser.evaluate(R"JS((() => {
    const w = document.getElementById('window');
    w.value = 'custom';
    w.dispatchEvent(new Event('change'));
    const local = (ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60e3).toISOString().slice(0, 16);
    document.getElementById('from').value = local(Date.now() - 3 * 86400e3);
    document.getElementById('from').dispatchEvent(new Event('change'));
    document.getElementById('to').value = local(Date.now() - 86400e3);
    document.getElementById('to').dispatchEvent(new Event('change'));
    window.__customTo = new Date(Date.parse(document.getElementById('to').value)).toISOString();
  })())JS");
  EXPECT_EQ(browser.evaluate("document.getElementById('custom-window').hidden"), false);
  // The export links follow the window once the page has loaded it.
  ASSERT_EQ(
      browser.wait_for("new URLSearchParams(document.getElementById('export-map-csv').getAttribute('href')"
                       ".split('?')[1]).get('to') === window.__customTo"),
      true);
  const std::string custom = page_query(browser);
  const json custom_map = json_of(c.Get("/v1/map?" + custom));
  const std::string awareness = std::to_string(custom_map["stages"][0]["customers"].get<int>());
  EXPECT_EQ(browser.wait_for(first_stage + " === '" + awareness + "'"), true)
      << custom << " " << browser.evaluate(first_stage);
  EXPECT_LT(custom_map["stages"][0]["customers"].get<int>(), map["stages"][0]["customers"].get<int>())
      << custom;
  browser.evaluate(
      "(() => { const w = document.getElementById('window'); w.value = '7d';"
      " w.dispatchEvent(new Event('change')); })()");
  // The README's picture: the full data set, no change highlights caught half-way.
  ASSERT_EQ(browser.wait_for("document.getElementById('export-map-csv').getAttribute('href') !== null && "
                             "document.querySelector('#map-grid th.stage .v-customers').textContent === '" +
                             std::to_string(map["stages"][0]["customers"].get<int>()) + "'"),
            true);
  browser.evaluate("document.querySelectorAll('.changed').forEach(e => e.classList.remove('changed'))");
  browser.command("Emulation.setDeviceMetricsOverride",
                  {{"width", 1400}, {"height", 1900}, {"deviceScaleFactor", 1}, {"mobile", false}});
  browser.screenshot((screenshot_dir() / "dashboard.png").string());
}

TEST_F(Dashboard, EmptyStateShowsHowToSendTheFirstEvent) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), test_config(dir.path()));
  HeadlessChromium browser;
  browser.navigate(url(daemon.port()));
  ASSERT_EQ(browser.wait_for("document.body.dataset.ready === 'true'"), true);
  EXPECT_EQ(browser.evaluate("document.getElementById('empty-panel').hidden"), false);
  const std::string curl =
      browser.evaluate("document.getElementById('curl-line').textContent").get<std::string>();
  EXPECT_NE(curl.find("curl -X POST " + url(daemon.port(), "/v1/events")), std::string::npos) << curl;

  // The line works as printed: the event it sends shows up, and the empty state goes away by itself.
  const auto body_start = curl.find("-d '") + 4;
  const std::string body = curl.substr(body_start, curl.size() - body_start - 1);
  ASSERT_EQ(client(daemon.port()).Post("/v1/events", body, "application/json")->status, 202);
  EXPECT_EQ(browser.wait_for("document.getElementById('empty-panel').hidden === true", 15000), true);
}

TEST_F(Dashboard, AsksForTheReadTokenOnceAndKeepsItOutOfTheUrl) {
  TempDir dir;
  const std::string token = "s3cret-read-token";
  DaemonProcess daemon(dir.path(), test_config(dir.path(), {{"server", {{"read_token", token}}}}));
  HeadlessChromium browser;
  browser.navigate(url(daemon.port()));
  ASSERT_EQ(browser.wait_for("!document.getElementById('token-panel').hidden"), true);
  browser.evaluate("(() => { document.getElementById('token').value = '" + token +
                   "';"
                   " document.getElementById('token-form').requestSubmit(); })()");
  ASSERT_EQ(browser.wait_for("document.body.dataset.ready === 'true'"), true);
  EXPECT_EQ(browser.wait_for("document.getElementById('live').dataset.state === 'live'"), true);
  EXPECT_EQ(browser.evaluate("sessionStorage.getItem('touchpoint.read_token')"), token);
  EXPECT_EQ(browser.evaluate("localStorage.length"), 0);
  EXPECT_EQ(browser.evaluate("location.href.includes('" + token + "')"), false);
  EXPECT_EQ(
      browser.evaluate("[...document.querySelectorAll('a')].some(a => a.href.includes('" + token + "'))"),
      false);

  // A reload in the same tab does not ask again.
  browser.navigate(url(daemon.port()));
  ASSERT_EQ(browser.wait_for("document.body.dataset.ready === 'true'"), true);
  EXPECT_EQ(browser.evaluate("document.getElementById('token-panel').hidden"), true);
}

// The page left open while the daemon restarts: the indicator says so, the stream comes back by itself
// and updates flow again, without a reload.
TEST_F(Dashboard, ReconnectsByItselfAfterTheDaemonRestarts) {
  TempDir dir;
  const json config = test_config(dir.path());
  auto first = std::make_unique<DaemonProcess>(dir.path(), config);
  const int port = first->port();
  HeadlessChromium browser;
  browser.navigate(url(port));
  ASSERT_EQ(browser.wait_for("document.getElementById('live').dataset.state === 'live'"), true);
  browser.evaluate("window.__samePage = true");

  first->signal(SIGTERM);
  ASSERT_EQ(first->wait(), 0);
  EXPECT_EQ(browser.wait_for("document.getElementById('live').dataset.state === 'reconnecting'"), true);

  DaemonProcess second(dir.path(), config, {"--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_EQ(second.port(), port);
  EXPECT_EQ(browser.wait_for("document.getElementById('live').dataset.state === 'live'", 40000), true);
  const json e = {{"id", "after-restart"},
                  {"type", "message"},
                  {"customer_id", "c1"},
                  {"role", "user"},
                  {"timestamp", format_rfc3339_ms(now_unix_ms() - 1000)},
                  {"text", "hello again"},
                  {"tags", {{"stage", "onboarding"}, {"touchpoint", "email"}}}};
  ASSERT_EQ(client(port).Post("/v1/events", e.dump(), "application/json")->status, 202);
  EXPECT_EQ(browser.wait_for(cell_count_js("onboarding", "email") + " === '1'", 15000), true);
  EXPECT_EQ(browser.evaluate("window.__samePage === true"), true) << "the page reloaded";
}

}  // namespace
}  // namespace tp::e2e
