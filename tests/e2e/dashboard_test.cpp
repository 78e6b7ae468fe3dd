// The dashboard in a real browser: Debian's Chromium, headless, driven over the DevTools protocol
// (headless_chromium.h) against the real daemon with a generated data set. What the page shows is
// checked against the JSON API of the same window; a new event must reach the page without a reload;
// hostile chat text must stay text under the page's Content-Security-Policy.
#include <gtest/gtest.h>
#include <signal.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
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
// Opens the dashboard with the CSP probe installed; false (with the console's messages) when it never got
// ready.
bool open_dashboard(HeadlessChromium& browser, int port) {
  browser.add_init_script(kCspProbe);
  browser.navigate(url(port));
  const bool ready = browser.wait_for("document.body.dataset.ready === 'true'") == true;
  EXPECT_TRUE(ready) << testing::PrintToString(browser.console_messages());
  return ready;
}

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

// Conversations with the bot and an agent at purchase / helpdesk, one session each, newest first: enough of
// them that a drill-down there has more than one page (kDrillPage), and one of hostile text, the newest.
constexpr size_t kDrillConversations = 30, kDrillPage = 20;
constexpr const char* kDrillQuestion = "Can I change the delivery address?";
constexpr const char* kHostileBot = "<script>alert(2)</script> Sorry, I did not get that.";
constexpr const char* kHostilePage = "<img src=x onerror=alert(3)>";
constexpr const char* kHostileUrl = "javascript:alert(4)";
constexpr const char* kHostileCustomer = "<b>cust</b><img src=x onerror=alert(5)>";

json drill_conversations(int64_t now_ms) {
  json events = json::array();
  const auto tags = [](const char* persona, const char* touchpoint) {
    return json{{"persona", persona}, {"stage", "purchase"}, {"touchpoint", touchpoint}};
  };
  for (size_t i = 0; i < kDrillConversations; ++i) {
    const std::string n = std::to_string(i), session = "drill-session-" + n, customer = "drill-customer-" + n;
    const char* persona = i % 2 ? "business-account" : "first-time-buyer";
    int64_t t = now_ms - static_cast<int64_t>(i + 1) * 7'200'000;
    const auto add = [&](const std::string& id, json e, const char* touchpoint) {
      e["id"] = id;
      e["session_id"] = session;
      e["customer_id"] = customer;
      e["timestamp"] = format_rfc3339_ms(t += 20'000);
      e["tags"] = tags(persona, touchpoint);
      events.push_back(std::move(e));
    };
    add(session + "-page", {{"type", "page"}, {"name", "Help centre"}, {"url", "https://shop.example/help"}},
        "website");
    const bool fallback = i % 2 == 0, escalated = i % 3 == 0;
    json question = {{"type", "message"},
                     {"role", "user"},
                     {"text", i % 4 == 1 ? "can I change my delivery address" : kDrillQuestion},
                     {"fallback", fallback},
                     {"escalated", escalated}};
    if (!fallback) question["intent"] = "change_address";
    add(session + "-q", question, "helpdesk");
    add(session + "-bot",
        {{"type", "message"},
         {"role", "bot"},
         {"text", fallback ? "Sorry, I did not get that." : "You can change it until it ships."}},
        "helpdesk");
    if (escalated) {
      json agent = {{"type", "message"}, {"role", "agent"}, {"text", "Done, I changed it for you."}};
      if (i % 2 == 0) agent["rating"] = 2 + static_cast<int>(i % 4);
      add(session + "-agent", agent, "helpdesk");
    }
  }
  // The hostile conversation: markup in the question, the bot's reply, a page's name and URL, the customer
  // id.
  int64_t t = now_ms - 120'000;
  const auto hostile = [&](const std::string& id, json e, const char* touchpoint) {
    e["id"] = id;
    e["session_id"] = "drill-hostile";
    e["customer_id"] = kHostileCustomer;
    e["timestamp"] = format_rfc3339_ms(t += 10'000);
    e["tags"] = tags("first-time-buyer", touchpoint);
    events.push_back(std::move(e));
  };
  hostile("drill-hostile-page", {{"type", "page"}, {"name", kHostilePage}, {"url", kHostileUrl}}, "website");
  hostile("drill-hostile-q", {{"type", "message"}, {"role", "user"}, {"text", kHostile}, {"fallback", true}},
          "helpdesk");
  hostile("drill-hostile-bot", {{"type", "message"}, {"role", "bot"}, {"text", kHostileBot}}, "helpdesk");
  return events;
}

// The transcript view as the page shows it.
constexpr const char* kTranscriptJs = R"JS((() => {
  const d = document.getElementById('transcript');
  return {
    open: d.open, state: d.dataset.state || '', query: d.dataset.query || '',
    params: Object.fromEntries(new URLSearchParams(d.dataset.query || '')),
    title: d.querySelector('#transcript-title').textContent,
    total: d.querySelector('.v-total').textContent,
    more: !d.querySelector('.transcript-more').hidden,
    conversations: [...d.querySelectorAll('.conversation')].map(c => ({
      id: c.dataset.id, customer: c.querySelector('.v-customer').textContent,
      roles: [...c.querySelectorAll('.turn')].map(t => t.dataset.role),
      who: [...c.querySelectorAll('.turn .role')].map(r => r.textContent)})),
  };
})())JS";

