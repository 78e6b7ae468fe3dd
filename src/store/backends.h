// Storage backends by name, as ccache picks its remote storages: the config says "backend": "sqlite",
// and a new backend (PostgreSQL for multi-node deployments) is one more entry in the map.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "store/store.h"

namespace tp {

struct StorageConfig {
  std::string backend = "sqlite";
  std::string sqlite_path = "data/touchpoint.db";
  int busy_timeout_ms = 5000;
  MigrationObserver on_migration;  // set by the caller, not read from the file
};

using StoreFactory = std::function<std::unique_ptr<Store>(const StorageConfig&)>;

const std::map<std::string, StoreFactory>& store_backends();

// Throws StorageError for an unknown backend or one that cannot open.
std::unique_ptr<Store> open_store(const StorageConfig& config);

}  // namespace tp
