#!/usr/bin/env bash
# `make demo`: a demo town run by the built-in `sim` agent (no LLM): the daemon and the role
# sessions up, a demo rig made from a local git repository, and a few work items slung to
# polecats that do them, finish, and get merged by the refinery while you watch.
# Re-running it reuses the town. GT_DEMO_DIR picks where it lives.
set -euo pipefail
cd "$(dirname "$0")/.."
gt() { node "$PWD/dist/cmd/gt/main.js" "$@"; }
TOWN="${GT_DEMO_DIR:-${TMPDIR:-/tmp}/gt-demo}"
SRC="$TOWN-src"
export GT_TOWN_ROOT="$TOWN"

if [ ! -f "$TOWN/mayor/town.json" ]; then
  gt install "$TOWN" --name demo --agent sim
fi
if [ ! -d "$SRC/.git" ]; then
  mkdir -p "$SRC"
  git -C "$SRC" init -q -b main
  printf '# demo project\n\nA small repository for the gt demo.\n' > "$SRC/README.md"
  git -C "$SRC" add README.md
  git -C "$SRC" -c user.name='gt demo' -c user.email=demo@gt.local commit -q -m 'initial commit'
fi
if ! gt rig list --json | grep -q '"name": "demo"'; then
  gt rig add demo "$SRC" --prefix dm
fi
gt up
for title in "Write the getting-started guide" "Add a CHANGELOG" "Document the config keys"; do
  id=$(gt bead create --rig demo --title "$title" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).id))')
  gt sling "$id" demo
done
echo
gt agents
cat <<EOT

The demo town is $TOWN (agent runtime: sim, rig "demo" from $SRC).
Polecats are working now; in a few seconds each commits its file, runs gt done,
and the refinery merges its branch into main.

  alias gt="node $PWD/dist/cmd/gt/main.js"   # or: npm link, then use gt directly
  export GT_TOWN_ROOT=$TOWN
  gt status                       # the town at a glance: agents, open work, unread mail
  gt agents                       # every agent: session, liveness, state, hook
  gt mq list demo                 # the merge queue
  git -C $TOWN/demo/mayor/rig log --oneline main   # the merged work
  gt attach deacon                # watch an agent (detach: Ctrl-b d)
  gt nudge deacon "hello"         # type into an agent's prompt
  gt daemon logs -f               # watch the daemon work
  kill -USR1 "\$(gt daemon pid)"   # make it act at once
  gt down                         # stop every session and the daemon
EOT
