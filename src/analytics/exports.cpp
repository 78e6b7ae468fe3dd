#include "analytics/exports.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace tp {

using json = nlohmann::json;

namespace {

std::string name_of(const std::vector<JourneyStage>& v, const std::string& id) {
  for (const auto& s : v)
    if (s.id == id) return s.name;
  return id;
}
std::string touchpoint_name(const Journey& j, const std::string& id) {
  for (const auto& t : j.touchpoints)
    if (t.id == id) return t.name;
  return id;
}
std::string percent(double r) {
  return std::to_string(static_cast<int>(std::lround(r * 100))) + "%";
}

std::string number(const json& v) {
  if (v.is_null()) return "";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
    return buf;
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Mermaid task names may not hold ':' '#' ';' or line breaks; keep them readable.
std::string mermaid_text(std::string s) {
  for (char& c : s)
    if (c == ':' || c == '#' || c == ';' || c == '\n' || c == '\r' || c == '%' || c == '{' || c == '}')
      c = ' ';
  return s;
}

}  // namespace

std::string csv_field(const std::string& value) {
  std::string v = value;
  if (!v.empty() &&
      (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r')) {
    // A negative number stays a number; anything else that looks like a formula is defused.
    const bool numeric =
        v[0] == '-' && v.size() > 1 && v.find_first_not_of("0123456789.eE-+", 1) == std::string::npos;
    if (!numeric) v = "'" + v;
  }
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string out = "\"";
  for (const char c : v) {
    if (c == '"')
      out += "\"\"";
    else
      out.push_back(c);
  }
  return out + "\"";
}

json map_opportunities(const json& map, const Journey& journey, size_t limit) {
  struct Item {
    double impact;
    json body;
  };
  std::vector<Item> items;
  for (const auto& cell : map["cells"]) {
    const double interactions = cell["interactions"].get<double>();
    const double with_pain = cell["pain"]["interactions"].get<double>();
    if (with_pain <= 0 || interactions <= 0) continue;
    const double share = with_pain / interactions;
    const double customers = cell["customers"].get<double>();
    std::string line = name_of(journey.stages, cell["stage"]) + " / " +
                       touchpoint_name(journey, cell["touchpoint"]) + ": " + percent(share) +
                       " of interactions with a pain point";
    if (!cell["pain"]["top"].empty())
      line += " (mostly " + cell["pain"]["top"][0]["reason"].get<std::string>() + ")";
    if (cell.contains("faq") && !cell["faq"].empty())
      line += ", top question: \"" + cell["faq"][0]["label"].get<std::string>() + "\"";
    items.push_back({customers * share,
                     {{"kind", "cell"},
                      {"stage", cell["stage"]},
                      {"touchpoint", cell["touchpoint"]},
                      {"customers_affected", cell["customers"]},
                      {"impact", customers * share},
                      {"line", line}}});
  }
  const auto& stages = map["stages"];
  for (size_t i = 0; i + 1 < stages.size(); ++i) {
    const auto& s = stages[i];
    const double customers = s["customers"].get<double>(), dropped = s["dropoff"].get<double>();
    if (customers <= 0 || dropped <= 0) continue;
    const double share = dropped / customers;
    std::string line = s["name"].get<std::string>() + " -> " + stages[i + 1]["name"].get<std::string>() +
                       ": " + percent(share) + " of customers went no further (" + number(s["dropoff"]) +
                       " of " + number(s["customers"]) + ")";
    const auto& next = s["after_dropoff"]["touchpoints"];
    std::string where;
    uint64_t best = 0;
    for (const auto& [tp, n] : next.items())
      if (n.get<uint64_t>() > best) best = n.get<uint64_t>(), where = tp;
    if (!where.empty() && where != "(none)") line += "; most went next to " + touchpoint_name(journey, where);
    items.push_back({dropped * share,
                     {{"kind", "transition"},
                      {"stage", s["id"]},
                      {"next_stage", stages[i + 1]["id"]},
                      {"customers_affected", s["dropoff"]},
                      {"impact", dropped * share},
                      {"line", line}}});
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.impact > b.impact; });
  json out = json::array();
  for (size_t i = 0; i < items.size() && i < limit; ++i) out.push_back(std::move(items[i].body));
  return out;
}

std::string map_mermaid(const json& map, const Journey& journey, const std::string& title) {
  std::string out = "journey\n  title " + mermaid_text(title) + "\n";
  for (const auto& stage : map["stages"]) {
    std::vector<const json*> cells;
    for (const auto& c : map["cells"])
      if (c["stage"] == stage["id"]) cells.push_back(&c);
    if (cells.empty()) continue;
    out += "  section " + mermaid_text(stage["name"].get<std::string>()) + "\n";
    for (const json* c : cells) {
      // Sentiment -1..1 -> score 1..5 (3 when unknown).
      const json& s = (*c)["sentiment"];
      const int score =
          s.is_null() ? 3
                      : std::clamp(static_cast<int>(std::lround((s.get<double>() + 1.0) * 2.0)) + 1, 1, 5);
      out += "    " + mermaid_text(touchpoint_name(journey, (*c)["touchpoint"])) + ": " +
             std::to_string(score) + ": " + number((*c)["customers"]) + " customers\n";
    }
  }
  return out;
}

std::string map_csv(const json& map) {
  std::string out =
      "stage,touchpoint,customers,interactions,sentiment,pain_interactions,top_pain,conversion_to_next,"
      "dropoff,"
      "time_to_next_median_s,time_to_next_p90_s\n";
  for (const auto& s : map["stages"]) {
    out += csv_field(s["id"]) + ",," + number(s["customers"]) + "," + number(s["interactions"]) + "," +
           number(s["sentiment"]) + "," + number(s["pain"]["interactions"]) + "," +
           (s["pain"]["top"].empty() ? "" : csv_field(s["pain"]["top"][0]["reason"])) + "," +
           number(s["conversion_to_next"]) + "," + number(s["dropoff"]) + "," +
           number(s["time_to_next_s"]["median"]) + "," + number(s["time_to_next_s"]["p90"]) + "\n";
  }
  for (const auto& c : map["cells"]) {
    out += csv_field(c["stage"]) + "," + csv_field(c["touchpoint"]) + "," + number(c["customers"]) + "," +
           number(c["interactions"]) + "," + number(c["sentiment"]) + "," +
           number(c["pain"]["interactions"]) + "," +
           (c["pain"]["top"].empty() ? "" : csv_field(c["pain"]["top"][0]["reason"])) + ",,,,\n";
  }
  return out;
}

std::string faq_csv(const json& faq) {
  std::string out =
      "id,label,intent,count,customers,unanswered_rate,escalation_rate,negative_rate,avg_rating,pain_score,"
      "trend_change,opportunity\n";
  for (const auto& c : faq["clusters"]) {
    out += number(c["id"]) + "," + csv_field(c["label"]) + "," +
           (c["intent"].is_null() ? "" : csv_field(c["intent"])) + "," + number(c["count"]) + "," +
           number(c["customers"]) + "," + number(c["unanswered_rate"]) + "," + number(c["escalation_rate"]) +
           "," + number(c["negative_rate"]) + "," + number(c["avg_rating"]) + "," + number(c["pain_score"]) +
           "," + number(c["trend"]["change"]) + "," + csv_field(c["opportunity"]) + "\n";
  }
  return out;
}

}  // namespace tp
