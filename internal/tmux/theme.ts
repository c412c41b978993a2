import { createHash } from 'node:crypto';
import { sessionPaneTarget } from './names.js';
import { escapeFormat } from './quote.js';
import type { Tmux } from './run.js';

/**
 * 256-colour indices that read well as a status-bar background with white text and are far
 * enough apart to tell rigs apart at a glance.
 */
export const RIG_PALETTE = [24, 25, 28, 29, 30, 53, 54, 88, 89, 90, 94, 95, 130, 131, 58, 60, 61, 64, 66, 67] as const;

export interface RoleStyle {
  icon: string;
  /** Foreground colour of the role label. */
  colour: number;
}

export const ROLE_STYLES: Readonly<Record<string, RoleStyle>> = {
  mayor: { icon: '🎩', colour: 220 },
  deacon: { icon: '🐺', colour: 250 },
  boot: { icon: '🐕', colour: 180 },
  witness: { icon: '🦉', colour: 117 },
  refinery: { icon: '🏭', colour: 208 },
  polecat: { icon: '😺', colour: 156 },
  crew: { icon: '👷', colour: 229 },
};

const TOWN_COLOUR = 236;
const DEFAULT_ROLE: RoleStyle = { icon: '●', colour: 252 };

/** A stable colour per rig: the same name gets the same colour on every machine and run. */
export function rigColour(rig: string): number {
  const h = createHash('sha256').update(rig).digest();
  return RIG_PALETTE[h.readUInt32BE(0) % RIG_PALETTE.length]!;
}

export interface ThemeInput {
  /** The rig's name; town-level sessions (mayor, deacon, boot) have none. */
  rig?: string;
  role?: string;
  /** What the status line shows after the icon (e.g. the agent identity). */
  label?: string;
}

export interface Theme {
  statusStyle: string;
  statusLeft: string;
  statusLeftLength: number;
  statusRight: string;
}

/** The status-bar options for a session; pure, so it can be tested without tmux. */
export function themeFor(input: ThemeInput): Theme {
  const bg = input.rig ? rigColour(input.rig) : TOWN_COLOUR;
  const role = (input.role && ROLE_STYLES[input.role]) || DEFAULT_ROLE;
  // Everything interpolated is escaped: status-left is a format, and '#' in a label would run one.
  const label = escapeFormat(input.label ?? [input.rig, input.role].filter(Boolean).join('/') ?? '');
  const statusLeft = `#[fg=colour${role.colour},bold] ${role.icon} ${label} #[default]`;
  return {
    statusStyle: `bg=colour${bg},fg=colour255`,
    statusLeft,
    statusLeftLength: Math.min(80, Math.max(20, label.length + 8)),
    statusRight: ` ${input.rig ? escapeFormat(input.rig) : 'town'} %H:%M `,
  };
}

/** Apply a theme to one session (session options only; other sessions keep theirs). */
export async function applyTheme(tmux: Tmux, session: string, input: ThemeInput | Theme): Promise<Theme> {
  const theme = 'statusStyle' in input ? input : themeFor(input);
  const t = sessionPaneTarget(session);
  await tmux.runSequence([
    ['set-option', '-t', t, 'status-style', theme.statusStyle],
    ['set-option', '-t', t, 'status-left', theme.statusLeft],
    ['set-option', '-t', t, 'status-left-length', String(theme.statusLeftLength)],
    ['set-option', '-t', t, 'status-right', theme.statusRight],
  ]);
  return theme;
}

/** The session's current status options, for checks and tests. */
export async function readTheme(tmux: Tmux, session: string): Promise<Partial<Theme>> {
  const r = await tmux.run(['show-options', '-t', sessionPaneTarget(session)]);
  const out: Partial<Theme> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^(status-style|status-left|status-left-length|status-right) (.*)$/.exec(line);
    if (!m) continue;
    const v = unquoteOption(m[2]!);
    if (m[1] === 'status-style') out.statusStyle = v;
    else if (m[1] === 'status-left') out.statusLeft = v;
    else if (m[1] === 'status-left-length') out.statusLeftLength = Number(v);
    else out.statusRight = v;
  }
  return out;
}

/** show-options prints string values in double quotes with \" and \\ escapes when needed. */
function unquoteOption(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}
