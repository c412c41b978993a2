/**
 * How each real agent CLI reaches each screen gt must recognise, offline: the files its fresh
 * HOME holds, its env and argv, and the keys a person would press. One table shared by the
 * fixture capture (scripts/capture-screens.ts) and the live screen tests, so the fixtures and the
 * tests always describe the same runs.
 *
 * Every run gets its own HOME (XDG dirs, CODEX_HOME and Gemini's home under it) and a clean
 * environment (`env -i`), with each CLI's auto-updater switched off: nothing reads or writes
 * /root's config, nothing is installed globally.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ScreenKind } from '../../internal/agent/screens/index.js';
import type { FixtureModel, FixtureModelSettings } from './fixture-model.js';
import { REPO } from './town.js';

export type CliName = 'claude' | 'codex' | 'gemini' | 'opencode';
export const CLI_NAMES: readonly CliName[] = ['claude', 'codex', 'gemini', 'opencode'];

const PACKAGES: Record<CliName, string> = {
  claude: '@anthropic-ai/claude-code',
  codex: '@openai/codex',
  gemini: '@google/gemini-cli',
  opencode: 'opencode-ai',
};

export const AGENT_CLIS = join(REPO, 'agent-clis', 'node_modules');

/** The CLI as `make agent-clis` installed it. */
export function cliBin(cli: CliName): string {
  return join(AGENT_CLIS, '.bin', cli);
}

