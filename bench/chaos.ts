/**
 * The chaos soak (issue 10): a town of sim agents under random faults, with the invariants
 * checked all along. Used by bench/chaos-soak.bench.ts (N=20, 10 min) and, short, by
 * test/faults/chaos-soak.test.ts (1 min, fewer agents).
 *
 * Faults injected here: kill -9 of an agent, of an agent's setsid child, of the daemon (nobody
 * but the town's own keeper starts it again: its revival is what is measured), of the town's tmux
 * server; a corrupt heartbeat file and a FIFO at one (the daemon must tick on); a control-socket
 * client that pipelines requests and never reads (it must be dropped, the daemon tick on); a
 * forged lifecycle request from a person (refused: the named agent is not touched); a briefly
 * unreadable ledger (its header trampled for a few seconds, then restored).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { floodControlSocket } from '../test/helpers/control-flood.js';
import { faultTown, type FaultTown } from '../test/helpers/engine-faults.js';
import { daemonPids, pidsWithEnv, waitFor } from '../test/helpers/town.js';

export interface SoakOptions {
  /** Number of rigs: agents = deacon + mayor + 2 per rig. */
  rigs: number;
  durationMs: number;
  /** Pause between two faults. */
  everyMs: number;
  /** How long a supervised agent may take to run again after a fault. */
  allowedMs: number;
  /** The daemon's RSS may not exceed this at any sample (default 300 MB: it idles near 75 MB). */
  rssLimitKb?: number;
  seed?: number;
  /** Give each sim a setsid child and inject kill -9 of those children (default on). */
  setsid?: boolean;
  say?: (line: string) => void;
}

export interface SoakResult {
  agents: number;
  faults: Record<string, number>;
  survived: Record<string, number>;
  violations: string[];
  /** Most `gt daemon run` processes seen at one instant (a start that finds the lock held shows for a moment). */
  maxDaemons: number;
  worstRecoveryMs: number;
  /** kill -9 of the daemon until the keeper had it running again with every agent. */
  worstDaemonRevivalMs: number;
  duplicateAlerts: number;
  integrity: string;
  rssStartKb: number;
  rssPeakKb: number;
  rssEndKb: number;
  rssGrowthKbPerHour: number;
  leftAfterDown: number;
}

