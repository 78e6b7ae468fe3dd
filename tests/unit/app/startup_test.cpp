#include "app/startup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Records what ran, in order: "run:a", "down:a"...
class Recorder {
 public:
  std::function<void()> run(const std::string& name) {
    return [this, name] { log.push_back("run:" + name); };
  }
  std::function<void()> fail(const std::string& name, const std::string& why) {
    return [this, name, why] {
      log.push_back("run:" + name);
      throw std::runtime_error(why);
    };
  }
  std::function<void()> down(const std::string& name) {
    return [this, name] { log.push_back("down:" + name); };
  }
  std::vector<std::string> log;
};

TEST(StartupSequence, RunsStepsInOrderAndTearsDownInReverse) {
  Recorder r;
  {
    StartupSequence s;
    s.add("a", r.run("a"), r.down("a")).add("b", r.run("b"), r.down("b")).add("c", r.run("c"), r.down("c"));
    s.run();
    EXPECT_THAT(r.log, ElementsAre("run:a", "run:b", "run:c"));
    s.teardown();
    EXPECT_THAT(r.log, ElementsAre("run:a", "run:b", "run:c", "down:c", "down:b", "down:a"));
  }
  // The destructor does not tear down a second time.
  EXPECT_EQ(r.log.size(), 6u);
}

TEST(StartupSequence, AFailingStepTearsDownWhatRanAndNamesTheStep) {
  Recorder r;
  StartupSequence s;
  s.add("load journey", r.run("journey"), r.down("journey"))
      .add("open storage", r.run("storage"), r.down("storage"))
      .add("listen", r.fail("listen", "address already in use"), r.down("listen"))
      .add("never", r.run("never"), r.down("never"));
  try {
    s.run();
    FAIL() << "run() should have thrown";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "listen: address already in use");
  }
  // The failed step is not torn down (it did not start); later steps never ran.
  EXPECT_THAT(r.log, ElementsAre("run:journey", "run:storage", "run:listen", "down:storage", "down:journey"));
  s.teardown();  // nothing left to tear down
  EXPECT_EQ(r.log.size(), 5u);
}

TEST(StartupSequence, FailureInTheFirstStepTearsDownNothing) {
  Recorder r;
  StartupSequence s;
  s.add("first", r.fail("first", "boom"), r.down("first")).add("second", r.run("second"), r.down("second"));
  EXPECT_THROW(s.run(), std::runtime_error);
  EXPECT_THAT(r.log, ElementsAre("run:first"));
}

TEST(StartupSequence, TeardownIsIdempotent) {
  Recorder r;
  StartupSequence s;
  s.add("a", r.run("a"), r.down("a")).add("b", r.run("b"), r.down("b"));
  s.run();
  s.teardown();
  s.teardown();
  s.teardown();
  EXPECT_THAT(r.log, ElementsAre("run:a", "run:b", "down:b", "down:a"));
}

TEST(StartupSequence, TeardownBeforeRunDoesNothing) {
  Recorder r;
  StartupSequence s;
  s.add("a", r.run("a"), r.down("a"));
  s.teardown();
  EXPECT_TRUE(r.log.empty());
}

TEST(StartupSequence, DestructorTearsDownWhatRan) {
  Recorder r;
  {
    StartupSequence s;
    s.add("a", r.run("a"), r.down("a")).add("b", r.run("b"), r.down("b"));
    s.run();
  }
  EXPECT_THAT(r.log, ElementsAre("run:a", "run:b", "down:b", "down:a"));
}

TEST(StartupSequence, StepsWithoutTeardownAreSkipped) {
  Recorder r;
  StartupSequence s;
  s.add("a", r.run("a"), r.down("a")).add("b", r.run("b")).add("c", r.run("c"), r.down("c"));
  s.run();
  s.teardown();
  EXPECT_THAT(r.log, ElementsAre("run:a", "run:b", "run:c", "down:c", "down:a"));
}

TEST(StartupSequence, AFailingTeardownDoesNotStopTheOthers) {
  Recorder r;
  StartupSequence s;
  s.add("a", r.run("a"), r.down("a"))
      .add("b", r.run("b"),
           [&] {
             r.log.push_back("down:b");
             throw std::runtime_error("flush failed");
           })
      .add("c", r.run("c"), r.down("c"));
  s.run();
  EXPECT_NO_THROW(s.teardown());
  EXPECT_THAT(r.log, ElementsAre("run:a", "run:b", "run:c", "down:c", "down:b", "down:a"));
}

TEST(StartupSequence, RunAfterASuccessfulRunDoesNotRepeatSteps) {
  Recorder r;
  StartupSequence s;
  s.add("a", r.run("a"), r.down("a"));
  s.run();
  s.run();
  EXPECT_THAT(r.log, ElementsAre("run:a"));
}

TEST(StartupSequence, ErrorMessageKeepsTheCause) {
  StartupSequence s;
  s.add("open storage", [] { throw std::runtime_error("cannot open SQLite database 'x': disk I/O error"); });
  try {
    s.run();
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("open storage"));
    EXPECT_THAT(e.what(), HasSubstr("disk I/O error"));
  }
}

}  // namespace
}  // namespace tp