export function cliVersion(cli: CliName): string {
  const pkg = JSON.parse(readFileSync(join(AGENT_CLIS, PACKAGES[cli], 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error(`${PACKAGES[cli]}: no version in package.json`);
  return pkg.version;
}

export interface ScenarioContext {
  /** The run's private HOME. */
  home: string;
  /** The project directory the CLI runs in. */
  cwd: string;
  model: FixtureModel;
}

export type Step =
  /** Wait until the pane's text matches, and `unless` does not (the run fails after `timeoutMs`). */
  | { waitFor: RegExp; unless?: RegExp; timeoutMs?: number }
  /** Type text literally (no Enter). */
  | { type: string }
  | { key: 'Enter' | 'Escape' }
  /** Change what the fixture model answers from now on. */
  | { model: Partial<FixtureModelSettings> }
  /** Record the screen: fixture `<screen>.txt`, which the recogniser must call `expect`. */
  | { capture: string; expect: ScreenKind | null; note: string };

export interface Scenario {
  cli: CliName;
  /** A name for the run (the capture steps name the screens). */
  name: string;
  /** The project directory is a git repository (Codex asks about trust only there). */
  git?: boolean;
  model?: Partial<FixtureModelSettings>;
  /** Write the run's config files under ctx.home; return its env and arguments. */
  prepare(ctx: ScenarioContext): { env: Record<string, string>; args: string[] };
  steps: Step[];
}

function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function writeJson(path: string, value: unknown): void {
  writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Env every run gets: a private HOME and XDG dirs, a predictable locale and terminal. */
export function baseEnv(home: string): Record<string, string> {
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    LANG: 'C.UTF-8',
    TERM: 'tmux-256color',
    TZ: 'UTC',
  };
}

// ---- Claude Code ----------------------------------------------------------------------------

/** A key of the shape Claude Code expects; it remembers approvals by the last 20 characters. */
export const CLAUDE_KEY = 'sk-ant-api03-gt-fixture-0123456789abcdefghij';

function claudeEnv(ctx: ScenarioContext, auth: 'api-key' | 'oauth' | 'none'): Record<string, string> {
  return {
    ...baseEnv(ctx.home),
    // Claude Code's updater runs a global npm install; it must never run here.
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    ANTHROPIC_BASE_URL: ctx.model.url,
    ...(auth === 'api-key' ? { ANTHROPIC_API_KEY: CLAUDE_KEY } : {}),
    // A claude.ai sign-in (an OAuth token) is what makes Claude Code read the usage-limit headers.
    ...(auth === 'oauth' ? { CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-gt-fixture' } : {}),
  };
}

function claudeState(ctx: ScenarioContext, opts: { trusted: boolean; keyApproved: boolean }): void {
  // Without hasCompletedOnboarding Claude Code checks connectivity to its vendor and exits.
  writeJson(join(ctx.home, '.claude.json'), {
    hasCompletedOnboarding: true,
    ...(opts.keyApproved ? { customApiKeyResponses: { approved: [CLAUDE_KEY.slice(-20)], rejected: [] } } : {}),
    projects: { [ctx.cwd]: { hasTrustDialogAccepted: opts.trusted } },
  });
}

const CLAUDE_IDLE = /\? for shortcuts/;

/** Text with the words of every blocking screen, for an agent that merely prints them. */
export const DIALOG_WORDS = [
  'Quoting the screens for the notes:',
  'Do you trust the files in this folder?',
  'Yes, I trust this folder',
  'Detected a custom API key in your environment. Do you want to use this API key?',
  'WARNING: Claude Code running in Bypass Permissions mode. 1. No, exit 2. Yes, I accept',
  'Not logged in · Run /login',
  'Do you want to proceed?',
  '❯ 1. Yes',
  'Enter to confirm · Esc to cancel',
  "You've hit your session limit · resets 3pm (UTC)",
  'What do you want to do? 1. Stop and wait for limit to reset',
  'Would you like to run the following command? Press enter to confirm or esc to cancel',
  '■ You’ve hit your usage limit. try again at 7:42 PM.',
  'Sign in with ChatGPT. Press enter to continue',
  'Allow execution of [Shell]? 1. Allow once',
  'How would you like to authenticate for this project? (Use Enter to select)',
  'Usage limit reached for all Pro models. Access resets at 7:45 PM UTC.',
  'Permission required. Allow once   Allow always   Reject',
  '5-hour usage limit reached. It will reset in 3 hours. [retrying in 2h 59m attempt #1]',
].join('\n');

const claude: Scenario[] = [
  {
    cli: 'claude',
    name: 'trust',
    prepare: (ctx) => (claudeState(ctx, { trusted: false, keyApproved: true }), { env: claudeEnv(ctx, 'api-key'), args: [] }),
    steps: [{ waitFor: /Yes, I trust this folder/ }, { capture: 'trust', expect: 'trust', note: 'folder trust dialog (projects[cwd].hasTrustDialogAccepted unset)' }],
  },
  {
    cli: 'claude',
    name: 'api-key',
    prepare: (ctx) => (claudeState(ctx, { trusted: true, keyApproved: false }), { env: claudeEnv(ctx, 'api-key'), args: [] }),
    steps: [{ waitFor: /Do you want to use this API key\?/ }, { capture: 'api-key', expect: 'api-key', note: '"Detected a custom API key" confirmation (ANTHROPIC_API_KEY not yet approved)' }],
  },
  {
    cli: 'claude',
    name: 'bypass-confirm',
    prepare: (ctx) => (
      claudeState(ctx, { trusted: true, keyApproved: true }),
      // As root Claude Code refuses --dangerously-skip-permissions unless IS_SANDBOX=1; without
      // skipDangerousModePermissionPrompt in its settings it then asks (default "No, exit").
      { env: { ...claudeEnv(ctx, 'api-key'), IS_SANDBOX: '1' }, args: ['--dangerously-skip-permissions'] }
    ),
    steps: [{ waitFor: /Yes, I accept/ }, { capture: 'bypass-confirm', expect: 'bypass-confirm', note: 'Bypass Permissions confirmation (--dangerously-skip-permissions, IS_SANDBOX=1)' }],
  },
  {
    cli: 'claude',
    name: 'not-logged-in',
    prepare: (ctx) => (claudeState(ctx, { trusted: true, keyApproved: false }), { env: claudeEnv(ctx, 'none'), args: [] }),
    steps: [{ waitFor: /Not logged in/ }, { capture: 'not-logged-in', expect: 'login', note: 'prompt with "Not logged in · Run /login" (no key, no sign-in)' }],
  },
  {
    cli: 'claude',
    name: 'permission',
    model: { behaviour: 'tool' },
    prepare: (ctx) => (claudeState(ctx, { trusted: true, keyApproved: true }), { env: claudeEnv(ctx, 'api-key'), args: [] }),
    steps: [
      { waitFor: CLAUDE_IDLE },
      { type: 'create the fixture file' },
      { key: 'Enter' },
      { waitFor: /Do you want to proceed\?/ },
      { capture: 'permission', expect: 'permission', note: 'tool permission prompt for a Bash command (no bypass mode)' },
    ],
  },
  {
    cli: 'claude',
    name: 'usage-limit',
    model: { behaviour: 'usage-limit', resetInSeconds: 3 * 3600 },
    prepare: (ctx) => (claudeState(ctx, { trusted: true, keyApproved: false }), { env: claudeEnv(ctx, 'oauth'), args: [] }),
    steps: [
      { waitFor: CLAUDE_IDLE },
      { type: 'hello' },
      { key: 'Enter' },
      { waitFor: /Stop and wait for limit to reset/ },
      { capture: 'usage-limit', expect: 'usage-limit', note: 'session limit reached: the limit line with its reset time and the rate-limit options menu' },
      { key: 'Enter' },
      { waitFor: /hit your session limit[\s\S]*\? for shortcuts/ },
      { capture: 'usage-limit-waiting', expect: 'usage-limit', note: 'after "Stop and wait for limit to reset": the limit line is the last answer above the prompt' },
    ],
  },
  {
    cli: 'claude',
    name: 'idle',
    prepare: (ctx) => (claudeState(ctx, { trusted: true, keyApproved: true }), { env: claudeEnv(ctx, 'api-key'), args: [] }),
    steps: [{ waitFor: CLAUDE_IDLE }, { capture: 'idle', expect: null, note: 'idle at its prompt (negative)' }],
  },
  {
    cli: 'claude',
    name: 'transcript',
    model: { behaviour: 'text', text: DIALOG_WORDS },
    prepare: (ctx) => (claudeState(ctx, { trusted: true, keyApproved: true }), { env: claudeEnv(ctx, 'api-key'), args: [] }),
    steps: [
      { waitFor: CLAUDE_IDLE },
      { type: 'print the dialog words' },
      { key: 'Enter' },
      { waitFor: /attempt #1\][\s\S]*\? for shortcuts/ },
      { capture: 'transcript-words', expect: null, note: "the agent printed every dialog's words in its answer, idle at its prompt (negative)" },
      { model: { behaviour: 'hold' } },
      { type: 'Do you want to proceed? 1. Yes 2. No · Not logged in · Run /login' },
      { key: 'Enter' },
      { waitFor: /esc to interrupt/ },
      { capture: 'working', expect: null, note: 'working: a turn held open by the model, dialog words in the prompt above (negative)' },
    ],
  },
];

// ---- Codex ------------------------------------------------------------------------------------

function codexEnv(ctx: ScenarioContext): Record<string, string> {
  return { ...baseEnv(ctx.home), CODEX_HOME: join(ctx.home, '.codex'), GT_FIXTURE_KEY: 'sk-gt-fixture' };
}

function codexConfig(ctx: ScenarioContext, opts: { provider: boolean; trusted: boolean }): void {
  const lines = ['check_for_update_on_startup = false'];
  if (opts.provider) {
    lines.push(
      'model = "gpt-5"',
      'model_provider = "gtfixture"',
      '',
      '[model_providers.gtfixture]',
      'name = "gt fixture model"',
      `base_url = "${ctx.model.url}/v1"`,
      'env_key = "GT_FIXTURE_KEY"',
      'wire_api = "responses"',
    );
  }
  if (opts.trusted) lines.push('', `[projects.${JSON.stringify(ctx.cwd)}]`, 'trust_level = "trusted"');
  writeFile(join(ctx.home, '.codex', 'config.toml'), `${lines.join('\n')}\n`);
}

const CODEX_IDLE = /\? for shortcuts/;

const codex: Scenario[] = [
  {
    cli: 'codex',
    name: 'login',
    prepare: (ctx) => (codexConfig(ctx, { provider: false, trusted: false }), { env: codexEnv(ctx), args: [] }),
    steps: [{ waitFor: /Press enter to continue/ }, { capture: 'login', expect: 'login', note: 'sign-in picker (no provider, no auth.json)' }],
  },
  {
    cli: 'codex',
    name: 'trust',
    git: true,
    prepare: (ctx) => (codexConfig(ctx, { provider: true, trusted: false }), { env: codexEnv(ctx), args: [] }),
    steps: [{ waitFor: /Trust this folder\?/ }, { capture: 'trust', expect: 'trust', note: 'folder trust dialog (a git repository not in [projects])' }],
  },
  {
    cli: 'codex',
    name: 'turns',
    git: true,
    prepare: (ctx) => (codexConfig(ctx, { provider: true, trusted: true }), { env: codexEnv(ctx), args: [] }),
    steps: [
      { waitFor: CODEX_IDLE },
      { capture: 'idle', expect: null, note: 'idle at its prompt (negative)' },
      { model: { behaviour: 'tool' } },
      { type: 'create the fixture file' },
      { key: 'Enter' },
      { waitFor: /Yes, proceed \(y\)/ },
      { capture: 'permission', expect: 'permission', note: 'approval prompt for a command that asks to run outside the sandbox' },
      { key: 'Escape' },
      { waitFor: CODEX_IDLE, unless: /Yes, proceed \(y\)/ },
      { model: { behaviour: 'usage-limit', resetInSeconds: 3 * 3600 } },
      { type: 'hello' },
      { key: 'Enter' },
      { waitFor: /^■ You’ve hit your usage limit[\s\S]*\? for shortcuts/m },
      { capture: 'usage-limit', expect: 'usage-limit', note: 'usage limit reached, "try again at <time>" (reset within the day)' },
      { model: { behaviour: 'usage-limit', resetInSeconds: 2 * 86400 + 1800 } },
      { type: 'hello again' },
      { key: 'Enter' },
      { waitFor: /try again\s+at\s+[A-Z][a-z]{2} \d+[\s\S]*\? for shortcuts/ },
      { capture: 'usage-limit-days', expect: 'usage-limit', note: 'usage limit reached, "try again at <date> <time>" (reset days away)' },
    ],
  },
  {
    cli: 'codex',
    name: 'transcript',
    git: true,
    model: { behaviour: 'text', text: DIALOG_WORDS },
    prepare: (ctx) => (codexConfig(ctx, { provider: true, trusted: true }), { env: codexEnv(ctx), args: [] }),
    steps: [
      { waitFor: CODEX_IDLE },
      { type: 'print the dialog words' },
      { key: 'Enter' },
      { waitFor: /attempt #1\][\s\S]*Worked for[\s\S]*\? for shortcuts/ },
      { capture: 'transcript-words', expect: null, note: "the agent printed every dialog's words in its answer, idle at its prompt (negative)" },
      { model: { behaviour: 'hold' } },
      { type: 'Would you like to run the following command? Press enter to continue' },
      { key: 'Enter' },
      { waitFor: /esc to interrupt/ },
      { capture: 'working', expect: null, note: 'working: a turn held open by the model, dialog words above (negative)' },
    ],
  },
];

// ---- Gemini CLI -------------------------------------------------------------------------------

function geminiEnv(ctx: ScenarioContext, withKey: boolean): Record<string, string> {
  return {
    ...baseEnv(ctx.home),
    GOOGLE_GEMINI_BASE_URL: ctx.model.url,
    ...(withKey ? { GEMINI_API_KEY: 'gt-fixture-key' } : {}),
  };
}

function geminiSettings(ctx: ScenarioContext, opts: { trusted: boolean; auth: boolean }): void {
  writeJson(join(ctx.home, '.gemini', 'settings.json'), {
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    ...(opts.auth ? { security: { auth: { selectedType: 'gemini-api-key' } } } : {}),
  });
  if (opts.trusted) writeJson(join(ctx.home, '.gemini', 'trustedFolders.json'), { [ctx.cwd]: 'TRUST_FOLDER' });
}

const GEMINI_IDLE = /Type your message/;

const gemini: Scenario[] = [
  {
    cli: 'gemini',
    name: 'trust',
    prepare: (ctx) => (geminiSettings(ctx, { trusted: false, auth: true }), { env: geminiEnv(ctx, true), args: [] }),
    steps: [{ waitFor: /Don't trust/ }, { capture: 'trust', expect: 'trust', note: 'folder trust dialog (folder not in trustedFolders.json)' }],
  },
  {
    cli: 'gemini',
    name: 'auth',
    prepare: (ctx) => (geminiSettings(ctx, { trusted: true, auth: false }), { env: geminiEnv(ctx, false), args: [] }),
    steps: [{ waitFor: /How would you like to authenticate/ }, { capture: 'auth', expect: 'login', note: 'authentication picker (no security.auth.selectedType, no key)' }],
  },
  {
    cli: 'gemini',
    name: 'api-key',
    prepare: (ctx) => (geminiSettings(ctx, { trusted: true, auth: false }), { env: geminiEnv(ctx, true), args: [] }),
    steps: [{ waitFor: /Existing API key detected/ }, { capture: 'api-key', expect: 'api-key', note: 'authentication picker naming the GEMINI_API_KEY it found (no selectedType)' }],
  },
  {
    cli: 'gemini',
    name: 'api-key-input',
    // "Use Gemini API Key" chosen in settings, but no key: it asks for one.
    prepare: (ctx) => (geminiSettings(ctx, { trusted: true, auth: true }), { env: geminiEnv(ctx, false), args: [] }),
    steps: [{ waitFor: /Enter Gemini API Key/ }, { capture: 'api-key-input', expect: 'login', note: 'API key entry (security.auth.selectedType gemini-api-key, no GEMINI_API_KEY)' }],
  },
  {
    cli: 'gemini',
    name: 'model-access',
    model: { behaviour: 'model-not-found' },
    prepare: (ctx) => (geminiSettings(ctx, { trusted: true, auth: true }), { env: geminiEnv(ctx, true), args: [] }),
    steps: [
      { waitFor: GEMINI_IDLE, unless: /Initializing/ },
      { type: 'hello' },
      { key: 'Enter' },
      { waitFor: /don't have access to|was not found or is invalid/ },
      { capture: 'model-access', expect: 'dialog', note: 'the model answered 404: "you don\'t have access to <model>", switch model or stop' },
    ],
  },
  {
    cli: 'gemini',
    name: 'turns',
    prepare: (ctx) => (geminiSettings(ctx, { trusted: true, auth: true }), { env: geminiEnv(ctx, true), args: [] }),
    steps: [
      { waitFor: GEMINI_IDLE },
      { capture: 'idle', expect: null, note: 'idle at its prompt (negative)' },
      { model: { behaviour: 'tool' } },
      { type: 'create the fixture file' },
      { key: 'Enter' },
      { waitFor: /No, suggest changes/ },
      { capture: 'permission', expect: 'permission', note: 'tool permission prompt for a shell command' },
      { key: 'Escape' },
      { waitFor: GEMINI_IDLE, unless: /No, suggest changes/ },
      { model: { behaviour: 'usage-limit', resetInSeconds: 3 * 3600 } },
      { type: 'hello' },
      { key: 'Enter' },
      { waitFor: /Keep trying/ },
      { capture: 'usage-limit', expect: 'usage-limit', note: 'usage limit dialog with "Access resets at <time> <zone>"' },
    ],
  },
  {
    cli: 'gemini',
    name: 'transcript',
    model: { behaviour: 'text', text: DIALOG_WORDS },
    prepare: (ctx) => (geminiSettings(ctx, { trusted: true, auth: true }), { env: geminiEnv(ctx, true), args: [] }),
    steps: [
      { waitFor: GEMINI_IDLE },
      { type: 'print the dialog words' },
      { key: 'Enter' },
      { waitFor: /attempt #1\][\s\S]*Type your message/ },
      { capture: 'transcript-words', expect: null, note: "the agent printed every dialog's words in its answer, idle at its prompt (negative)" },
      { model: { behaviour: 'hold' } },
      // ('?' on an empty prompt opens Gemini CLI's shortcut help, so none here.)
      { type: 'Allow execution of [Shell] 1. Allow once' },
      { key: 'Enter' },
      { waitFor: /\(esc to cancel, \d+s\)/ },
      { capture: 'working', expect: null, note: 'working: a turn held open by the model, dialog words above (negative)' },
    ],
  },
];

// ---- OpenCode ---------------------------------------------------------------------------------

function opencodeEnv(ctx: ScenarioContext): Record<string, string> {
  return {
    ...baseEnv(ctx.home),
    // OpenCode probes npm for a newer version at every start unless told not to.
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
  };
}

function opencodeConfig(ctx: ScenarioContext, opts: { askBash: boolean }): void {
  writeJson(join(ctx.home, '.config', 'opencode', 'opencode.json'), {
    $schema: 'https://opencode.ai/config.json',
    autoupdate: false,
    share: 'disabled',
    model: 'gtfixture/fixture-model',
    provider: {
      gtfixture: {
        npm: '@ai-sdk/anthropic',
        name: 'gt fixture',
        options: { baseURL: `${ctx.model.url}/v1`, apiKey: 'gt-fixture-key' },
        models: { 'fixture-model': { name: 'Fixture Model', tool_call: true } },
      },
    },
    ...(opts.askBash ? { permission: { bash: 'ask' } } : {}),
  });
}

const OPENCODE_IDLE = /ctrl\+p commands/;

const opencode: Scenario[] = [
  {
    cli: 'opencode',
    name: 'turns',
    prepare: (ctx) => (opencodeConfig(ctx, { askBash: true }), { env: opencodeEnv(ctx), args: [] }),
    steps: [
      // OpenCode installs its plugin package into its config dir before the first frame; offline
      // that takes until npm gives up (about 20 s here).
      { waitFor: /Ask anything/, timeoutMs: 90_000 },
      { capture: 'idle', expect: null, note: 'idle at its prompt (negative)' },
      { model: { behaviour: 'tool' } },
      { type: 'create the fixture file' },
      { key: 'Enter' },
      { waitFor: /△ Permission required/ },
      { capture: 'permission', expect: 'permission', note: 'permission prompt for a shell command (permission.bash = "ask")' },
      { key: 'Escape' },
      { waitFor: OPENCODE_IDLE, unless: /△ Permission required|esc interrupt/ },
      { model: { behaviour: 'usage-limit', resetInSeconds: 3 * 3600 } },
      { type: 'hello' },
      { key: 'Enter' },
      { waitFor: /usage limit reached\. It will reset in/ },
      { capture: 'usage-limit', expect: 'usage-limit', note: 'usage limit reached, "It will reset in <duration>", retrying until then' },
    ],
  },
  {
    cli: 'opencode',
    name: 'transcript',
    model: { behaviour: 'text', text: DIALOG_WORDS },
    prepare: (ctx) => (opencodeConfig(ctx, { askBash: true }), { env: opencodeEnv(ctx), args: [] }),
    steps: [
      { waitFor: /Ask anything/, timeoutMs: 90_000 },
      { type: 'print the dialog words' },
      { key: 'Enter' },
      { waitFor: /attempt #1\][\s\S]*Build · Fixture Model · / },
      { capture: 'transcript-words', expect: null, note: "the agent printed every dialog's words in its answer, idle at its prompt (negative)" },
      { model: { behaviour: 'hold' } },
      { type: 'Permission required. Allow once   Allow always   Reject' },
      { key: 'Enter' },
      { waitFor: /esc interrupt/ },
      { capture: 'working', expect: null, note: 'working: a turn held open by the model, dialog words above (negative)' },
    ],
  },
];

export const SCENARIOS: readonly Scenario[] = [...claude, ...codex, ...gemini, ...opencode];

/** Every screen a scenario records, in table order. */
export function capturesOf(s: Scenario): Extract<Step, { capture: string }>[] {
  return s.steps.filter((st): st is Extract<Step, { capture: string }> => 'capture' in st);
}
