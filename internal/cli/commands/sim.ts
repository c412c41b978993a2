import type { CommandContext, CommandSpec } from '../spec.js';

export const spec: CommandSpec = {
  usage: 'gt sim',
  description:
    'Run the simulated agent (no LLM) in this terminal: prints a prompt, reports what it does in its heartbeat file, echoes nudged text and runs "run: gt <args>" lines. Started by gt in role sessions with the "sim" runtime.',
  details: [
    'Reads GT_TOWN_ROOT, GT_ROLE, GT_RIG, GT_POLECAT, GT_CREW and GT_SESSION (set by gt when it starts a session).',
    'Knobs for tests:',
    '  GT_SIM_HEARTBEAT_INTERVAL=5s  heartbeat file refresh interval',
    '  GT_SIM_EXIT_CODE=N            exit at once with status N',
    '  GT_SIM_CRASH_AFTER=30s        exit 1 after that long',
    '  GT_SIM_HANG=1|<duration>      stop heartbeating and answering (keeps running)',
    '  GT_SIM_IGNORE_SIGHUP=1        survive SIGHUP',
    '  GT_SIM_SETSID_CHILD=1         fork a setsid child that ignores SIGHUP (pid in the heartbeat file)',
    '  GT_SIM_WORK=0                 do no role work: sit idle at the prompt (by default: a polecat commits its hook',
    '                                and runs gt done, the refinery runs gt mq process, the witness reads mail, the',
    '                                deacon heartbeats)',
    '  GT_SIM_WORK=busy              keep working: report progress (state working) every heartbeat interval',
    'The heartbeat file says what the sim is doing, as real agents report through their hooks: "starting", then',
    '"working" with a new timestamp at every sign of progress, or "idle" (written once, when it goes idle).',
    'Input lines: any text is echoed as "received: <text>"; "run: gt <args>" runs gt; "exit [N]" exits.',
  ].join('\n'),
};

export async function run(ctx: CommandContext): Promise<number> {
  // First thing: liveness recognises the sim by this name (comm and cmdline on Linux).
  process.title = 'gt-sim';
  const { simOptionsFromEnv } = await import('../../sim/options.js');
  const { runSim } = await import('../../sim/agent.js');
  const { ledgerWork } = await import('../../sim/ledger-work.js');
  const { busyWork, idleWork } = await import('../../sim/work.js');
  const work = process.env.GT_SIM_WORK === '0' ? idleWork : process.env.GT_SIM_WORK === 'busy' ? busyWork : ledgerWork();
  return runSim(simOptionsFromEnv(process.env, ctx.town()), work);
}
