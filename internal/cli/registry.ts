import type { CommandModule } from './spec.js';

/**
 * Every command gt has. Modules are imported only when their command runs, so `gt --version`
 * and `gt daemon status` do not pay for what `gt rig add` needs.
 */
export interface CommandEntry {
  path: readonly string[];
  summary: string;
  load: () => Promise<CommandModule>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { path: ['install'], summary: 'create a new town in a directory', load: () => import('./commands/install.js') },
  { path: ['daemon', 'start'], summary: 'start the daemon in the background', load: () => import('./commands/daemon-start.js') },
  { path: ['daemon', 'run'], summary: 'run the daemon in the foreground', load: () => import('./commands/daemon-run.js') },
  { path: ['daemon', 'stop'], summary: 'stop the running daemon', load: () => import('./commands/daemon-stop.js') },
  { path: ['daemon', 'restart'], summary: 'stop, then start the daemon', load: () => import('./commands/daemon-restart.js') },
  { path: ['daemon', 'status'], summary: 'is the daemon running; its pid, ticks and log', load: () => import('./commands/daemon-status.js') },
  { path: ['daemon', 'pid'], summary: "print the daemon's pid", load: () => import('./commands/daemon-pid.js') },
  { path: ['daemon', 'logs'], summary: "show or follow the daemon's log", load: () => import('./commands/daemon-logs.js') },
  { path: ['daemon', 'notify'], summary: 'tell the daemon a session ended (run by tmux hooks)', load: () => import('./commands/daemon-notify.js') },
  { path: ['daemon', 'tick'], summary: 'run one tick now and wait for it', load: () => import('./commands/daemon-tick.js') },
  { path: ['daemon', 'jobs'], summary: 'list scheduled jobs with their last and next run', load: () => import('./commands/daemon-jobs.js') },
  { path: ['daemon', 'clear-backoff'], summary: "forget an agent's restart backoff and crash loop", load: () => import('./commands/daemon-clear-backoff.js') },
  { path: ['dashboard'], summary: 'serve the live web dashboard and print its address and token', load: () => import('./commands/dashboard.js') },
  { path: ['doctor'], summary: 'check the town and this machine; --fix applies the safe fixes', load: () => import('./commands/doctor.js') },
  { path: ['metrics'], summary: "print the daemon's metrics (Prometheus text format)", load: () => import('./commands/metrics.js') },
  { path: ['feed'], summary: "follow the daemon's events live", load: () => import('./commands/feed.js') },
  { path: ['prime'], summary: "print the current agent's role instructions", load: () => import('./commands/prime.js') },
  { path: ['up'], summary: 'start the daemon and the supervised role sessions', load: () => import('./commands/up.js') },
  { path: ['down'], summary: "stop every session of the town, then the daemon", load: () => import('./commands/down.js') },
  { path: ['estop'], summary: 'emergency stop: the daemon starts, kills and nudges nothing', load: () => import('./commands/estop.js') },
  { path: ['thaw'], summary: 'end an emergency stop (remove ESTOP) and wake the daemon', load: () => import('./commands/thaw.js') },
  { path: ['agents'], summary: 'list agents with liveness, state and hook', load: () => import('./commands/agents.js') },
  { path: ['attach'], summary: "attach this terminal to an agent's session", load: () => import('./commands/attach.js') },
  { path: ['nudge'], summary: "type a message into an agent's prompt", load: () => import('./commands/nudge.js') },
  { path: ['mayor', 'attach'], summary: "attach to the mayor's session", load: () => import('./commands/attach.js').then((m) => m.forRole('mayor')) },
  { path: ['deacon', 'attach'], summary: "attach to the deacon's session", load: () => import('./commands/attach.js').then((m) => m.forRole('deacon')) },
  { path: ['boot', 'attach'], summary: "attach to boot's session", load: () => import('./commands/attach.js').then((m) => m.forRole('boot')) },
  { path: ['witness', 'attach'], summary: "attach to a rig's witness session", load: () => import('./commands/attach.js').then((m) => m.forRole('witness')) },
  { path: ['refinery', 'attach'], summary: "attach to a rig's refinery session", load: () => import('./commands/attach.js').then((m) => m.forRole('refinery')) },
  { path: ['status'], summary: 'the town at a glance: daemon, rigs, agents, work, mail', load: () => import('./commands/status.js') },
  { path: ['handoff'], summary: 'ask the daemon to cycle, restart or stop this session', load: () => import('./commands/handoff.js') },
  { path: ['deacon', 'heartbeat'], summary: "record a deacon patrol cycle (deacon/heartbeat.json)", load: () => import('./commands/deacon-heartbeat.js') },
  { path: ['sling'], summary: 'hand a work bead to a new polecat of a rig', load: () => import('./commands/sling.js') },
  { path: ['polecat', 'list'], summary: 'list polecats: state, hook, worktree, unmerged work', load: () => import('./commands/polecat-list.js') },
  { path: ['polecat', 'nuke'], summary: 'reap a polecat now (refuses unmerged work without --force)', load: () => import('./commands/polecat-nuke.js') },
  { path: ['hook'], summary: "show the work on this agent's hook", load: () => import('./commands/hook.js') },
  { path: ['done'], summary: 'polecat: close the hooked work and queue its branch for merging', load: () => import('./commands/done.js') },
  { path: ['sim'], summary: 'run the simulated agent (no LLM) in this terminal', load: () => import('./commands/sim.js') },
  { path: ['modelserver'], summary: 'run the scripted model server (real agent CLIs offline)', load: () => import('./commands/modelserver.js') },
  { path: ['bead', 'create'], summary: 'create a work bead', load: () => import('./commands/bead-create.js') },
  { path: ['bead', 'show'], summary: 'show one bead', load: () => import('./commands/bead-show.js') },
  { path: ['bead', 'list'], summary: 'list beads (filter by rig, status, type, assignee)', load: () => import('./commands/bead-list.js') },
  { path: ['bead', 'update'], summary: "change a work bead's fields", load: () => import('./commands/bead-update.js') },
  { path: ['bead', 'close'], summary: 'close a work bead', load: () => import('./commands/bead-close.js') },
  { path: ['ask'], summary: 'agent: ask the person a question and wait for the answer', load: () => import('./commands/ask.js') },
  { path: ['questions'], summary: 'list the open questions agents asked the person', load: () => import('./commands/questions.js') },
  { path: ['answer'], summary: "answer an agent's question (wakes the asker)", load: () => import('./commands/answer.js') },
  { path: ['mail', 'send'], summary: 'send a message to an agent or to the person (overseer)', load: () => import('./commands/mail-send.js') },
  { path: ['mail', 'inbox'], summary: 'list the messages in an inbox', load: () => import('./commands/mail-inbox.js') },
  { path: ['mail', 'read'], summary: 'show a message and mark it read', load: () => import('./commands/mail-read.js') },
  { path: ['mail', 'delete'], summary: 'delete a message', load: () => import('./commands/mail-delete.js') },
  { path: ['rig', 'add'], summary: 'add a project (git clone + worktrees) to the town', load: () => import('./commands/rig-add.js') },
  { path: ['rig', 'list'], summary: 'list the rigs: prefix, state, main branch, source', load: () => import('./commands/rig-list.js') },
  { path: ['rig', 'park'], summary: 'park a rig: no agents started until unparked', load: () => import('./commands/rig-park.js') },
  { path: ['rig', 'unpark'], summary: 'make a parked rig active again', load: () => import('./commands/rig-unpark.js') },
  { path: ['rig', 'dock'], summary: 'dock a rig: no agents started until undocked', load: () => import('./commands/rig-dock.js') },
  { path: ['rig', 'undock'], summary: 'make a docked rig active again', load: () => import('./commands/rig-undock.js') },
  { path: ['rig', 'remove'], summary: 'remove a rig (refuses while its agents run)', load: () => import('./commands/rig-remove.js') },
  { path: ['mq', 'list'], summary: 'list merge queue entries', load: () => import('./commands/mq-list.js') },
  { path: ['mq', 'submit'], summary: "queue a polecat's branch for merging", load: () => import('./commands/mq-submit.js') },
  { path: ['mq', 'process'], summary: "merge a rig's queued branches into its main branch", load: () => import('./commands/mq-process.js') },
];

export const GROUP_SUMMARIES: Record<string, string> = {
  daemon: 'the background daemon that keeps role sessions alive',
  mayor: 'the town coordinator',
  deacon: 'the town patrol',
  boot: "the deacon's watchdog",
  witness: "a rig's worker monitor",
  refinery: "a rig's merge queue",
  bead: 'work items in the town ledger',
  mail: 'messages between agents',
  rig: 'projects in the town: add, list, park, dock, remove',
  mq: "a rig's merge queue (the refinery's work)",
  polecat: "a rig's workers: list and reap by hand",
};
