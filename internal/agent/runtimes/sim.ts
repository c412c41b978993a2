import type { RuntimePreset, StartPlan } from './types.js';

/**
 * The simulated agent shipped with gt (`gt sim`, no LLM). It runs the built gt with the node
 * running gt (the command is filled in by the table: it is not looked up on PATH). It reads its
 * role from gt's environment and reports its own heartbeat, so it needs no files or hooks.
 * The sim sets process.title = 'gt-sim'; on Linux that rewrites both /proc/<pid>/comm and
 * cmdline, so tmux's pane_current_command and the /proc scan see "gt-sim". Its setsid test child
 * calls itself "gt-sim-child" so it never counts as the agent.
 */
export const sim: RuntimePreset = {
  name: 'sim',
  command: 'node',
  processNames: ['gt-sim'],
  env: {},
  reportsReady: false,
  canResume: false,
  plan(): StartPlan {
    return { args: [], env: {}, files: [], settled: [] };
  },
};
