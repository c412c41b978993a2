/**
 * Shared setup for the engine fault-injection tests (test/faults/engine-*.test.ts): a sim town
 * on its own tmux server, ticks counted from daemon/state.json, the daemon log read as lines.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gt, makeTown, readJson, townSocket, waitFor, type TempTown } from './town.js';
import { makeSourceRepo } from './rig-repo.js';

export interface FaultTown {
  town: TempTown;
  root: string;
  socket: string;
  tmux(...args: string[]): ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
  /** Session names on the town's server, sorted ([] when no server). */
  sessions(): string[];
  /** The pane pid of a session's first pane, or undefined. */
  panePid(session: string): number | undefined;
  /** Run gt against this town; throws with stderr on a non-zero exit. */
  gtOk(args: string[], opts?: { env?: NodeJS.ProcessEnv }): Promise<string>;
  tickCount(): number;
  /** Wait until `n` more ticks have completed (counted from now). */
  waitTicks(n: number, timeoutMs?: number): Promise<number>;
  log(): string[];
  /** Mail in an inbox (claimed messages included). */
  inbox(address: string): Promise<Array<{ id: string; subject: string; body: string; status: string; from: string }>>;
  /** `gt rig add` with a fresh source repo; `extra` arguments go through (e.g. --agent NAME). */
  addRig(name: string, prefix: string, ...extra: string[]): Promise<void>;
  /** gt down, the town's tmux server, the files. */
  teardown(): Promise<void>;
}

export async function faultTown(opts: { settings?: Record<string, unknown>; env?: Record<string, string> } = {}): Promise<FaultTown> {
  const town = await makeTown({ agent: 'sim', settings: opts.settings });
  const root = town.root;
  const socket = await townSocket(root);
  town.daemonSettings({ env: { GT_SIM_WORK: '0', GT_SIM_HEARTBEAT_INTERVAL: '1s', ...opts.env } });
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
  const stateFile = join(root, 'daemon', 'state.json');
  const ft: FaultTown = {
    town,
    root,
    socket,
    tmux,
    sessions() {
      const r = tmux('list-sessions', '-F', '#{session_name}');
      return r.status === 0 ? r.stdout.trim().split('\n').filter(Boolean).sort() : [];
    },
    panePid(session) {
      const r = tmux('display-message', '-p', '-t', `=${session}:`, '#{pane_pid}');
      const n = Number(r.stdout.trim());
      return r.status === 0 && n > 0 ? n : undefined;
    },
    async gtOk(args, o = {}) {
      const r = await gt([...args, '--town', root], { env: o.env });
      if (r.code !== 0) throw new Error(`gt ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    tickCount() {
      return existsSync(stateFile) ? (readJson(stateFile).tick_count as number) : 0;
    },
    async waitTicks(n, timeoutMs = 20_000) {
      const target = ft.tickCount() + n;
      return waitFor(`${n} more ticks (to tick ${target})`, () => (ft.tickCount() >= target ? ft.tickCount() : 0), timeoutMs);
    },
    log() {
      const f = join(root, 'daemon', 'daemon.log');
      return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
    },
    async inbox(address) {
      return JSON.parse(await ft.gtOk(['mail', 'inbox', address, '--all', '--json']));
    },
    async addRig(name, prefix, ...extra) {
      const src = join(root, '..', `src-${name}`);
      makeSourceRepo(src);
      await ft.gtOk(['rig', 'add', name, src, '--prefix', prefix, ...extra]);
    },
    async teardown() {
      await gt(['down', '--town', root]).catch(() => undefined);
      tmux('kill-server');
      await town.cleanup();
    },
  };
  return ft;
}

/** Lines of `lines` matching `re`. */
export function matching(lines: string[], re: RegExp): string[] {
  return lines.filter((l) => re.test(l));
}
