#include "model/journey.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace tp {
namespace {

using json = nlohmann::json;

bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos;
}

// Reads a list of {id, name, <extra>} objects; `extra` is the third allowed string field.
template <typename T>
void read_list(const json& doc, const char* key, const char* extra, bool required, std::vector<T>& out,
               FileDiagnostics& problems, std::string T::*extra_field) {
  const std::string path = std::string("/") + key;
  auto it = doc.find(key);
  if (it == doc.end()) {
    if (required) problems.error(path, "is required");
    return;
  }
  if (!it->is_array()) return problems.error(path, "must be an array");
  std::set<std::string> seen;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& item = (*it)[i];
    const std::string ipath = path + "/" + std::to_string(i);
    if (!item.is_object()) {
      problems.error(ipath, "must be an object with id and name");
      continue;
    }
    T entry;
    for (const auto& [k, v] : item.items()) {
      std::string* target = k == "id"     ? &entry.id
                            : k == "name" ? &entry.name
                            : k == extra  ? &(entry.*extra_field)
                                          : nullptr;
      if (!target)
        problems.error(ipath + "/" + json_pointer_token(k), "unknown key", /*at_key=*/true);
      else if (!v.is_string())
        problems.error(ipath + "/" + k, "must be a string");
      else
        *target = v.template get<std::string>();
    }
    if (!valid_id(entry.id))
      problems.error(ipath + "/id", "is required: a-z, 0-9, '-' and '_' (at most 64)");
    else if (!seen.insert(entry.id).second)
      problems.error(ipath + "/id", "duplicate id '" + entry.id + "'");
    if (entry.name.empty()) entry.name = entry.id;
    out.push_back(std::move(entry));
  }
}

}  // namespace

int Journey::stage_index(std::string_view id) const {
  for (size_t i = 0; i < stages.size(); ++i)
    if (stages[i].id == id) return static_cast<int>(i);
  return -1;
}

bool Journey::has_touchpoint(std::string_view id) const {
  for (const auto& t : touchpoints)
    if (t.id == id) return true;
  return false;
}

bool Journey::has_persona(std::string_view id) const {
  for (const auto& p : personas)
    if (p.id == id) return true;
  return false;
}

JourneyLoad parse_journey(const std::string& text, const std::string& file) {
  JourneyLoad out;
  FileDiagnostics problems(file, text, out.problems);
  json doc;
  try {
    doc = json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number beyond a double
    problems.syntax_error(e);
    return out;
  }
  if (!doc.is_object()) {
    problems.error("", "the journey must be a JSON object");
    return out;
  }
  for (const auto& [k, v] : doc.items())
    if (k != "stages" && k != "touchpoints" && k != "personas")
      problems.error("/" + json_pointer_token(k), "unknown key", /*at_key=*/true);
  read_list(doc, "stages", "description", true, out.journey.stages, problems, &JourneyStage::description);
  read_list(doc, "touchpoints", "channel", true, out.journey.touchpoints, problems,
            &JourneyTouchpoint::channel);
  read_list(doc, "personas", "description", false, out.journey.personas, problems,
            &JourneyPersona::description);
  if (out.problems.empty() && out.journey.stages.empty())
    problems.error("/stages", "at least one stage is required");
  return out;
}

JourneyLoad load_journey_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    JourneyLoad out;
    Diagnostic d = error_at("", "cannot read journey file '" + path + "'");
    d.file = path;
    out.problems.push_back(std::move(d));
    return out;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_journey(ss.str(), path);
}

}  // namespace tp
