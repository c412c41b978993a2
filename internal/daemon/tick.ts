import type { Settings } from '../config/settings.js';
import type { TownLayout } from '../town/layout.js';
import type { Logger } from './logger.js';
import type { DaemonState } from './state.js';
import { engineTick, type EngineContext } from './engine/run-tick.js';

export interface TickContext {
  layout: TownLayout;
  log: Logger;
  settings: () => Settings;
  state: DaemonState;
  engine: EngineContext;
}

/** One tick: the engine's observe -> decide -> act, then the record of it in state.json. */
export async function runTick(ctx: TickContext, reasons: string[]): Promise<void> {
  const started = performance.now();
  const startedAt = new Date();
  ctx.state.tick_count += 1;
  if (!reasons.every((r) => r === 'interval')) ctx.log.debug(`tick ${ctx.state.tick_count} (${reasons.join(', ')})`);
  try {
    const r = await engineTick(ctx.engine);
    ctx.state.last_tick_actions = r.counts;
  } finally {
    ctx.state.last_tick = startedAt.toISOString();
    ctx.state.last_tick_ms = Math.round((performance.now() - started) * 1000) / 1000;
  }
}
