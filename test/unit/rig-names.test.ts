import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GtError } from '../../internal/errors.js';
import { derivePrefix, prefixCandidates, validatePrefix, validateRigName } from '../../internal/rig/names.js';
import { resolveSource } from '../../internal/rig/source.js';
import { PREFIX_RE } from '../../internal/names.js';

function errorOf(fn: () => unknown): GtError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GtError, `not a GtError: ${String(e)}`);
    assert.not.match((e as GtError).line, '\n');
    return e as GtError;
  }
  throw new Error('expected an error');
}

test('rig names: valid names pass, bad and reserved names are refused', () => {
  for (const ok of ['myproj', 'my-proj', 'a_b', 'R2d2']) assert.is(validateRigName(ok), ok);
  for (const bad of ['', '-x', 'a b', 'a/b', '../x', 'x;rm', 'a'.repeat(64)]) assert.is(errorOf(() => validateRigName(bad)).code, 'INVALID_INPUT', bad);
  for (const reserved of ['mayor', 'settings', 'daemon', 'deacon', 'Mayor', 'DEACON']) {
    const e = errorOf(() => validateRigName(reserved));
    assert.match(e.message, 'taken by the town', reserved);
  }
});

test('prefix candidates: initials first, then beginnings, all valid', () => {
  assert.is(prefixCandidates('my-cool-app')[0], 'mca');
  assert.is(prefixCandidates('gastown')[0], 'ga');
  assert.is(prefixCandidates('gastown')[1], 'gas');
  assert.is(prefixCandidates('9lives')[0], 'li');
  assert.is(prefixCandidates('123')[0], 'r');
  for (const n of ['my-cool-app', 'gastown', 'X', '9', 'a_b_c_d_e_f_g_h_i_j_k_l']) {
    const c = prefixCandidates(n);
    assert.ok(c.length > 5, n);
    for (const p of c) assert.ok(PREFIX_RE.test(p), `${n}: ${p}`);
    assert.is(new Set(c).size, c.length, `${n}: no duplicates`);
  }
});

test('derivePrefix skips reserved and used prefixes', () => {
  assert.is(derivePrefix('hq-stuff', new Map()), 'hs');
  assert.is(derivePrefix('hq', new Map()), 'hq2', 'hq is reserved');
  assert.is(derivePrefix('my-proj', new Map([['mp', 'other']])), 'my');
  assert.is(derivePrefix('my-proj', new Map([['mp', 'a'], ['my', 'b']])), 'myp');
  assert.is(derivePrefix('msg', new Map()), 'ms', 'msg is reserved');
});

test('validatePrefix: form, reserved and duplicate', () => {
  assert.is(validatePrefix('ab1', new Map()), 'ab1');
  assert.match(errorOf(() => validatePrefix('Ab', new Map())).message, 'invalid prefix');
  assert.match(errorOf(() => validatePrefix('a-b', new Map())).message, 'invalid prefix');
  assert.match(errorOf(() => validatePrefix('hq', new Map())).message, 'reserved');
  assert.match(errorOf(() => validatePrefix('ab', new Map([['ab', 'other']]))).message, 'already used by rig other');
});

test('resolveSource: local dirs become absolute, URLs pass, option look-alikes are refused', () => {
  const d = mkdtempSync(join(tmpdir(), 'gt-rig-src-'));
  try {
    assert.is(resolveSource('.', d), d);
    assert.is(resolveSource(d), d);
    assert.is(resolveSource('https://example.com/o/r.git'), 'https://example.com/o/r.git');
    assert.is(resolveSource('git@example.com:o/r.git'), 'git@example.com:o/r.git');
    assert.match(errorOf(() => resolveSource('--upload-pack=touch /tmp/x')).message, 'starts with "-"');
    assert.match(errorOf(() => resolveSource('ext::sh -c touch% /tmp/x')).message, 'not a directory and not a git URL');
    assert.match(errorOf(() => resolveSource(join(d, 'missing'))).message, 'not a directory');
    assert.is(errorOf(() => resolveSource('  ')).code, 'INVALID_INPUT');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test.run();
