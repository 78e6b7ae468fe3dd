#!/usr/bin/env bash
# Every C++ file the repository tracks is formatted as the root .clang-format says. Run by CTest (`format`),
# so CI fails on a file that `make format` would change. Uses Debian 12's clang-format 14 (make setup
# installs it): another version can format the same file differently.
set -euo pipefail
cd "$(dirname "$0")/.."
tool=$(command -v clang-format-14 || command -v clang-format || true)
[[ -n $tool ]] || { echo "format: clang-format is missing (make setup installs it)"; exit 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h')
else  # an exported tree without .git
  mapfile -t files < <(find src include plugins tests bench -name '*.cpp' -o -name '*.h')
fi
bad=()
for f in "${files[@]}"; do
  [[ -f $f ]] || continue
  "$tool" --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  printf 'format: not formatted as .clang-format says (run `make format`):\n'
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "format: ${#files[@]} files formatted"
