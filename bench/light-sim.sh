#!/bin/sh
# The light sim, for benches that need hundreds of agent sessions (bench/tick at 500): where the
# Node sim costs ~57 MB a session, this costs a shell's exec into sleep (~1 MB). It reports once,
# as an agent idle at its prompt does (its heartbeat file, the shared contract), then sleeps; its
# process is `sleep`, which is what the bench runtime names as its process.
set -eu
dir="$GT_TOWN_ROOT/.runtime/heartbeats"
mkdir -p "$dir"
tmp="$dir/.$GT_SESSION.json.$$"
printf '{"timestamp":"%s","state":"idle","pid":%s}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$$" > "$tmp"
mv "$tmp" "$dir/$GT_SESSION.json"
exec sleep 2147483647
