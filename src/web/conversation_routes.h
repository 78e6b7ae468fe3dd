// GET /v1/conversations: the drill-down from any number on the map or the FAQ to the conversations
// behind it, each with its transcript (the turns as stored, already redacted).
#pragma once
#include <string>

namespace httplib {
class Server;
}

namespace tp {

class ConversationIndex;
class Store;
struct Journey;

struct ConversationRoutesDeps {
  const Journey& journey;
  const ConversationIndex& index;
  Store& store;            // the turns are read from here
  std::string read_token;  // empty: open
};

void add_conversation_routes(httplib::Server& server, ConversationRoutesDeps deps);

}  // namespace tp
