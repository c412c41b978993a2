import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileLogger } from '../../internal/daemon/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'gt-logger-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('one line per event with ISO time and level; newlines are folded', () => {
  const path = join(dir, 'a.log');
  const log = createFileLogger(path, { maxBytes: 10_000, keep: 2 });
  log.info('hello');
  log.warn('two\nlines');
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  assert.is(lines.length, 2);
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  hello$/);
  assert.match(lines[1]!, /WARN  two \| lines$/);
});

test('rotation keeps the live file and archives within maxBytes * (keep + 1)', () => {
  const path = join(dir, 'b.log');
  const log = createFileLogger(path, { maxBytes: 2_000, keep: 3 });
  for (let i = 0; i < 5_000; i++) log.warn(`warning number ${i} ${'x'.repeat(i % 50)}`);
  const files = readdirSync(dir).filter((f) => f.startsWith('b.log'));
  assert.equal(files.sort(), ['b.log', 'b.log.1', 'b.log.2', 'b.log.3']);
  let total = 0;
  for (const f of files) {
    const size = statSync(join(dir, f)).size;
    assert.ok(size <= 2_000, `${f} is ${size} bytes`);
    total += size;
  }
  assert.ok(total <= 8_000);
  assert.match(readFileSync(path, 'utf8'), /warning number 4999/, 'the newest line is in the live file');
});

test('keep 0 keeps only the live file; a line longer than the budget is cut', () => {
  const path = join(dir, 'c.log');
  const log = createFileLogger(path, { maxBytes: 300, keep: 0 });
  for (let i = 0; i < 100; i++) log.info(`line ${i}`);
  log.error('y'.repeat(1000));
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('c.log')), ['c.log']);
  assert.ok(statSync(path).size <= 300);
});

test.run();