/** A small deterministic PRNG (mulberry32): a failing soak can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAULTS = [
  'kill-agent',
  'kill-setsid-child',
  'kill-daemon',
  'kill-tmux-server',
  'corrupt-heartbeat',
  'fifo-heartbeat',
  'control-flood',
  'forged-lifecycle',
  'unreadable-ledger',
] as const;
type Fault = (typeof FAULTS)[number];

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function soak(opts: SoakOptions): Promise<SoakResult> {
  const say = opts.say ?? (() => undefined);
  const rand = prng(opts.seed ?? Date.now());
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const setsid = opts.setsid ?? true;
  const kinds = FAULTS.filter((f) => setsid || f !== 'kill-setsid-child');
  // Rounds of every kind in a random order: a short soak still injects each kind.
  let round: Fault[] = [];
  const nextFault = (): Fault => {
    if (round.length === 0) round = [...kinds].sort(() => rand() - 0.5);
    return round.pop()!;
  };
  const ft: FaultTown = await faultTown({
    settings: {
      daemon: { recovery_interval: '2s' },
      // A killed agent that had run a while is restarted at once; the soak's own kills must not
      // add up to a crash loop (that is a test of its own).
      restart: { min_uptime: '2s', initial_backoff: '200ms', max_backoff: '2s', crash_loop_count: 1000 },
    },
    env: { ...(setsid ? { GT_SIM_SETSID_CHILD: '1' } : {}), GT_SIM_HEARTBEAT_INTERVAL: '1s' },
  });
  const faults: Record<string, number> = Object.fromEntries(FAULTS.map((f) => [f, 0]));
  const survived: Record<string, number> = Object.fromEntries(FAULTS.map((f) => [f, 0]));
  const violations: string[] = [];
  let maxDaemons = 0;
  let worstRecoveryMs = 0;
  let worstDaemonRevivalMs = 0;
  const rssLimitKb = opts.rssLimitKb ?? 300 * 1024;
  let rssPeakKb = 0;
  let rssTold = false;
  let ledgerEpisodes = 0;
  const rss: Array<{ t: number; kb: number }> = [];
  const db = join(ft.root, '.beads', 'beads.db');
  const supervised = ['hq-deacon', 'hq-mayor'];
  const addresses = new Map([
    ['hq-deacon', 'deacon/'],
    ['hq-mayor', 'mayor/'],
  ]);
  const addressOf = (session: string) => addresses.get(session)!;
  try {
    for (let i = 0; i < opts.rigs; i++) {
      const prefix = `r${i}`;
      await ft.addRig(`rig${i}`, prefix);
      supervised.push(`${prefix}-witness`, `${prefix}-refinery`);
      addresses.set(`${prefix}-witness`, `rig${i}/witness`).set(`${prefix}-refinery`, `rig${i}/refinery`);
    }
    await ft.gtOk(['daemon', 'start']);
    const allRunning = () => supervised.every((s) => ft.panePid(s) !== undefined) && daemonPids(ft.root).length === 1;
    await waitFor('every supervised agent running', allRunning, 120_000, 250);
    await waitFor('the ledger exists', () => existsSync(db), 30_000);
    say(`chaos soak: ${supervised.length} agents, ${Math.round(opts.durationMs / 1000)}s, a fault every ${opts.everyMs}ms`);

    const end = Date.now() + opts.durationMs;
    // Two `gt daemon run` processes can be seen together for an instant: one starting that will find
    // daemon.lock held and exit, or one still exiting. Two daemons means the same two seen over 1 s.
    let together: { pids: string; since: number; told: boolean } | undefined;
    const sample = () => {
      const d = daemonPids(ft.root);
      maxDaemons = Math.max(maxDaemons, d.length);
      if (d.length > 1) {
        const pids = [...d].sort((a, b) => a - b).join(', ');
        if (together?.pids !== pids) together = { pids, since: Date.now(), told: false };
        else if (!together.told && Date.now() - together.since >= 1000) {
          together.told = true;
          violations.push(`two daemons at once for over 1 s: ${pids}`);
        }
      } else together = undefined;
      if (d.length === 1) {
        const kb = rssKb(d[0]!);
        rss.push({ t: Date.now(), kb });
        if (kb > rssPeakKb) rssPeakKb = kb;
        if (kb > rssLimitKb && !rssTold) {
          rssTold = true;
          violations.push(`daemon RSS ${Math.round(kb / 1024)} MB over the ${Math.round(rssLimitKb / 1024)} MB bound`);
        }
      }
    };
    // The run lasts its duration, and at least until every kind of fault was injected once.
    while (Date.now() < end || kinds.some((k) => faults[k] === 0)) {
      const fault: Fault = nextFault();
      faults[fault]!++;
      const t0 = Date.now();
      const victim = pick(supervised);
      const after = await inject(ft, fault, victim, addressOf(victim), db, say);
      if (fault === 'unreadable-ledger') ledgerEpisodes++;
      sample();
      try {
        await waitFor(`every supervised agent running after ${fault}`, () => (sample(), allRunning()), opts.allowedMs, 200);
        worstRecoveryMs = Math.max(worstRecoveryMs, Date.now() - t0);
        if (fault === 'kill-daemon') worstDaemonRevivalMs = Math.max(worstDaemonRevivalMs, Date.now() - t0);
      } catch {
        violations.push(`${fault}: not every supervised agent ran again within ${opts.allowedMs}ms: ${supervised.filter((s) => ft.panePid(s) === undefined).join(', ') || `daemons ${daemonPids(ft.root).join(',') || 'none'}`}`);
        // Bring the daemon back so the soak goes on (a violation is already recorded).
        if (daemonPids(ft.root).length === 0) await ft.gtOk(['daemon', 'start']).catch(() => undefined);
        continue;
      }
      // The fault's own invariant (ticks go on, a forged request refused), within the same time.
      const failed = after ? await holds(after, t0 + opts.allowedMs, sample) : undefined;
      if (failed) violations.push(`${fault}: ${failed}`);
      else survived[fault]!++;
      const pause = Date.now() + opts.everyMs;
      while (Date.now() < pause) {
        sample();
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    // Alerts, in every inbox the daemon mails: one per episode. A duplicate is the same subject and
    // body (its time lines aside) sent again within 10 s: what a crash between sending a mail and
    // recording it would cause (the revived daemon sends it again at once). Distinct episodes of
    // one agent are a fault apart, and their texts differ by the agent or its state.
    const inboxes = ['overseer', ...addresses.values()];
    const mails: Array<{ to: string; subject: string; body: string; created_at: string }> = [];
    for (const to of inboxes) for (const m of JSON.parse(await ft.gtOk(['mail', 'inbox', to, '--all', '--json'])) as typeof mails) mails.push({ ...m, to });
    const lastSent = new Map<string, number>();
    let duplicateAlerts = 0;
    for (const m of [...mails].sort((a, b) => a.created_at.localeCompare(b.created_at))) {
      const k = `${m.to}\n${m.subject}\n${m.body.replace(/^\s*"?(time|at)"?:.*$/gm, '')}`;
      const at = Date.parse(m.created_at);
      const prev = lastSent.get(k);
      if (prev !== undefined && at - prev < 10_000) {
        duplicateAlerts++;
        violations.push(`duplicate alert to ${m.to}: ${m.subject} (${at - prev} ms after the first)`);
      }
      lastSent.set(k, at);
    }
    const needsHuman = mails.filter((m) => m.subject.startsWith('NEEDS_HUMAN')).length;
    if (needsHuman > ledgerEpisodes) violations.push(`${needsHuman} NEEDS_HUMAN mails for ${ledgerEpisodes} ledger episodes`);

    const check = new Database(db, { readonly: true });
    const integrity = String(check.pragma('integrity_check', { simple: true }));
    check.close();
    if (integrity !== 'ok') violations.push(`integrity_check: ${integrity}`);

    await ft.gtOk(['down']);
    const left = await waitFor('nothing of the town left', () => (pidsWithEnv('GT_TOWN_ROOT', ft.root).length === 0 && daemonPids(ft.root).length === 0 ? 'none' : undefined), 30_000).then(
      () => 0,
      () => pidsWithEnv('GT_TOWN_ROOT', ft.root).length + daemonPids(ft.root).length,
    );
    if (left) violations.push(`${left} processes of the town left after gt down`);

    // Growth is measured from a quarter into the run: the first minutes are the daemon warming up.
    const first = rss[Math.floor(rss.length / 4)] ?? { t: 0, kb: 0 };
    const last = rss[rss.length - 1] ?? first;
    const hours = (last.t - first.t) / 3_600_000;
    return {
      agents: supervised.length,
      faults,
      survived,
      violations,
      maxDaemons,
      worstRecoveryMs,
      worstDaemonRevivalMs,
      duplicateAlerts,
      integrity,
      rssStartKb: first.kb,
      rssPeakKb,
      rssEndKb: last.kb,
      rssGrowthKbPerHour: hours > 0 ? (last.kb - first.kb) / hours : 0,
      leftAfterDown: left,
    };
  } finally {
    // Whatever happened, kill what the soak started: by pid (setsid children) and by socket.
    for (const pid of pidsWithEnv('GT_TOWN_ROOT', ft.root)) if (alive(pid)) spawnSync('kill', ['-9', String(pid)]);
    await ft.teardown();
  }
}

/** A fault's own invariant: undefined once it holds, else what is still wrong. */
type Check = () => string | undefined;

