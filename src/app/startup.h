// Start-up as an ordered list of named steps, each with its teardown (as Falco does it): if a step
// fails, the steps that ran are torn down in reverse order; on shutdown, all of them are.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace tp {

class StartupSequence {
 public:
  struct Step {
    std::string name;
    std::function<void()> run;
    std::function<void()> teardown;  // may be empty
  };

  StartupSequence& add(std::string name, std::function<void()> run, std::function<void()> teardown = {});
  // Runs every step in order. On failure, tears down what ran and rethrows, naming the step.
  void run();
  // Tears down every step that ran, in reverse. Idempotent; also called by the destructor.
  void teardown();
  ~StartupSequence();

 private:
  std::vector<Step> steps_;
  size_t ran_ = 0;
};

}  // namespace tp
