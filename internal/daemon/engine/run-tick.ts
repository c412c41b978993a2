import { gtMainJs } from '../../agent/runtimes.js';
import { lockExclusive } from '../../fsx/flock.js';
import { messageOf } from '../../errors.js';
import { ensureHooks, type Tmux } from '../../tmux/index.js';
import type { Settings } from '../../config/settings.js';
import type { TownLayout } from '../../town/layout.js';
import type { Logger } from '../logger.js';
import { decide, loadNotifyState, loadRestartState, saveNotifyState, saveRestartState, type RestartState } from '../policy/index.js';
import { act } from './act.js';
import { observe } from './observe.js';

export interface EngineContext {
  town: string;
  layout: TownLayout;
  tmux: Tmux;
  log: Logger;
  settings: () => Settings;
  now: () => number;
  emit?: (event: Record<string, unknown>) => void;
  /** Fast path: which tmux server pid last got our death hooks. */
  hookedServerPid?: number;
  /** Problems already reported (file corrupt, bad runtime, ...): reported again only after they clear. */
  warned: Set<string>;
  /** Restart-state updates from actions that finished after their tick (act's `late`); the next tick applies them. */
  lateRestart?: Array<(state: RestartState) => RestartState>;
}

export interface EngineTickResult {
  counts: Record<string, number>;
  gated: boolean;
}

/** The argv tmux's pane-exited/session-closed hooks run to tell the daemon at once. */
export function notifyArgv(town: string): string[] {
  return [process.execPath, gtMainJs(), 'daemon', 'notify', '--town', town];
}

/**
 * One engine tick: observe -> decide (pure) -> act, then persist the restart tracker and the
 * notification slots. The restart state is held under daemon/restart_state.lock for the whole
 * tick, so `gt daemon clear-backoff` (which takes the same lock) is never overwritten by a tick
 * that started before it.
 */
export async function engineTick(ctx: EngineContext): Promise<EngineTickResult> {
  const { layout, log } = ctx;
  const lock = await lockExclusive(`${layout.restartState}.lock`, 30_000);
  if (!lock) {
    log.warn('restart state is locked by another process for 30s; skipping this tick');
    return { counts: {}, gated: false };
  }
  try {
    const rs = loadRestartState(layout.restartState);
    if (rs.warning) warnOnce(ctx, 'restart_state', rs.warning);
    else ctx.warned.delete('restart_state'); // readable again: a later corruption is reported anew
    let restartState = rs.state;
    for (const update of (ctx.lateRestart ??= []).splice(0)) restartState = update(restartState);
    const ns = loadNotifyState(layout.notifyState);
    if (ns.warning) warnOnce(ctx, 'notify_state', ns.warning);
    else ctx.warned.delete('notify_state');
    const settings = ctx.settings();

    const observed = await observe(
      {
        town: ctx.town,
        layout,
        tmux: ctx.tmux,
        settings,
        now: ctx.now,
        warnOnce: (k, m) => warnOnce(ctx, k, m),
        resolved: (k) => ctx.warned.delete(k),
      },
      restartState,
    );
    await maintainHooks(ctx, observed.snap.ok ? observed.snap.serverPid : undefined);

    const decision = decide(observed.obs, settings, restartState, ns.state);
    const gated = observed.obs.gates.estop || observed.obs.gates.shutdownLock;
    const result = await act(
      { layout, log, now: ctx.now, rigTimeoutMs: settings.daemon.rig_timeout, emit: ctx.emit, late: (update) => (ctx.lateRestart ??= []).push(update) },
      decision.actions,
      observed,
      { restart: decision.restart, notify: decision.notify },
    );
    // Sessions started this tick may have started the tmux server itself: give it the hooks now,
    // not one interval later. The same when observe saw no server: someone else (gt up, gt sling)
    // may have started it during the tick, and our own start then found its session already there.
    const noServerSeen = observed.snap.ok && observed.snap.serverPid === undefined;
    if ((result.counts.start ?? 0) + (result.counts.restart ?? 0) > 0 || noServerSeen) await maintainHooks(ctx, 'ask');
    saveRestartState(layout.restartState, result.restart);
    saveNotifyState(layout.notifyState, result.notify);
    return { counts: result.counts, gated };
  } finally {
    lock.release();
  }
}

function warnOnce(ctx: EngineContext, key: string, message: string): void {
  if (ctx.warned.has(key)) return;
  ctx.warned.add(key);
  ctx.log.warn(message);
}

/** Hooks live in the tmux server: a new server (after kill-server, or the first session) needs them again. */
async function maintainHooks(ctx: EngineContext, serverPid: number | undefined | 'ask'): Promise<void> {
  if (serverPid === undefined || serverPid === ctx.hookedServerPid) return;
  try {
    const st = await ensureHooks(ctx.tmux, notifyArgv(ctx.town));
    const pid = serverPid === 'ask' ? st.serverPid : serverPid;
    if (st.installed && pid !== ctx.hookedServerPid) {
      ctx.hookedServerPid = pid;
      ctx.log.info(`fast path: death hooks on tmux server pid ${pid ?? '?'}`);
    }
  } catch (e) {
    warnOnce(ctx, 'hooks', `fast path: could not install tmux hooks (the tick still recovers agents): ${messageOf(e)}`);
  }
}
