// GET /v1/stream: Server-Sent Events telling a dashboard what changed in the map and the FAQ, at most
// one batch of events per second per stream, with keep-alive comments in between. Each stream holds
// one HTTP worker thread, so their number is capped; a slow stream only falls behind (ChangeFeed).
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "http/router.h"

namespace tp {

class ChangeFeed;

struct StreamDeps {
  ChangeFeed& feed;
  std::string read_token;
  int max_streams = 8;
};

void add_stream_route(http::Router& router, StreamDeps deps);

}  // namespace tp
