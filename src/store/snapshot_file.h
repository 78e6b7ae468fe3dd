// One file holding a saved snapshot, replaced atomically: written to a temporary name, flushed to disk,
// renamed over the old one, and the folder flushed, so a crash leaves either the old snapshot or the new
// one, never half of one. A header with a SHA-256 of the content lets a damaged file read as "none".
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace tp {

class SnapshotFile {
 public:
  explicit SnapshotFile(std::string path) : path_(std::move(path)) {}
  // Throws StorageError when the file cannot be written.
  void save(std::string_view bytes) const;
  std::optional<std::string> load() const;
  void remove() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace tp
