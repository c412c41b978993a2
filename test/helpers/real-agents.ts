/**
 * Real agent CLIs in tests: Claude Code and Codex from agent-clis/ (installed by `make test`),
 * run offline against the scripted model server on loopback, with every home directory they
 * touch in a temp dir (never /root's) and their auto-updaters off.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, gt, tempDir, type RunResult } from './town.js';

export const AGENT_CLIS_BIN = join(REPO, 'agent-clis', 'node_modules', '.bin');

/** The API key the tests hand Claude Code; a person approves a custom key once in ~/.claude.json. */
export const TEST_ANTHROPIC_KEY = 'sk-ant-gt-test-0123456789abcdefghijklmnopqrst';

export function assertAgentClis(...clis: string[]): void {
  for (const c of clis) {
    if (!existsSync(join(AGENT_CLIS_BIN, c))) throw new Error(`${c} is not installed in agent-clis/ (run make agent-clis)`);
  }
}

/** A temp HOME with every config/data/cache dir the CLIs use inside it. */
export interface AgentHome {
  dir: string;
  /** HOME, XDG_*, CODEX_HOME: for the processes that start agents (they pass HOME on to them). */
  env: Record<string, string>;
}

export function makeAgentHome(): AgentHome {
  const dir = tempDir('gt-agent-home-');
  const env = {
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, '.config'),
    XDG_DATA_HOME: join(dir, '.local', 'share'),
    XDG_CACHE_HOME: join(dir, '.cache'),
    XDG_STATE_HOME: join(dir, '.local', 'state'),
    CODEX_HOME: join(dir, '.codex'),
  };
  for (const d of Object.values(env)) mkdirSync(d, { recursive: true });
  return { dir, env };
}

/**
 * What a person does once before Claude Code runs unattended (here offline, with an API key):
 * onboarding done and the custom key approved. Trust for gt's directories is gt's to settle.
 */
export function claudeDoneOnce(home: AgentHome, key = TEST_ANTHROPIC_KEY): void {
  const file = join(home.dir, '.claude.json');
  const cur = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(file, `${JSON.stringify({ ...cur, hasCompletedOnboarding: true, customApiKeyResponses: { approved: [key.slice(-20)], rejected: [] } }, null, 2)}\n`);
}

/** What a person does once for Codex here: a model provider (the scripted server) in config.toml. */
export function codexDoneOnce(home: AgentHome, baseUrl: string): void {
  mkdirSync(home.env.CODEX_HOME!, { recursive: true });
  writeFileSync(
    join(home.env.CODEX_HOME!, 'config.toml'),
    [
      'model = "gpt-5.1-codex"',
      'model_provider = "scripted"',
      '',
      '[model_providers.scripted]',
      'name = "gt scripted model"',
      `base_url = "${baseUrl}/v1"`,
      'wire_api = "responses"',
      '',
    ].join('\n'),
  );
}

/** Agent env for the town's daemon.json: where the CLIs find the model, and no traffic elsewhere. */
export function modelEnv(baseUrl: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: TEST_ANTHROPIC_KEY,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // A refused connection must end a turn in seconds, not after ten backed-off retries.
    CLAUDE_CODE_MAX_RETRIES: '1',
  };
}

/** The env every gt call of a real-agent test runs with: the temp HOME, and the CLIs on PATH. */
export function launcherEnv(home: AgentHome, extraPath: string[] = [AGENT_CLIS_BIN]): Record<string, string> {
  return { ...home.env, PATH: [...extraPath, process.env.PATH ?? '/usr/bin:/bin'].join(':') };
}

/** gt with the launcher env of a real-agent test. */
export function gtAs(env: Record<string, string>) {
  return (args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> => gt(args, { env, ...opts });
}
