// The shipped demo journey (config/journey.json), loaded once for every test that needs a real one.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "model/journey.h"

namespace tp::testing {

inline const Journey& demo_journey() {
  static const Journey j = [] {
    auto load = load_journey_file(std::string(TP_SOURCE_DIR) + "/config/journey.json");
    EXPECT_TRUE(load.ok());
    return load.journey;
  }();
  return j;
}

}  // namespace tp::testing
