/** The roles of a town. Kept zod-free: the CLI's fast paths import it. */
export const ROLES = ['mayor', 'deacon', 'boot', 'witness', 'refinery', 'polecat', 'crew'] as const;
export type Role = (typeof ROLES)[number];

/** Runtime presets shipped with gt; custom runtimes come from settings `agents`. */
export const RUNTIME_PRESETS = ['claude', 'codex', 'gemini', 'opencode', 'sim'] as const;
export type RuntimePreset = (typeof RUNTIME_PRESETS)[number];
