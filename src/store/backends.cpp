#include "store/backends.h"

#include "store/sqlite_store.h"

namespace tp {

const std::map<std::string, StoreFactory>& store_backends() {
  static const std::map<std::string, StoreFactory> kBackends = {
      {"sqlite",
       [](const StorageConfig& c) -> std::unique_ptr<Store> {
         SqliteOptions o;
         o.path = c.sqlite_path;
         o.busy_timeout_ms = c.busy_timeout_ms;
         o.on_migration = c.on_migration;
         return std::make_unique<SqliteStore>(o);
       }},
  };
  return kBackends;
}

std::unique_ptr<Store> open_store(const StorageConfig& config) {
  const auto& backends = store_backends();
  const auto it = backends.find(config.backend);
  if (it == backends.end()) throw StorageError("unknown storage backend '" + config.backend + "'");
  return it->second(config);
}

}  // namespace tp
