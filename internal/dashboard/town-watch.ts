import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import type { TownLayout } from '../town/layout.js';

/**
 * The ledger's files as they are now. Reading the ledger (as the snapshot does) opens and closes
 * SQLite's WAL, which inotify reports like a write; but only a committed write changes the
 * database or a live WAL, so an unchanged fingerprint means "nothing new" and breaks the loop of
 * a read waking the next read.
 */
function ledgerFingerprint(layout: TownLayout): string {
  return [layout.ledgerFile, `${layout.ledgerFile}-wal`]
    .map((f) => {
      try {
        const st = statSync(f, { bigint: true });
        return `${st.ino}:${st.size}:${st.mtimeNs}`;
      } catch {
        return '-';
      }
    })
    .join(' ');
}

interface Watched {
  dir: string;
  /** Only these names in `dir` matter (the daemon's directory changes at every tick through state.json). */
  files?: RegExp;
  /** When given, an event counts only if this changed since the last counted one. */
  fingerprint?: () => string;
  why: string;
}

/**
 * What in the town the page's data is read from, as directories to watch (inotify, not polling):
 * a change in one is a reason to read the snapshot again.
 */
function watchTable(layout: TownLayout): Watched[] {
  return [
    { dir: layout.root, files: /^ESTOP$/, why: 'emergency stop' },
    { dir: layout.mayorDir, files: /^rigs\.json$/, why: 'rigs registry (park, dock, add, remove)' },
    { dir: layout.daemonDir, files: /^(restart_state\.json|control\.sock|daemon\.pid)$/, why: 'restart record; a daemon (re)starting' },
    { dir: layout.beadsDir, files: /^beads\.db(-wal)?$/, fingerprint: () => ledgerFingerprint(layout), why: 'ledger writes: hooks, agent states, merge queue' },
    { dir: layout.heartbeatsDir, why: "agents' own reports" },
  ];
}

/**
 * Watches the town and calls `onChange(why)` on a relevant change. A directory that does not
 * exist yet (no agent has reported, no daemon has run) is watched from the next `rearm()` on.
 * `onGone` fires when the town itself is removed.
 */
export class TownWatcher {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(
    private readonly layout: TownLayout,
    private readonly onChange: (why: string) => void,
    private readonly onGone: () => void,
  ) {}

  start(): void {
    this.rearm();
  }

  /** Start watching directories that have appeared since. */
  rearm(): void {
    for (const { dir, files, fingerprint, why } of watchTable(this.layout)) {
      if (this.watchers.has(dir) || !existsSync(dir)) continue;
      let last = fingerprint?.();
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          if (dir === this.layout.root && !existsSync(this.layout.townFile)) return this.onGone();
          if (files && (!name || !files.test(name))) {
            // A new subdirectory we watch may just have been made (e.g. .runtime/heartbeats).
            this.rearmSoon();
            return;
          }
          if (fingerprint) {
            const now = fingerprint();
            if (now === last) return;
            last = now;
          }
          this.onChange(why);
        });
        w.on('error', () => {
          // The directory went away (town removed, a rig's files moved): watch it again when it is back.
          w.close();
          this.watchers.delete(dir);
          if (!existsSync(this.layout.townFile)) this.onGone();
        });
        this.watchers.set(dir, w);
      } catch {
        // Vanished between the check and the watch: the next rearm tries again.
      }
    }
  }

  private rearmTimer: NodeJS.Timeout | undefined;
  private rearmSoon(): void {
    if (this.rearmTimer || this.watchers.size === watchTable(this.layout).length) return;
    this.rearmTimer = setTimeout(() => {
      this.rearmTimer = undefined;
      this.rearm();
    }, 200);
  }

  stop(): void {
    clearTimeout(this.rearmTimer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
