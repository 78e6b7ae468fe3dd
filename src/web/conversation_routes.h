// GET /v1/conversations: the drill-down from any number on the map or the FAQ to the conversations
// behind it, each with its transcript (the turns as stored, already redacted).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "http/router.h"

namespace tp {

class ConversationIndex;
class Store;
struct Journey;

struct ConversationRoutesDeps {
  const Journey& journey;
  const ConversationIndex& index;
  Store& store;            // the turns are read from here
  std::string read_token;  // empty: open
  // FAQ clusters merge (question_clusters.h): the ids a requested cluster stands for, and the id an
  // interaction's cluster is shown as now. Unset: ids are taken as they are.
  std::function<std::vector<uint32_t>(uint32_t)> cluster_members;
  std::function<uint32_t(uint32_t)> canonical_cluster;
};

void add_conversation_routes(http::Router& router, ConversationRoutesDeps deps);

}  // namespace tp