/** Poll `check` until it holds or `deadline`; what was still wrong then, or undefined. */
async function holds(check: Check, deadline: number, sample: () => void): Promise<string | undefined> {
  for (;;) {
    sample();
    const wrong = check();
    if (!wrong || Date.now() >= deadline) return wrong;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function tickCount(root: string): { pid: number; ticks: number } | undefined {
  try {
    const s = JSON.parse(readFileSync(join(root, 'daemon', 'state.json'), 'utf8')) as { pid: number; tick_count: number };
    return { pid: s.pid, ticks: s.tick_count };
  } catch {
    return undefined;
  }
}

/** The daemon ticks on: the same daemon three ticks further (or, after its revival, a new one ticking). */
function ticksGoOn(root: string): Check {
  const before = tickCount(root);
  return () => {
    const now = tickCount(root);
    if (!now) return 'daemon/state.json unreadable';
    if (before && now.pid === before.pid && now.ticks < before.ticks + 3) return `the daemon did not tick on (tick ${now.ticks}, was ${before.ticks})`;
    return undefined;
  };
}

async function inject(ft: FaultTown, fault: Fault, session: string, address: string, db: string, say: (l: string) => void): Promise<Check | undefined> {
  switch (fault) {
    case 'kill-agent': {
      const pid = ft.panePid(session);
      if (pid) process.kill(pid, 'SIGKILL');
      return undefined;
    }
    case 'kill-setsid-child': {
      // The sim's setsid child carries the town's marker; it is not the agent (nothing to restart).
      const agents = new Set(['hq-deacon', 'hq-mayor'].map((s) => ft.panePid(s)));
      const child = pidsWithEnv('GT_TOWN_ROOT', ft.root).find((p) => !agents.has(p) && /gt-sim|node/.test(readFileSync(`/proc/${p}/cmdline`, 'utf8')) && sid(p) === p);
      if (child) process.kill(child, 'SIGKILL');
      return undefined;
    }
    case 'kill-daemon': {
      // Nobody here starts it again: the town's keeper must (within the allowed time).
      const dead = daemonPids(ft.root);
      for (const pid of dead) process.kill(pid, 'SIGKILL');
      await waitFor('the killed daemon gone', () => dead.every((p) => !alive(p)), 10_000, 50).catch(() => say('the killed daemon lingers'));
      return undefined;
    }
    case 'kill-tmux-server':
      ft.tmux('kill-server');
      return undefined;
    case 'corrupt-heartbeat': {
      // Replaced, not written through: an earlier fault may have left a FIFO there.
      const path = join(ft.root, '.runtime', 'heartbeats', `${session}.json`);
      rmSync(path, { force: true });
      writeFileSync(path, '{"timestamp": "garbage", "sta');
      return ticksGoOn(ft.root);
    }
    case 'fifo-heartbeat': {
      // A FIFO used to hang every tick (opened for reading, it waits for a writer forever).
      const path = join(ft.root, '.runtime', 'heartbeats', `${session}.json`);
      rmSync(path, { force: true });
      const r = spawnSync('mkfifo', [path]);
      if (r.status !== 0) say(`mkfifo failed: ${r.stderr}`);
      return ticksGoOn(ft.root);
    }
    case 'control-flood': {
      const goOn = ticksGoOn(ft.root);
      const r = await floodControlSocket(ft.root, 2_000_000);
      if (!r.dropped) return () => `a client that never reads was not dropped after ${r.sent} requests`;
      return goOn;
    }
    case 'forged-lifecycle': {
      // A person (no agent identity) asks for the agent's shutdown: refused, the agent untouched.
      const before = ft.panePid(session);
      const logBefore = ft.log().length;
      const out = await ft.gtOk(['mail', 'send', 'deacon/', '-s', `LIFECYCLE: ${address} requesting shutdown`, '-m', '{"action":"shutdown"}', '--json'], { env: { GT_ROLE: '' } });
      const id = (JSON.parse(out) as { id: string }).id;
      return () => {
        const refused = ft.log().slice(logBefore).some((l) => l.includes(`lifecycle request ${id}`) && l.includes('refused'));
        if (!refused) return `forged request ${id} (${address}) not refused in daemon.log`;
        if (ft.panePid(session) !== before) return `forged request ${id} obeyed: ${session} was cycled`;
        return undefined;
      };
    }
    case 'unreadable-ledger': {
      const header = Buffer.alloc(100);
      let fd = openSync(db, 'r');
      readSync(fd, header, 0, 100, 0);
      closeSync(fd);
      fd = openSync(db, 'r+');
      writeSync(fd, Buffer.alloc(100, 0x23), 0, 100, 0);
      closeSync(fd);
      // Meanwhile one agent dies: it must come back while the ledger is unreadable.
      const pid = ft.panePid(session);
      if (pid) process.kill(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 3_000));
      fd = openSync(db, 'r+');
      writeSync(fd, header, 0, 100, 0);
      closeSync(fd);
      return ticksGoOn(ft.root);
    }
  }
}

function sid(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
  } catch {
    return -1;
  }
}

/** Print every figure and the fault counts, one line each. */
export function printSoak(r: SoakResult, say: (l: string) => void): void {
  say(`agents                      ${r.agents}`);
  for (const f of Object.keys(r.faults)) say(`fault ${f.padEnd(22)} injected ${r.faults[f]}  survived ${r.survived[f]}`);
  say(`max daemons at one instant  ${r.maxDaemons} (invariant: never the same two for over 1 s)`);
  say(`worst recovery              ${r.worstRecoveryMs} ms (every supervised agent running again)`);
  say(`daemon back after kill -9   ${r.worstDaemonRevivalMs} ms worst (by its keeper; invariant: within the allowed time)`);
  say(`duplicate alerts            ${r.duplicateAlerts} (invariant: 0)`);
  say(`ledger integrity_check      ${r.integrity}`);
  say(`daemon RSS                  ${r.rssStartKb} kB -> ${r.rssEndKb} kB, peak ${r.rssPeakKb} kB, growth ${Math.round(r.rssGrowthKbPerHour)} kB/hour (invariant: under the bound at every sample)`);
  say(`left after gt down          ${r.leftAfterDown} processes (invariant: 0)`);
  say(`violations                  ${r.violations.length ? r.violations.join('; ') : 'none'}`);
}
