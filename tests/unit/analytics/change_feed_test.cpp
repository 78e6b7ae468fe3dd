#include "analytics/change_feed.h"

#include <gtest/gtest.h>

#include <thread>

namespace tp {
namespace {

using namespace std::chrono_literals;

TEST(ChangeFeed, CoalescesWhatChangedSinceTheLastLook) {
  ChangeFeed feed;
  uint64_t since = feed.position();
  feed.record("support", "chatbot", 3);
  feed.record("support", "chatbot", 3);
  feed.record("purchase", "website", std::nullopt);
  feed.record("", "email", std::nullopt);  // no stage: no stage or cell change
  const Changes c = feed.wait(since, 0ms);
  EXPECT_FALSE(c.everything);
  EXPECT_EQ(c.stages, (std::set<std::string>{"purchase", "support"}));
  EXPECT_EQ(c.cells.size(), 2u);
  EXPECT_EQ(c.clusters, std::set<uint32_t>{3});
  EXPECT_EQ(since, feed.position());
  EXPECT_TRUE(feed.wait(since, 0ms).empty());  // nothing new
}

TEST(ChangeFeed, ASubscriberThatFellBehindTheHistoryRefreshesEverything) {
  ChangeFeed feed(4);
  uint64_t since = feed.position();
  for (int i = 0; i < 10; ++i) feed.record("support", "chatbot", std::nullopt);
  EXPECT_TRUE(feed.wait(since, 0ms).everything);
}

TEST(ChangeFeed, CloseWakesWaiters) {
  ChangeFeed feed;
  uint64_t since = feed.position();
  std::thread closer([&] { feed.close(); });
  const Changes c = feed.wait(since, 60s);  // returns at close, long before the timeout
  closer.join();
  EXPECT_TRUE(c.empty());
  EXPECT_TRUE(feed.closed());
}

}  // namespace
}  // namespace tp
