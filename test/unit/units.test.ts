import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDuration, parseDuration, parseSize } from '../../internal/config/units.js';

test('durations people write parse to milliseconds', () => {
  assert.is(parseDuration('500ms'), 500);
  assert.is(parseDuration('30s'), 30_000);
  assert.is(parseDuration('3m'), 180_000);
  assert.is(parseDuration('1h'), 3_600_000);
  assert.is(parseDuration('1h30m'), 5_400_000);
  assert.is(parseDuration('1.5s'), 1_500);
  assert.is(parseDuration(' 2d '), 172_800_000);
});

test('anything else is not a duration', () => {
  for (const bad of ['', '3', 'm', '3 m', 'fast', '-1s', '3mm', '1h 30m', '1y']) {
    assert.is(parseDuration(bad), undefined, bad);
  }
});

test('sizes parse to bytes', () => {
  assert.is(parseSize('10MB'), 10 * 1024 * 1024);
  assert.is(parseSize('512KB'), 512 * 1024);
  assert.is(parseSize('1gb'), 1024 ** 3);
  assert.is(parseSize('4096'), 4096);
  assert.is(parseSize('10 MB'), 10 * 1024 * 1024);
  assert.is(parseSize('ten'), undefined);
  assert.is(parseSize('10XB'), undefined);
});

test('formatDuration is readable and round-trips whole units', () => {
  assert.is(formatDuration(180_000), '3m');
  assert.is(formatDuration(5_400_000), '1h30m');
  assert.is(formatDuration(250), '250ms');
  assert.is(parseDuration(formatDuration(93_000)), 93_000);
});

test.run();
