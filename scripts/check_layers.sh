#!/usr/bin/env bash
# Layers only point down (docs/ARCHITECTURE.md): each src/<layer>/ may include only the layers listed
# for it here. Run by CTest (`layering`), so a lower layer including a higher one fails `make test`.
set -euo pipefail
cd "$(dirname "$0")/../src"

declare -A allowed=(
  [util]="util"
  [model]="model util"
  [http]="http util"
  [store]="store model util"
  [engine]="engine model util touchpoint"
  [analytics]="analytics engine model util"
  [ingest]="ingest http store model util"
  [web]="web http analytics engine store model util"
  [app]="app web ingest http analytics engine store model util touchpoint"
)

status=0
for dir in */; do
  layer=${dir%/}
  if [[ -z ${allowed[$layer]+x} ]]; then
    echo "src/$layer: a folder that is not a known layer (add it to scripts/check_layers.sh and docs/ARCHITECTURE.md)"
    status=1
    continue
  fi
  # Every quoted include of a project header: "<layer>/<file>".
  while IFS=: read -r file line target; do
    used=${target%%/*}
    [[ -d $used || $used == touchpoint ]] || continue  # not a project header (e.g. "dashboard_assets.h")
    if [[ " ${allowed[$layer]} " != *" $used "* ]]; then
      echo "src/$file:$line: $layer includes $target ($used is not below $layer)"
      status=1
    fi
  done < <(grep -rnoE '^#include "[a-z_]+/[^"]+"' "$layer" | sed -E 's/#include "([^"]+)"/\1/')
done
[[ $status -eq 0 ]] && echo "layers: every include points down"
exit $status
