/**
 * Re-capture the blocking-screen fixtures from the real agent CLIs (agent-clis/, `make agent-clis`):
 *
 *   node --import tsx scripts/capture-screens.ts [claude|codex|gemini|opencode ...] [--only SCENARIO,...] [--sizes 200x50,80x24] [--out DIR]
 *   make capture-screens
 *
 * Each CLI runs offline in a private tmux server (socket gt-fixture-<pid>) with a fresh HOME and
 * a clean environment, its auto-updater off, against a loopback fixture model; every screen a
 * scenario names (test/helpers/screen-scenarios.ts) is written to
 * test/fixtures/screens/<cli>@<version>/<screen>[@<W>x<H>].txt with an index.json saying how it
 * was made. Run it when a pinned CLI version changes, then `make test TESTS=test/unit/screens.test.ts`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Tmux, killServer } from '../internal/tmux/index.js';
import { socketPath } from '../internal/tmux/socket.js';
import { runScenario, stopRun, type Captured, type ScenarioRun } from '../test/helpers/screen-capture.js';
import { CLI_NAMES, SCENARIOS, cliVersion, type CliName, type Scenario } from '../test/helpers/screen-scenarios.js';
import { REPO } from '../test/helpers/town.js';

interface Args {
  clis: CliName[];
  /** Only these scenarios (by name); the index keeps the other screens' entries. */
  only?: string[];
  sizes: { width: number; height: number }[];
  out: string;
}

function parseArgs(argv: string[]): Args {
  const clis: CliName[] = [];
  let sizes = '200x50,80x24';
  let out = join(REPO, 'test', 'fixtures', 'screens');
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--sizes') sizes = argv[++i] ?? '';
    else if (a === '--out') out = argv[++i] ?? '';
    else if (a === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '-h' || a === '--help') {
      console.log('usage: capture-screens [claude|codex|gemini|opencode ...] [--only SCENARIO,...] [--sizes 200x50,80x24] [--out DIR]');
      process.exit(0);
    } else if ((CLI_NAMES as readonly string[]).includes(a)) clis.push(a as CliName);
    else {
      console.error(`capture-screens: unknown argument ${JSON.stringify(a)} (expected a CLI name: ${CLI_NAMES.join(', ')}, --sizes or --out)`);
      process.exit(2);
    }
  }
  const parsed = sizes.split(',').map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m || Number(m[1]) < 40 || Number(m[2]) < 10) {
      console.error(`capture-screens: bad size ${JSON.stringify(s)} (expected WIDTHxHEIGHT, at least 40x10)`);
      process.exit(2);
    }
    return { width: Number(m[1]), height: Number(m[2]) };
  });
  if (!out) {
    console.error('capture-screens: --out needs a directory');
    process.exit(2);
  }
  return { clis: clis.length ? clis : [...CLI_NAMES], sizes: parsed, out, ...(only ? { only } : {}) };
}

/** The main size's fixture is `<screen>.txt`; the others carry their size. */
function fixtureFile(screen: string, size: { width: number; height: number }, main: { width: number; height: number }): string {
  return size.width === main.width && size.height === main.height ? `${screen}.txt` : `${screen}@${size.width}x${size.height}.txt`;
}

/** Paths and URLs of one run, written as placeholders so the index reads the same every time. */
function placeholders(run: ScenarioRun, modelUrl: string): (s: string) => string {
  return (s) => s.split(run.home).join('$HOME').split(run.cwd).join('$PROJECT').split(modelUrl).join('$MODEL_URL').split(REPO).join('$REPO');
}

function readPreviousIndex(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as { screens?: unknown };
    return Array.isArray(v.screens) ? (v.screens as Record<string, unknown>[]) : [];
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const tmux = new Tmux(`gt-fixture-${process.pid}`, { timeoutMs: 20_000 });
  const dir = mkdtempSync(join(tmpdir(), 'gt-screens-'));
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await killServer(tmux).catch(() => undefined);
    rmSync(socketPath(tmux.socket), { force: true });
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      void cleanup().then(() => process.exit(130));
    });
  }
  const main = args.sizes[0]!;
  let failures = 0;
  try {
    for (const cli of args.clis) {
      const version = cliVersion(cli);
      const outDir = join(args.out, `${cli}@${version}`);
      mkdirSync(outDir, { recursive: true });
      // Screens this run does not re-capture (a failed run) keep their old entry.
      const entries: Record<string, unknown>[] = [];
      const previous = readPreviousIndex(join(outDir, 'index.json'));
      let n = 0;
      for (const scenario of SCENARIOS.filter((s: Scenario) => s.cli === cli && (!args.only || args.only.includes(s.name)))) {
        // The sizes of one scenario run side by side: same model answers, half the wall time.
        const results = await Promise.allSettled(
          args.sizes.map((size) => {
            n += 1;
            const runDir = join(dir, `${cli}-${scenario.name}-${size.width}x${size.height}`);
            return runScenario({ tmux, scenario, dir: runDir, session: `${cli}-${n}`, width: size.width, height: size.height, log: (l) => console.log(l) }).then((run) => ({ run, size }));
          }),
        );
        for (const r of results) {
          if (r.status === 'rejected') {
            failures += 1;
            console.error(`${cli}/${scenario.name}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
            continue;
          }
          const { run, size } = r.value;
          await stopRun(tmux, run);
          const ph = placeholders(run, run.model.url);
          for (const c of run.captures as Captured[]) {
            const file = fixtureFile(c.screen, size, main);
            writeFileSync(join(outDir, file), c.text.endsWith('\n') ? c.text : `${c.text}\n`);
            entries.push({
              file,
              screen: c.screen,
              expect: c.expect,
              note: c.note,
              scenario: scenario.name,
              width: c.width,
              height: c.height,
              captured_at: new Date(c.capturedAt).toISOString(),
              ...(c.expect === 'usage-limit' ? { reset_in_seconds: c.model.resetInSeconds } : {}),
              command: run.argv.map(ph),
              env: Object.fromEntries(Object.entries(run.env).map(([k, v]) => [k, ph(v)])),
              home_files: Object.fromEntries(Object.entries(run.files).map(([k, v]) => [`$HOME/${k}`, ph(v)])),
              ...(scenario.git ? { project: 'a fresh git repository' } : {}),
            });
          }
        }
        // Sessions of finished runs are not needed any more (each holds a whole CLI).
        await killServer(tmux);
      }
      for (const old of previous) if (!entries.some((e) => e.file === old.file)) entries.push(old);
      entries.sort((a, b) => String(a.file).localeCompare(String(b.file)));
      const index = {
        cli,
        version,
        binary: relative(REPO, join(REPO, 'agent-clis', 'node_modules', '.bin', cli)),
        captured_with: 'tmux capture-pane -p -J (plain text, wrapped lines joined, trailing spaces removed)',
        terminal: 'a tmux pane of the given width x height, TERM=tmux-256color, TZ=UTC, LANG=C.UTF-8',
        recapture: `node --import tsx scripts/capture-screens.ts ${cli}`,
        screens: entries,
      };
      writeFileSync(join(outDir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
      console.log(`${cli}@${version}: ${entries.length} screens in ${relative(REPO, outDir)}`);
    }
  } finally {
    await cleanup();
  }
  if (failures) {
    console.error(`${failures} run(s) failed; their fixtures were not written`);
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
