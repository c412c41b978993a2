#!/usr/bin/env bash
# `make demo`: a demo town with the built-in `sim` agent, its daemon running.
# Re-running it reuses the town. GT_DEMO_DIR picks where it lives.
set -euo pipefail
cd "$(dirname "$0")/.."
GT="node $PWD/dist/cmd/gt/main.js"
TOWN="${GT_DEMO_DIR:-${TMPDIR:-/tmp}/gt-demo}"

if [ ! -f "$TOWN/mayor/town.json" ]; then
  $GT install "$TOWN" --name demo --agent sim
fi
export GT_TOWN_ROOT="$TOWN"
$GT daemon start
echo
$GT daemon status
cat <<EOT

The demo town is $TOWN (agent runtime: sim).
  alias gt="$GT"                 # or: npm link, then use gt directly
  export GT_TOWN_ROOT=$TOWN
  gt daemon status                # is it running, ticks, log path
  gt daemon logs -f               # watch the daemon work
  kill -USR1 "\$(gt daemon pid)"   # make it act at once
  gt daemon stop                  # stop it
EOT