// Every conversation of a /v1/conversations query, following next_cursor.
std::vector<json> all_conversations(httplib::Client& c, const std::string& query, uint64_t& total) {
  std::vector<json> out;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    auto r = c.Get("/v1/conversations?" + query + (cursor.empty() ? "" : "&cursor=" + cursor));
    if (!r || r->status != 200) throw std::runtime_error("GET /v1/conversations?" + query + " failed");
    const json body = json::parse(r->body);
    total = body["total"].get<uint64_t>();
    for (const auto& conv : body["conversations"]) out.push_back(conv);
    if (body["next_cursor"].is_null()) return out;
    cursor = body["next_cursor"].get<std::string>();
  }
  throw std::runtime_error("/v1/conversations never ended its pages");
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
  ASSERT_TRUE(open_dashboard(browser, daemon.port()));

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

// Presses a key in the page, as a person at the keyboard does (to the focused element).
void press(HeadlessChromium& browser, const std::string& key, int code) {
  json down = {{"type", "keyDown"},
               {"key", key},
               {"code", key},
               {"windowsVirtualKeyCode", code},
               {"nativeVirtualKeyCode", code}};
  if (key == "Enter") down["text"] = "\r";
  browser.command("Input.dispatchKeyEvent", down);
  browser.command("Input.dispatchKeyEvent", {{"type", "keyUp"},
                                             {"key", key},
                                             {"code", key},
                                             {"windowsVirtualKeyCode", code},
                                             {"nativeVirtualKeyCode", code}});
}

std::string js_string(const std::string& s) {
  return json(s).dump();
}

enum class Activate { Click, EnterKey };

