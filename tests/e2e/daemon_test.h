// A test fixture that runs one daemon in a fresh folder: start() with a config patch, then its port and
// SQL counts on its database (read-only, beside the running daemon).
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "daemon_process.h"

namespace tp::e2e {

// Holds SQLite's write lock from outside the daemon, as another writer would.
class WriteLock {
 public:
  explicit WriteLock(const std::string& path) : db_(path, SQLite::OPEN_READWRITE) {
    db_.exec("BEGIN IMMEDIATE");
  }
  void release() {
    if (held_) db_.exec("ROLLBACK");
    held_ = false;
  }
  ~WriteLock() { release(); }

 private:
  SQLite::Database db_;
  bool held_ = true;
};

class DaemonTest : public ::testing::Test {
 protected:
  void start(const nlohmann::json& patch = nlohmann::json::object()) {
    daemon_ = std::make_unique<DaemonProcess>(dir_.path(), test_config(dir_.path(), patch));
  }
  int port() const { return daemon_->port(); }
  std::string db() const { return (dir_.path() / "touchpoint.db").string(); }
  int64_t count(const std::string& sql) const {
    SQLite::Database d(db(), SQLite::OPEN_READONLY);
    return d.execAndGet(sql).getInt64();
  }

  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

}  // namespace tp::e2e
