#include "model/interaction.h"

#include <gtest/gtest.h>

namespace tp {
namespace {

TEST(EventType, NamesRoundTrip) {
  for (const EventType t : {EventType::Message, EventType::Page, EventType::Track, EventType::Identify,
                            EventType::Feedback, EventType::Handoff}) {
    const auto name = to_string(t);
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(event_type_from(name), t) << name;
  }
  EXPECT_EQ(to_string(EventType::Handoff), "handoff");
  EXPECT_EQ(event_type_from("message"), EventType::Message);
}

TEST(EventType, UnknownNamesAreRejected) {
  EXPECT_FALSE(event_type_from(""));
  EXPECT_FALSE(event_type_from("Track"));  // case matters
  EXPECT_FALSE(event_type_from("screen"));
  EXPECT_FALSE(event_type_from("track "));
}

TEST(Role, NamesRoundTrip) {
  for (const Role r : {Role::User, Role::Bot, Role::Agent}) {
    const auto name = to_string(r);
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(role_from(name), r) << name;
  }
  EXPECT_EQ(to_string(Role::None), "");
}

TEST(Role, EmptyAndUnknownNamesAreRejected) {
  EXPECT_FALSE(role_from(""));  // "none" is never a value a sender can give
  EXPECT_FALSE(role_from("none"));
  EXPECT_FALSE(role_from("User"));
  EXPECT_FALSE(role_from("customer"));
}

TEST(Tags, EmptyOnlyWhenNothingIsSet) {
  Tags t;
  EXPECT_TRUE(t.empty());
  t.stage = "purchase";
  EXPECT_FALSE(t.empty());
  t = {};
  t.persona = "p";
  EXPECT_FALSE(t.empty());
  t = {};
  t.touchpoint = "chatbot";
  EXPECT_FALSE(t.empty());
}

}  // namespace
}  // namespace tp