// Opens the drill-down of the button at `selector` and checks the transcript view against the API: the query
// it sent (the page's window `window` plus `filters` and the page size), the exact total, every conversation
// with its customer and the role of every turn, "More" until the last page. Returns what the view showed
// (it stays open).
json open_drill(HeadlessChromium& browser, httplib::Client& c, const std::string& selector,
                const json& filters, const json& window, Activate how) {
  SCOPED_TRACE(selector);
  const std::string button = "document.querySelector(" + js_string(selector) + ")";
  EXPECT_EQ(browser.evaluate(button + ".tagName"), "BUTTON");
  EXPECT_EQ(browser.evaluate(button + ".disabled"), false);
  EXPECT_NE(browser.evaluate(button + ".getAttribute('aria-label')")
                .get<std::string>()
                .find("open the conversations"),
            std::string::npos);
  if (how == Activate::Click) {
    browser.evaluate(button + ".click()");
  } else {
    browser.evaluate(button + ".focus()");
    EXPECT_EQ(browser.evaluate("document.activeElement === " + button), true);
    press(browser, "Enter", 13);
  }
  EXPECT_EQ(browser.wait_for("(() => { const d = document.getElementById('transcript');"
                             " return d.open && d.dataset.state === 'ready'; })()"),
            true)
      << browser.evaluate(kTranscriptJs).dump();
  json shown = browser.evaluate(kTranscriptJs);

  json expected = window;
  for (const auto& [k, v] : filters.items()) expected[k] = v;
  expected["limit"] = std::to_string(kDrillPage);
  EXPECT_EQ(shown["params"], expected);

  uint64_t total = 0;
  const std::vector<json> api = all_conversations(c, shown["query"].get<std::string>(), total);
  EXPECT_EQ(number(shown["total"]), static_cast<int64_t>(total));
  EXPECT_EQ(api.size(), total);
  EXPECT_GT(total, 0u);
  EXPECT_EQ(shown["conversations"].size(), std::min<size_t>(total, kDrillPage));
  EXPECT_EQ(shown["more"], total > kDrillPage);

  // "More" loads the next page until there is none; the focus moves to the first new conversation.
  for (size_t page = 1; shown["more"].get<bool>(); ++page) {
    if (page > total / kDrillPage + 1) {
      ADD_FAILURE() << "\"More\" is still there after " << page << " pages of " << total;
      break;
    }
    const size_t before = shown["conversations"].size();
    browser.evaluate("document.querySelector('#transcript .transcript-more').click()");
    EXPECT_EQ(browser.wait_for(
                  "(() => { const d = document.getElementById('transcript');"
                  " return d.dataset.state === 'ready' && d.querySelectorAll('.conversation').length > " +
                  std::to_string(before) + "; })()"),
              true);
    shown = browser.evaluate(kTranscriptJs);
    EXPECT_EQ(shown["conversations"].size(), std::min<size_t>(total, before + kDrillPage));
    EXPECT_EQ(browser.evaluate("document.activeElement === document.querySelectorAll('#transcript "
                               ".conversation')[" +
                               std::to_string(before) + "].querySelector('.conversation-title')"),
              true);
  }
  if (total > kDrillPage) {
    EXPECT_EQ(shown["more"], false);
  }

  // The same conversations, newest first, with their customers and every turn's role.
  const json& listed = shown["conversations"];
  EXPECT_EQ(listed.size(), api.size());
  const std::map<std::string, std::string> who = {{"user", "Customer"}, {"bot", "Bot"}, {"agent", "Agent"}};
  for (size_t i = 0; i < std::min(listed.size(), api.size()); ++i) {
    const json& conv = api[i];
    EXPECT_EQ(listed[i]["id"], conv["id"]) << i;
    EXPECT_EQ(listed[i]["customer"], conv["customer_id"].is_null() ? json("anonymous") : conv["customer_id"]);
    json roles = json::array();
    for (const auto& t : conv["turns"]) roles.push_back(t["role"].is_null() ? json("none") : t["role"]);
    EXPECT_EQ(listed[i]["roles"], roles) << conv["id"];
    for (size_t k = 0; k < roles.size() && k < listed[i]["who"].size(); ++k) {
      auto it = who.find(roles[k].get<std::string>());
      if (it != who.end())
        EXPECT_EQ(listed[i]["who"][k], it->second);
      else
        EXPECT_FALSE(listed[i]["who"][k].get<std::string>().empty());
    }
  }
  return shown;
}

// Closes the transcript view (Escape or its button); the focus goes back to the figure that opened it.
void close_drill(HeadlessChromium& browser, const std::string& selector, bool escape) {
  if (escape) {
    press(browser, "Escape", 27);
  } else {
    browser.evaluate("document.querySelector('#transcript .transcript-close').click()");
  }
  EXPECT_EQ(browser.wait_for("!document.getElementById('transcript').open"), true) << selector;
  EXPECT_EQ(
      browser.wait_for("document.activeElement === document.querySelector(" + js_string(selector) + ")"),
      true)
      << selector;
}

