import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { parseIdentity } from '../session/names.js';
import type { DaemonEvent } from './events.js';

/**
 * The daemon's metrics in the Prometheus text format (prom-client; loaded only by the daemon, never
 * on the CLI's start-up path). Counters are fed from the daemon's own events (the EventBus every
 * tick, action, job and notification goes through); the agent gauges are read when scraped.
 */

export interface AgentSample {
  liveness: string;
  state: string | null;
  crash_loop: string | null;
}

export interface DaemonMetrics {
  registry: Registry;
  /** Feed one daemon event. */
  observe(e: DaemonEvent): void;
  /** A notifier delivery outcome. */
  notification(r: { sink: string; kind: string; result: 'sent' | 'failed' | 'gave_up' | 'dropped' }): void;
  /** The exposition text. */
  text(): Promise<string>;
  contentType: string;
}

export function createMetrics(opts: { agents: () => Promise<AgentSample[]> }): DaemonMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gt_daemon_' });

  new Gauge({
    name: 'gt_agents',
    help: 'Agents the town knows of, by liveness (alive, zombie, dead, unknown) and state (the agent bead state, "none" if unknown), read when scraped.',
    labelNames: ['liveness', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const a of await opts.agents().catch(() => [])) this.inc({ liveness: a.liveness, state: a.state ?? 'none' });
    },
  });
  new Gauge({
    name: 'gt_agents_crash_looping',
    help: 'Agents the daemon stopped restarting (crash loop), read when scraped.',
    registers: [registry],
    async collect() {
      this.set((await opts.agents().catch(() => [])).filter((a) => a.crash_loop !== null).length);
    },
  });
  const queueDepth = new Gauge({
    name: 'gt_queue_depth',
    help: 'Beads waiting in the dispatch queue for a polecat slot (0 until the capacity-bounded queue reports: a {type: "queue", depth} event).',
    registers: [registry],
  });
  queueDepth.set(0);

  const ticks = new Counter({ name: 'gt_ticks_total', help: 'Daemon ticks run (observe, decide, act).', registers: [registry] });
  const tickSeconds = new Histogram({
    name: 'gt_tick_duration_seconds',
    help: 'How long one tick took.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const actions = new Counter({ name: 'gt_actions_total', help: 'Actions the daemon applied, by kind and outcome.', labelNames: ['action', 'ok'], registers: [registry] });
  const restarts = new Counter({
    name: 'gt_agent_restarts_total',
    help: 'Agent (re)starts the daemon attempted (action start for a missing session, restart for a zombie or dead-marked one), by role and whether the agent came up.',
    labelNames: ['role', 'action', 'ok'],
    registers: [registry],
  });
  const crashLoops = new Counter({ name: 'gt_crash_loops_total', help: 'Crash loops entered (one CRASH_LOOP alert each).', registers: [registry] });
  const mails = new Counter({ name: 'gt_mails_sent_total', help: 'Mail the daemon sent, by subject kind (CRASH_LOOP, GUPP_VIOLATION, ...).', labelNames: ['kind'], registers: [registry] });
  const notifications = new Counter({
    name: 'gt_notifications_total',
    help: 'Notifications to the person by sink and outcome (sent, failed: will retry, gave_up, dropped: queue full).',
    labelNames: ['sink', 'kind', 'result'],
    registers: [registry],
  });
  const notifyFailures = new Counter({
    name: 'gt_notifier_failures_total',
    help: 'Failed notifier delivery attempts (each retry counts), by sink.',
    labelNames: ['sink'],
    registers: [registry],
  });
  const jobRuns = new Counter({
    name: 'gt_job_runs_total',
    help: 'Scheduled job runs by job and result (ok, failed, skipped).',
    labelNames: ['job', 'result'],
    registers: [registry],
  });
  // Zero series exist from the start, so a rate() over a fresh daemon is 0, not absent.
  for (const sink of ['command', 'webhook']) notifyFailures.inc({ sink }, 0);

  const observe = (e: DaemonEvent) => {
    switch (e.type) {
      case 'tick_end':
        ticks.inc();
        if (typeof e.ms === 'number') tickSeconds.observe(e.ms / 1000);
        break;
      case 'action': {
        const action = String(e.action);
        actions.inc({ action, ok: String(e.ok === true) });
        if ((action === 'start' || action === 'restart') && typeof e.agent === 'string') restarts.inc({ role: roleOf(e.agent), action, ok: String(e.ok === true) });
        if (action === 'mail' && e.ok === true && typeof e.subject === 'string') {
          const kind = /^([A-Z][A-Z_]*):/.exec(e.subject)?.[1] ?? 'other';
          mails.inc({ kind });
          if (kind === 'CRASH_LOOP') crashLoops.inc();
        }
        break;
      }
      case 'queue':
        if (typeof e.depth === 'number' && Number.isFinite(e.depth)) queueDepth.set(e.depth);
        break;
      case 'job':
        if (typeof e.job === 'string' && typeof e.result === 'string') jobRuns.inc({ job: e.job, result: e.result });
        break;
    }
  };

  return {
    registry,
    observe,
    notification(r) {
      notifications.inc({ sink: r.sink, kind: r.kind, result: r.result });
      if (r.result === 'failed' || r.result === 'gave_up') notifyFailures.inc({ sink: r.sink });
    },
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

function roleOf(identity: string): string {
  try {
    return parseIdentity(identity).role;
  } catch {
    return 'unknown';
  }
}
