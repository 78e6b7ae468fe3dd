#include "web/conversation_routes.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "analytics/conversations.h"
#include "analytics/journey_map.h"
#include "http/credentials.h"
#include "http/replies.h"
#include "model/journey.h"
#include "store/store.h"
#include "util/text.h"
#include "util/time.h"
#include "web/window_params.h"

namespace tp {

using http::check_read_token;
using http::send_json;

using json = nlohmann::json;

namespace {

constexpr size_t kMaxLimit = 200, kDefaultLimit = 50;
// A transcript longer than this (a runaway bot loop in one session) is cut: the first turns are read and
// shown (its stages, touchpoints and pain are those of the turns shown) and `turns_omitted` says how many
// more there are.
constexpr size_t kMaxTurns = 1000;

// The cursor is opaque to clients: "<ended ms>:<id>", base64url without padding.
std::string encode_cursor(const ConversationCursor& c) {
  std::string b = base64_encode(std::to_string(c.ended_ms) + ":" + c.id);
  for (char& ch : b) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}

std::optional<ConversationCursor> decode_cursor(std::string text) {
  if (text.empty() || text.size() > 4096) return std::nullopt;
  for (char& ch : text) {
    if (ch == '-')
      ch = '+';
    else if (ch == '_')
      ch = '/';
  }
  while (text.size() % 4) text += '=';
  const auto raw = base64_decode(text);
  if (!raw) return std::nullopt;
  const size_t colon = raw->find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  ConversationCursor c;
  const char* first = raw->data();
  const char* last = raw->data() + colon;
  const auto [end, error] = std::from_chars(first, last, c.ended_ms);  // out of range or junk: refused
  if (error != std::errc() || end != last) return std::nullopt;
  c.id = raw->substr(colon + 1);
  return c;
}

json or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

json turn_json(const StoredInteraction& s) {
  const Interaction& in = s.interaction;
  const bool tagged = !s.tag_version.empty();
  return {{"id", in.id},
          {"timestamp", format_rfc3339_ms(in.timestamp_ms)},
          {"type", std::string(to_string(in.type))},
          {"role", in.role == Role::None ? json(nullptr) : json(std::string(to_string(in.role)))},
          {"text", or_null(in.text)},
          {"name", or_null(in.name)},
          {"url", or_null(in.url)},
          {"intent", or_null(in.intent)},
          {"fallback", in.fallback ? json(*in.fallback) : json(nullptr)},
          {"escalated", in.escalated ? json(*in.escalated) : json(nullptr)},
          {"rating", in.rating ? json(*in.rating) : json(nullptr)},
          {"tags",
           {{"persona", tagged ? or_null(s.tags.persona) : json(nullptr)},
            {"stage", tagged ? or_null(s.tags.stage) : json(nullptr)},
            {"touchpoint", tagged ? or_null(s.tags.touchpoint) : json(nullptr)},
            {"sentiment", tagged && s.tags.sentiment ? json(*s.tags.sentiment) : json(nullptr)},
            {"pain", tagged ? json(s.tags.pain) : json::array()}}}};
}

// Ids in the journey's order, for stable output.
json in_journey_order(const std::set<std::string>& seen, const std::vector<std::string>& order) {
  json out = json::array();
  for (const auto& id : order)
    if (seen.count(id)) out.push_back(id);
  return out;
}

// Reads the query's parameters; answers 400 itself.
bool read_query(const http::Request& req, http::Response& res, const Journey& journey,
                const std::function<std::vector<uint32_t>(uint32_t)>& cluster_members, ConversationQuery& q) {
  MapQuery window;
  if (!read_window(req, res, journey, window)) return false;
  q.from_ms = window.from_ms;
  q.to_ms = window.to_ms;
  q.persona = window.persona;
  const auto refuse = [&](const char* field, const char* error) {
    send_json(res, 400, error_body(field, error).dump());
    return false;
  };
  q.stage = req.param_value("stage");
  if (!q.stage.empty() && journey.stage_index(q.stage) < 0) return refuse("stage", "unknown stage id");
  q.touchpoint = req.param_value("touchpoint");
  if (!q.touchpoint.empty() && !journey.has_touchpoint(q.touchpoint))
    return refuse("touchpoint", "unknown touchpoint id");
  q.pain = req.param_value("pain");
  if (req.has_param("pain") && q.pain.empty()) return refuse("pain", "must name a pain reason, or \"any\"");
  if (req.has_param("cluster")) {
    const std::string v = req.param_value("cluster");
    if (v.empty() || v.size() > 10 ||
        !std::all_of(v.begin(), v.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
        std::stoull(v) >= 0xffffffffULL)
      return refuse("cluster", "must be a FAQ cluster id (a whole number)");
    const auto id = static_cast<uint32_t>(std::stoull(v));
    q.clusters = cluster_members ? cluster_members(id) : std::vector<uint32_t>{id};
  }
  q.limit = kDefaultLimit;
  if (!read_limit(req, res, kMaxLimit, q.limit)) return false;
  if (req.has_param("cursor")) {
    q.after = decode_cursor(req.param_value("cursor"));
    if (!q.after) return refuse("cursor", "is not a cursor this API returned");
  }
  return true;
}

}  // namespace

void add_conversation_routes(http::Router& router, ConversationRoutesDeps deps) {
  auto d = std::make_shared<ConversationRoutesDeps>(std::move(deps));
  router.get("/v1/conversations", [d](const http::Request& req, http::Response& res) {
    if (!check_read_token(d->read_token, req, res)) return;
    ConversationQuery q;
    if (!read_query(req, res, d->journey, d->cluster_members, q)) return;
    const ConversationPage page = d->index.query(q);

    // Every turn of the page in one read (a runaway conversation's first kMaxTurns only).
    std::vector<int64_t> seqs;
    for (const auto& c : page.conversations)
      seqs.insert(seqs.end(), c.seqs.begin(),
                  c.seqs.begin() + static_cast<std::ptrdiff_t>(std::min(c.seqs.size(), kMaxTurns)));
    std::vector<StoredInteraction> rows;
    try {
      rows = d->store.interactions_by_seq(seqs);
    } catch (const StorageError&) {
      res.set_header("Retry-After", "1");
      send_json(res, 503, json{{"error", "storage is not readable right now; retry"}}.dump());
      return;
    }
    std::vector<std::string> stage_order, touchpoint_order;
    for (const auto& s : d->journey.stages) stage_order.push_back(s.id);
    for (const auto& t : d->journey.touchpoints) touchpoint_order.push_back(t.id);

    // Each question's cluster as it is now (merged ones under the survivor), once each.
    const auto shown_clusters = [&](const std::vector<uint32_t>& ids) {
      json out = json::array();
      std::vector<uint32_t> seen;
      for (const uint32_t id : ids) {
        const uint32_t now = d->canonical_cluster ? d->canonical_cluster(id) : id;
        if (std::find(seen.begin(), seen.end(), now) == seen.end()) {
          seen.push_back(now);
          out.push_back(now);
        }
      }
      return out;
    };
    json list = json::array();
    for (const auto& c : page.conversations) {
      // The turns in time order (the store sorted them; this conversation's are a subsequence).
      std::vector<const StoredInteraction*> turns;
      for (const auto& r : rows)
        if (std::binary_search(c.seqs.begin(), c.seqs.end(), r.seq)) turns.push_back(&r);
      std::set<std::string> stages, touchpoints, pain_seen;
      json pain = json::array();
      std::optional<int> rating;
      json turn_list = json::array();
      for (const StoredInteraction* t : turns) {
        if (!t->tag_version.empty()) {
          if (!t->tags.stage.empty()) stages.insert(t->tags.stage);
          if (!t->tags.touchpoint.empty()) touchpoints.insert(t->tags.touchpoint);
          for (const auto& p : t->tags.pain)
            if (pain_seen.insert(p).second) pain.push_back(p);
        }
        if (t->interaction.rating) rating = t->interaction.rating;
        turn_list.push_back(turn_json(*t));
      }
      json conv = {{"id", c.id},
                   {"customer_id", or_null(c.customer)},
                   {"started_at", format_rfc3339_ms(c.started_ms)},
                   {"ended_at", format_rfc3339_ms(c.ended_ms)},
                   {"stages", in_journey_order(stages, stage_order)},
                   {"touchpoints", in_journey_order(touchpoints, touchpoint_order)},
                   {"pain", pain},
                   {"rating", rating ? json(*rating) : json(nullptr)},
                   {"cluster_ids", shown_clusters(c.clusters)},
                   {"turns", std::move(turn_list)}};
      if (c.seqs.size() > kMaxTurns) conv["turns_omitted"] = c.seqs.size() - kMaxTurns;
      list.push_back(std::move(conv));
    }
    json out = {{"total", page.total},
                {"conversations", std::move(list)},
                {"next_cursor", page.next ? json(encode_cursor(*page.next)) : json(nullptr)},
                {"from", format_rfc3339_ms(q.from_ms)},
                {"to", format_rfc3339_ms(q.to_ms)}};
    send_json(res, 200, out.dump(-1, ' ', false, json::error_handler_t::replace));
  });
}

}  // namespace tp
