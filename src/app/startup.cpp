#include "app/startup.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace tp {

StartupSequence& StartupSequence::add(std::string name, std::function<void()> run,
                                      std::function<void()> teardown) {
  steps_.push_back({std::move(name), std::move(run), std::move(teardown)});
  return *this;
}

void StartupSequence::run() {
  for (; ran_ < steps_.size(); ++ran_) {
    try {
      spdlog::debug("startup: {}", steps_[ran_].name);
      steps_[ran_].run();
    } catch (const std::exception& e) {
      const std::string message = steps_[ran_].name + ": " + e.what();
      teardown();
      throw std::runtime_error(message);
    }
  }
}

void StartupSequence::teardown() {
  while (ran_ > 0) {
    auto& step = steps_[--ran_];
    if (!step.teardown) continue;
    try {
      spdlog::debug("shutdown: {}", step.name);
      step.teardown();
    } catch (const std::exception& e) {
      spdlog::error("shutdown: {} failed: {}", step.name, e.what());
    }
  }
}

StartupSequence::~StartupSequence() {
  teardown();
}

}  // namespace tp