// Every figure that stands out opens the conversations behind it, in the page's window and persona: a map
// cell and its pain share, a stage and its pain share and top reason, each kind of opportunity, a FAQ row
// (with its phrasings); with "More" to the last page, and chat text as text.
TEST_F(Dashboard, EveryFigureOpensTheConversationsBehindIt) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), test_config(dir.path()));
  auto c = client(daemon.port());
  const int64_t now = now_unix_ms();
  json events = journey_events(now, 240);
  for (auto& e : drill_conversations(now)) events.push_back(std::move(e));
  post_all(c, events);
  wait_until_mapped(c, events.size());

  HeadlessChromium browser;
  ASSERT_TRUE(open_dashboard(browser, daemon.port()));
  // A custom window (to the minute) does not slide between a click and the test's own reads.
  browser.evaluate(R"JS((() => {
    const w = document.getElementById('window');
    w.value = 'custom';
    w.dispatchEvent(new Event('change'));
    const local = (ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60e3).toISOString().slice(0, 16);
    document.getElementById('from').value = local(Date.now() - 8 * 86400e3);
    document.getElementById('from').dispatchEvent(new Event('change'));
    document.getElementById('to').value = local(Date.now() + 3600e3);
    document.getElementById('to').dispatchEvent(new Event('change'));
    window.__customTo = new Date(Date.parse(document.getElementById('to').value)).toISOString();
  })())JS");
  ASSERT_EQ(
      browser.wait_for("new URLSearchParams(document.getElementById('export-map-csv').getAttribute('href')"
                       ".split('?')[1]).get('to') === window.__customTo"),
      true);
  const std::string q = page_query(browser);
  // The map on screen is the one of that window (a refresh for the previous one may have ended after the
  // export links changed).
  ASSERT_EQ(browser.wait_for("document.getElementById('map-grid').dataset.query === " + js_string(q)), true);
  const json window = browser.evaluate("Object.fromEntries(new URLSearchParams(" + js_string(q) + "))");
  ASSERT_EQ(window.size(), 2u) << window;  // from and to, no persona
  const json map = json_of(c.Get("/v1/map?" + q));
  const json faq = json_of(c.Get("/v1/faq?" + q + "&limit=50"));

  // 1. A map cell, by keyboard; Escape closes the view.
  const std::string cell_button =
      "#map-grid td.cell[data-stage=\"purchase\"][data-touchpoint=\"helpdesk\"] button.cell-drill";
  const json cell = open_drill(browser, c, cell_button, {{"stage", "purchase"}, {"touchpoint", "helpdesk"}},
                               window, Activate::EnterKey);
  EXPECT_EQ(cell["title"], "Map cell: Purchase / Helpdesk");
  EXPECT_GT(number(cell["total"]), static_cast<int64_t>(kDrillPage));  // "More" was used
  // The hostile conversation is the newest: its markup is text, nothing of it became an element.
  ASSERT_FALSE(cell["conversations"].empty());
  EXPECT_EQ(cell["conversations"][0]["id"], "drill-hostile");
  EXPECT_EQ(cell["conversations"][0]["customer"], kHostileCustomer);
  EXPECT_EQ(cell["conversations"][0]["roles"], json::array({"none", "user", "bot"}));
  const std::string hostile_conv =
      "document.querySelector('#transcript .conversation[data-id=\"drill-hostile\"]')";
  EXPECT_EQ(
      browser.evaluate("[..." + hostile_conv + ".querySelectorAll('.turn-text')].map(e => e.textContent)"),
      json::array({kHostile, kHostileBot}));
  EXPECT_EQ(browser.evaluate(hostile_conv + ".querySelector('.page-name').textContent"), kHostilePage);
  EXPECT_EQ(browser.evaluate(hostile_conv + ".querySelector('.page-url').textContent"), kHostileUrl);
  EXPECT_EQ(browser.evaluate("[..." + hostile_conv +
                             ".querySelectorAll('.turn')][1].querySelector('.turn-pain').textContent"),
            "pain: unanswered");
  EXPECT_EQ(browser.evaluate("[..." + hostile_conv +
                             ".querySelectorAll('.turn')][1].querySelector('.flag.fallback') !== null"),
            true);
  EXPECT_EQ(browser.evaluate("document.querySelectorAll('#transcript img, #transcript script, #transcript b, "
                             "#transcript a, img[src=\"x\"]').length"),
            0);
  // An escalated conversation shows the agent's turn and the hand-off flag.
  EXPECT_EQ(browser.evaluate("!!document.querySelector('#transcript .turn[data-role=\"agent\"]') && "
                             "!!document.querySelector('#transcript .flag.escalated')"),
            true);
  browser.evaluate("document.querySelector('#transcript').scrollTop = 0");
  browser.screenshot((screenshot_dir() / "transcript.png").string());  // for a person to look at
  close_drill(browser, cell_button, true);

  // The cell's pain share: its conversations with any pain.
  const std::string cell_pain =
      "#map-grid td.cell[data-stage=\"purchase\"][data-touchpoint=\"helpdesk\"] button.cell-pain-drill";
  open_drill(browser, c, cell_pain, {{"stage", "purchase"}, {"touchpoint", "helpdesk"}, {"pain", "any"}},
             window, Activate::Click);
  close_drill(browser, cell_pain, false);

  // 2. A stage's figures, its pain share and its top pain reason.
  const std::string stage_button = "#map-grid th.stage[data-stage=\"purchase\"] button.stage-figures";
  open_drill(browser, c, stage_button, {{"stage", "purchase"}}, window, Activate::Click);
  close_drill(browser, stage_button, false);
  const std::string stage_pain = "#map-grid tr.foot-pain td[data-stage=\"purchase\"] button.stage-pain-drill";
  const json pain =
      open_drill(browser, c, stage_pain, {{"stage", "purchase"}, {"pain", "any"}}, window, Activate::Click);
  EXPECT_EQ(pain["title"], "Pain at Purchase: any reason");
  close_drill(browser, stage_pain, true);
  json purchase;
  for (const auto& s : map["stages"])
    if (s["id"] == "purchase") purchase = s;
  ASSERT_FALSE(purchase["pain"]["top"].empty());
  const std::string reason = purchase["pain"]["top"][0]["reason"];
  const std::string reason_button =
      "#map-grid tr.foot-pain td[data-stage=\"purchase\"] button.pain-reason-drill[data-pain=" +
      js_string(reason) + "]";
  EXPECT_EQ(browser.evaluate("document.querySelector(" + js_string(reason_button) + ").textContent"),
            reason + " " + std::to_string(purchase["pain"]["top"][0]["count"].get<int64_t>()));
  open_drill(browser, c, reason_button, {{"stage", "purchase"}, {"pain", reason}}, window, Activate::Click);
  close_drill(browser, reason_button, false);

  // 3. The first opportunity of each kind: a cell's opens its conversations with pain, a transition's the
  // conversations at the stage customers went no further than.
  std::set<std::string> kinds;
  ASSERT_FALSE(map["opportunities"].empty());
  for (size_t i = 0; i < map["opportunities"].size(); ++i) {
    const json& o = map["opportunities"][i];
    if (!kinds.insert(o["kind"].get<std::string>()).second) continue;
    json filters = {{"stage", o["stage"]}};
    if (o["kind"] == "cell")
      filters = {{"stage", o["stage"]}, {"touchpoint", o["touchpoint"]}, {"pain", "any"}};
    const std::string selector = "#opportunities li:nth-child(" + std::to_string(i + 1) + ") button.drill";
    const json shown = open_drill(browser, c, selector, filters, window, Activate::Click);
    EXPECT_EQ(shown["title"], "Opportunity: " + o["line"].get<std::string>());
    close_drill(browser, selector, false);
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"cell", "transition"}));

  // 4. A FAQ row: the conversations that asked it, with its phrasings (also in the row's details).
  json cluster;
  for (const auto& row : faq["clusters"])
    for (const auto& p : row["phrasings"])
      if (p["text"] == kDrillQuestion) cluster = row;
  ASSERT_FALSE(cluster.is_null()) << faq.dump();
  json phrasings = json::array();
  for (const auto& p : cluster["phrasings"])
    phrasings.push_back(p["text"].get<std::string>() + " ×" + std::to_string(p["count"].get<int64_t>()));
  ASSERT_GE(phrasings.size(), 2u);
  const std::string row =
      "#faq-table tr.cluster[data-cluster=\"" + std::to_string(cluster["id"].get<int64_t>()) + "\"]";
  const std::string faq_button = row + " button.faq-drill";
  const json asked =
      open_drill(browser, c, faq_button, {{"cluster", std::to_string(cluster["id"].get<int64_t>())}}, window,
                 Activate::Click);
  EXPECT_EQ(asked["title"], "FAQ: " + cluster["label"].get<std::string>());
  EXPECT_GT(number(asked["total"]), static_cast<int64_t>(kDrillPage));
  const std::string listed_phrasings =
      "[...document.querySelectorAll('%s .phrasings li')].map(li => li.textContent)";
  const auto phrasings_in = [&](const std::string& where) {
    std::string js = listed_phrasings;
    js.replace(js.find("%s"), 2, where);
    return browser.evaluate(js);
  };
  EXPECT_EQ(phrasings_in("#transcript .transcript-phrasings"), phrasings);
  close_drill(browser, faq_button, false);
  browser.evaluate("document.querySelector(" + js_string(row + " button.expand") + ").click()");
  EXPECT_EQ(phrasings_in(row + " + tr.cluster-details"), phrasings);

  // The persona on screen narrows the drill-down too.
  browser.evaluate(
      "(() => { const s = document.getElementById('persona'); s.value = 'business-account';"
      " s.dispatchEvent(new Event('change')); })()");
  ASSERT_EQ(browser.wait_for("document.getElementById('map-grid').dataset.query === " +
                             js_string(q + "&persona=business-account")),
            true)
      << browser.evaluate("document.getElementById('map-grid').dataset.query");
  json persona_window = window;
  persona_window["persona"] = "business-account";
  const json persona_cell =
      open_drill(browser, c, cell_button, {{"stage", "purchase"}, {"touchpoint", "helpdesk"}}, persona_window,
                 Activate::Click);
  EXPECT_LT(number(persona_cell["total"]), number(cell["total"]));
  close_drill(browser, cell_button, true);

  // No script ran and the policy was never violated.
  EXPECT_TRUE(browser.dialogs().empty()) << "a script ran: " << testing::PrintToString(browser.dialogs());
  EXPECT_EQ(browser.evaluate("window.__csp"), json::array());
  for (const auto& m : browser.console_messages()) {
    EXPECT_EQ(m.find("Content Security Policy"), std::string::npos) << m;
    EXPECT_EQ(m.rfind("exception:", 0), std::string::npos) << m;
  }
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
