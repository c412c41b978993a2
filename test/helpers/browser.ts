/**
 * The dashboard's browser tests: Debian's Chromium (installed by `make test`) driven headless by
 * Playwright, and a dashboard served for a temp town. Screenshots go to test-artifacts/ (ignored
 * by git) for people to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { gt, REPO } from './town.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(REPO, 'test-artifacts', 'dashboard');

/** Flags that work here as root, headless, with no network beyond loopback. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** A fresh headless Chromium (Playwright gives each launch its own new --user-data-dir). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: 'make test' installs it (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 60_000 });
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

export interface Dashboard {
  pid: number;
  url: string;
  openUrl: string;
  token: string;
  port: number;
}

/** `gt dashboard --json` for the town (starts it when needed). */
export async function startDashboard(town: string, ...flags: string[]): Promise<Dashboard> {
  const r = await gt(['dashboard', '--json', '--town', town, ...flags]);
  if (r.code !== 0) throw new Error(`gt dashboard failed (${r.code}): ${r.stderr}${r.stdout}`);
  const j = JSON.parse(r.stdout) as { pid: number; url: string; open_url: string; token: string; port: number };
  return { pid: j.pid, url: j.url, openUrl: j.open_url, token: j.token, port: j.port };
}

export async function stopDashboard(town: string): Promise<void> {
  await gt(['dashboard', '--stop', '--town', town]).catch(() => undefined);
}
