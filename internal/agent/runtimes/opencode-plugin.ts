import { OPENCODE_HOOK_EVENTS } from '../hooks/events.js';

/** The plugin's events must be the table's (agent-hook.sh implements the table). */
const EVENTS = Object.keys(OPENCODE_HOOK_EVENTS) as (keyof typeof OPENCODE_HOOK_EVENTS)[];

/**
 * gt's OpenCode plugin, as the source of an ES module. OpenCode has no hook commands; it loads
 * plugins (JS modules) into its own process and hands them its bus events. This one turns them
 * into gt's heartbeat reports by running gt's hook script (/bin/sh, no Node: OpenCode runs the
 * plugin in its own runtime):
 *
 *   plugin loaded          -> SessionStart      (OpenCode is up)
 *   session.status busy    -> UserPromptSubmit  (a turn runs)
 *   tool.execute.after     -> PostToolUse       (progress: every tool call)
 *   session.status idle,
 *   session.idle           -> Stop              (back at its prompt)
 *   permission.asked       -> PermissionRequest (a tool waits for a person)
 *   session.status retry   -> Retry + message   (waiting to retry; a usage limit waits for its reset)
 *
 * Only the agent's own session counts (the first without a parent; a subagent's child session is
 * not the agent), and a state is reported once per change (tool calls always: they are progress).
 * A failing report never disturbs OpenCode. Measured with OpenCode 1.18.33: the plugin loads from
 * a `plugin` entry holding a file:// URL, and sees session.status busy/idle, session.idle,
 * permission.asked and tool.execute.after.
 */
export function opencodePluginSource(hookScript: string): string {
  const ev = (name: (typeof EVENTS)[number]) => JSON.stringify(name);
  return `// gt's OpenCode plugin for one agent session (written by gt at every start; edits are lost).
// It reports the agent's state to gt by running gt's hook script; see gt's
// internal/agent/runtimes/opencode-plugin.ts.
import { spawn } from 'node:child_process';

const HOOK = ${JSON.stringify(hookScript)};

export const GtHeartbeat = async () => {
  let main;
  const children = new Set();
  let last;
  const report = (event, payload) => {
    if (event === last && event !== ${ev('PostToolUse')} && event !== ${ev('Retry')}) return;
    last = event;
    try {
      const child = spawn('/bin/sh', [HOOK, 'opencode', event], { stdio: ['pipe', 'ignore', 'ignore'] });
      child.on('error', () => {});
      child.stdin.on('error', () => {});
      child.stdin.end(payload === undefined ? '' : JSON.stringify(payload));
    } catch {
      // A report that cannot be made is skipped: the screen recognisers still see the agent.
    }
  };
  const ours = (id) => {
    if (typeof id !== 'string' || !id || children.has(id)) return false;
    if (main === undefined) main = id;
    return id === main;
  };
  report(${ev('SessionStart')});
  return {
    event: async ({ event }) => {
      const type = event && event.type;
      const p = (event && event.properties) || {};
      if (type === 'session.created') {
        const info = p.info || {};
        if (info.parentID) children.add(info.id);
        else if (main === undefined && typeof info.id === 'string') main = info.id;
      } else if (type === 'session.status') {
        if (!ours(p.sessionID)) return;
        const s = p.status || {};
        if (s.type === 'busy') report(${ev('UserPromptSubmit')});
        else if (s.type === 'idle') report(${ev('Stop')});
        else if (s.type === 'retry') report(${ev('Retry')}, { message: String(s.message || '').slice(0, 300) });
      } else if (type === 'session.idle') {
        if (ours(p.sessionID)) report(${ev('Stop')});
      } else if (type === 'permission.asked' || type === 'permission.updated') {
        if (ours(p.sessionID)) report(${ev('PermissionRequest')});
      }
    },
    'tool.execute.after': async (input) => {
      if (input && ours(input.sessionID)) report(${ev('PostToolUse')});
    },
  };
};
`;
}

/**
 * OPENCODE_CONFIG_CONTENT (the highest of OpenCode's config layers, merged over the person's own
 * files) with gt's plugin added: a person's own content is kept, its `plugin` list extended.
 * Undefined when the existing value is not a JSON object: then it is left alone, unreported.
 */
export function opencodeConfigContent(existing: string | undefined, pluginUrl: string): string | undefined {
  let base: Record<string, unknown> = {};
  if (existing !== undefined && existing.trim()) {
    try {
      const v = JSON.parse(existing) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
      base = v as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  const plugins = Array.isArray(base.plugin) ? base.plugin.filter((p) => p !== pluginUrl) : [];
  return JSON.stringify({ ...base, plugin: [...plugins, pluginUrl] });
}
