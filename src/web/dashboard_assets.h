// The dashboard's files (src/web/dashboard/), compiled into the binary by src/web/embed_assets.cmake.
#pragma once
#include <string_view>
#include <vector>

namespace tp {

struct EmbeddedAsset {
  std::string_view name;     // file name, e.g. "app.js"
  std::string_view content;  // the file's bytes
};

const std::vector<EmbeddedAsset>& dashboard_assets();

}  // namespace tp
