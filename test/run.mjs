#!/usr/bin/env node
// Runs every test file in its own Node process (real daemons, tmux servers and SQLite files
// must not leak between files), a few at a time, and ends with the line
// "N passed, N failed" that CI reads.
//
//   node test/run.mjs                 every file under test/
//   node test/run.mjs test/faults     only these files or folders
//   GT_TEST_JOBS=1 GT_TEST_TIMEOUT=600 node test/run.mjs
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const jobs = Math.max(1, Number(process.env.GT_TEST_JOBS ?? 2));
const timeoutMs = Number(process.env.GT_TEST_TIMEOUT ?? 600) * 1000;

function collect(p, out) {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const e of readdirSync(p).sort()) {
      if (e === 'node_modules' || e === 'helpers' || e === 'fixtures') continue;
      collect(join(p, e), out);
    }
  } else if (/\.test\.ts$/.test(p)) out.push(p);
  return out;
}

const targets = process.argv.slice(2);
const files = (targets.length ? targets : ['test']).flatMap((t) => collect(resolve(root, t), []));
// Slow suites first so the parallel slots stay busy to the end.
const weight = (f) => (f.includes('/faults/') ? 0 : f.includes('/e2e/') ? 1 : f.includes('/integration/') ? 2 : 3);
files.sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));

let passed = 0;
let failed = 0;
let skipped = 0;
const failedFiles = [];

function runFile(file) {
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let timedOut = false;
    let lingered = false;
    let linger;
    const watchSummary = () => {
      // uvu has printed its totals: the tests are over. A file whose process then stays alive
      // (a handle left open after a failure) is ended instead of blocking the run for minutes.
      if (!linger && /Duration:/.test(out)) {
        linger = setTimeout(() => {
          lingered = true;
          try { process.kill(-child.pid, 'SIGKILL'); } catch {}
        }, 15_000);
      }
    };
    child.stdout.on('data', (d) => ((out += d), watchSummary()));
    child.stderr.on('data', (d) => ((out += d), watchSummary()));
    const timer = setTimeout(() => {
      timedOut = true;
      // The file's own process group only: everything it started and nothing else.
      try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(linger);
      const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const skip = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
      let bad = Math.max(0, total - ok - skip);
      // Ended after its summary: judged by the summary; otherwise a bad exit is a failure.
      if ((code !== 0 || timedOut) && bad === 0 && !lingered) bad = 1; // crashed or hung outside a test
      if (total === 0 && bad === 0) bad = 1; // a file that ran no test is a failure
      passed += ok;
      failed += bad;
      skipped += skip;
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      const name = relative(root, file);
      const status = bad ? 'FAIL' : 'ok  ';
      process.stdout.write(`${status} ${name} (${ok} passed${bad ? `, ${bad} failed` : ''}${skip ? `, ${skip} skipped` : ''}, ${secs}s)${timedOut ? ' TIMED OUT' : ''}${lingered ? ' (ended: still running 15s after its summary)' : ''}${signal ? ` signal ${signal}` : ''}\n`);
      if (bad || process.env.GT_TEST_VERBOSE) {
        failedFiles.push(name);
        process.stdout.write(out.split('\n').map((l) => `    ${l}`).join('\n') + '\n');
      }
      done();
    });
  });
}

const queue = [...files];
await Promise.all(
  Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    while (queue.length) await runFile(queue.shift());
  }),
);
if (failedFiles.length) process.stdout.write(`\nfailed files:\n${failedFiles.map((f) => `  ${f}`).join('\n')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;
