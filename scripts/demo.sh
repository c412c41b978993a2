#!/usr/bin/env bash
# `make demo`: a demo town with the built-in `sim` agent: the daemon and the role sessions up.
# Re-running it reuses the town. GT_DEMO_DIR picks where it lives.
set -euo pipefail
cd "$(dirname "$0")/.."
GT="node $PWD/dist/cmd/gt/main.js"
TOWN="${GT_DEMO_DIR:-${TMPDIR:-/tmp}/gt-demo}"

if [ ! -f "$TOWN/mayor/town.json" ]; then
  $GT install "$TOWN" --name demo --agent sim
fi
export GT_TOWN_ROOT="$TOWN"
$GT up
echo
$GT agents
cat <<EOT

The demo town is $TOWN (agent runtime: sim).
  alias gt="$GT"                 # or: npm link, then use gt directly
  export GT_TOWN_ROOT=$TOWN
  gt status                       # the town at a glance
  gt agents                       # every agent: session, liveness, state, hook
  gt attach deacon                # watch the deacon's sim (detach: Ctrl-b d)
  gt nudge deacon "hello"         # type into an agent's prompt
  gt daemon status                # is the daemon running, ticks, log path
  gt daemon logs -f               # watch the daemon work
  kill -USR1 "\$(gt daemon pid)"   # make it act at once
  gt down                         # stop every session and the daemon
EOT
