/**
 * The notifier against real sinks: a webhook on a loopback HTTP server this test runs, and a real
 * command. One POST per episode; failures retried with backoff then given up, logged; a hanging
 * webhook ended by the timeout; the rate limit spreads a burst; the queue stays bounded; notify()
 * returns before anything is sent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Notifier, type NotifierOptions } from '../../internal/notify/notifier.js';
import { WebhookSink } from '../../internal/notify/webhook-sink.js';
import { CommandSink } from '../../internal/notify/command-sink.js';
import { notifierFromSettings } from '../../internal/notify/from-settings.js';
import { settingsSchema } from '../../internal/config/settings.js';
import { tempDir, waitFor } from '../helpers/town.js';

type Mode = 'ok' | 'fail' | 'hang';
interface Hit {
  at: number;
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
}
let server: http.Server;
let url: string;
let mode: Mode = 'ok';
let hits: Hit[] = [];
const hanging = new Set<http.ServerResponse>();

test.before(async () => {
  server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      hits.push({ at: Date.now(), body: JSON.parse(data), headers: req.headers });
      if (mode === 'hang') hanging.add(res);
      else if (mode === 'fail') res.writeHead(500).end('boom');
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
});
test.after(async () => {
  for (const r of hanging) r.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const lines: string[] = [];
const log = { info: (m: string) => lines.push(`INFO ${m}`), warn: (m: string) => lines.push(`WARN ${m}`), error: (m: string) => lines.push(`ERROR ${m}`) };
function notifier(o: Partial<NotifierOptions> = {}): Notifier {
  return new Notifier({
    town: '/town',
    sinks: [new WebhookSink({ url, format: 'json', headers: { 'x-token': 'secret' } })],
    timeoutMs: 2_000,
    rate: { count: 100, perMs: 1_000 },
    retry: { attempts: 3, initialMs: 100, maxMs: 1_000 },
    queueMax: 50,
    dedupMs: 3_600_000,
    log,
    ...o,
  });
}
const reset = (m: Mode) => {
  mode = m;
  hits = [];
  lines.length = 0;
};
const ev = (key: string, kind = 'CRASH_LOOP') => ({ kind, key, title: `${key} in trouble`, message: `details about ${key}` });

test('exactly one POST per episode; a resolved episode notifies again; payload is JSON with a text line', async () => {
  reset('ok');
  const n = notifier();
  const outcomes = [1, 2, 3, 4, 5].map(() => n.notify(ev('mayor')));
  // Returned before anything went out: notify never waits for a sink.
  assert.is(hits.length, 0);
  assert.equal(outcomes, ['queued', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
  await n.idle();
  assert.is(hits.length, 1);
  const b = hits[0]!.body;
  assert.is(b.kind, 'CRASH_LOOP');
  assert.is(b.key, 'mayor');
  assert.is(b.town, '/town');
  assert.match(String(b.text), /^gt CRASH_LOOP: mayor in trouble\ndetails about mayor$/);
  assert.is(hits[0]!.headers['content-type'], 'application/json');
  assert.is(hits[0]!.headers['x-token'], 'secret');
  assert.is(n.notify(ev('deacon')), 'queued', 'another key is another episode');
  await n.idle();
  assert.is(hits.length, 2);
  n.resolve('CRASH_LOOP', 'mayor');
  assert.is(n.notify(ev('mayor')), 'queued');
  await n.idle();
  assert.is(hits.length, 3);
  assert.ok(lines.some((l) => /INFO notify: sent CRASH_LOOP "mayor in trouble" via webhook/.test(l)));
  n.close();
});

test('a failing webhook is retried with backoff, then given up; every failure logged and counted', async () => {
  reset('fail');
  const results: string[] = [];
  const n = notifier({ onResult: (r) => results.push(r.result) });
  n.notify(ev('witness', 'NEEDS_HUMAN'));
  await n.idle();
  assert.is(hits.length, 3, 'three attempts');
  // Backoff: 100ms then 200ms between attempts (lower bounds only).
  assert.ok(hits[1]!.at - hits[0]!.at >= 90, `${hits[1]!.at - hits[0]!.at}`);
  assert.ok(hits[2]!.at - hits[1]!.at >= 190, `${hits[2]!.at - hits[1]!.at}`);
  assert.equal(results, ['failed', 'failed', 'gave_up']);
  assert.ok(lines.some((l) => /WARN notify: NEEDS_HUMAN "witness in trouble" via webhook failed \(attempt 1 of 3\): HTTP 500.*retrying in 100ms/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /ERROR notify: gave up on NEEDS_HUMAN .* after 3 attempts: HTTP 500/.test(l)));
  n.close();
});

test('a hanging webhook is cut off by the timeout; close() ends what is in flight', async () => {
  reset('hang');
  const n = notifier({ timeoutMs: 300, retry: { attempts: 2, initialMs: 50, maxMs: 50 } });
  n.notify(ev('refinery'));
  await waitFor('two attempts, each timed out', () => lines.some((l) => /gave up on CRASH_LOOP .* after 2 attempts: no answer within 300ms/.test(l)), 10_000);
  assert.is(hits.length, 2);
  assert.is(n.pending, 0);
  // A new one hangs; close() aborts it at once.
  n.notify(ev('other'));
  await waitFor('third request arrived', () => hits.length === 3, 5_000);
  assert.is(n.pending, 1);
  n.close();
  await n.idle();
  assert.is(n.notify(ev('late')), 'closed');
});

test('the rate limit spreads a burst; nothing is lost', async () => {
  reset('ok');
  const n = notifier({ rate: { count: 2, perMs: 1_000 } });
  for (let i = 0; i < 5; i++) n.notify(ev(`agent${i}`));
  await n.idle();
  assert.is(hits.length, 5);
  const t0 = hits[0]!.at;
  // Two at once, then one per refill of half a second (lower bounds: load only delays them more).
  assert.ok(hits[2]!.at - t0 >= 400, `third after ${hits[2]!.at - t0}ms`);
  assert.ok(hits[4]!.at - t0 >= 1_400, `fifth after ${hits[4]!.at - t0}ms`);
  n.close();
});

test('the queue is bounded: beyond queue_max the oldest waiting event is dropped and logged', async () => {
  reset('hang');
  const dropped: string[] = [];
  const n = notifier({ queueMax: 3, maxInFlight: 1, timeoutMs: 10_000, onResult: (r) => r.result === 'dropped' && dropped.push(r.kind) });
  for (let i = 0; i < 10; i++) n.notify(ev(`a${i}`));
  assert.ok(n.pending <= 4, `pending ${n.pending}`);
  assert.is(dropped.length, 6);
  assert.ok(lines.some((l) => /WARN notify: queue full \(3\); dropped CRASH_LOOP "a1 in trouble"/.test(l)), lines.join('\n'));
  n.close();
  assert.ok(lines.some((l) => /3 notification\(s\) not sent: the daemon is stopping/.test(l)));
});

test('a command sink: argv placeholders (no shell), the event as JSON on stdin and in env; failure retried', async () => {
  reset('ok');
  const dir = tempDir('gt-notify-cmd-');
  const out = join(dir, 'out.json');
  const script = `const fs=require('fs');const input=fs.readFileSync(0,'utf8');fs.appendFileSync(${JSON.stringify(out)}, JSON.stringify({argv:process.argv.slice(1),stdin:JSON.parse(input),kind:process.env.GT_NOTIFY_KIND})+'\\n');process.exit(process.argv[1]==='fail'?1:0)`;
  const n = notifier({ sinks: [new CommandSink([process.execPath, '-e', script, '{severity}', 'title={title}; $(touch /tmp/pwned)'])] });
  n.notify({ ...ev('mayor'), title: 'mayor `rm -rf` $HOME' });
  await n.idle();
  const rec = JSON.parse(readFileSync(out, 'utf8').trim());
  assert.equal(rec.argv, ['warning', 'title=mayor `rm -rf` $HOME; $(touch /tmp/pwned)']);
  assert.is(rec.stdin.kind, 'CRASH_LOOP');
  assert.is(rec.kind, 'CRASH_LOOP');
  const failing = notifier({ sinks: [new CommandSink([process.execPath, '-e', script, 'fail'])], retry: { attempts: 2, initialMs: 20, maxMs: 20 } });
  failing.notify(ev('x'));
  await failing.idle();
  assert.is(readFileSync(out, 'utf8').trim().split('\n').length, 3, 'one delivery, then two failing attempts');
  assert.ok(lines.some((l) => /gave up on CRASH_LOOP "x in trouble" via command after 2 attempts: .* exited 1/.test(l)), lines.join('\n'));
  n.close();
  failing.close();
});

test('from settings: no sink = nothing sent; webhook shorthand, ntfy form; kinds filter', async () => {
  reset('ok');
  const off = notifierFromSettings(settingsSchema.parse({}).notify, { town: '/t', log });
  assert.is(off.notify(ev('a')), 'no-sink');
  const s = settingsSchema.parse({ notify: { webhook: { url, format: 'ntfy', topic: 'gt-alerts' }, events: ['QUESTION'] } }).notify;
  const n = notifierFromSettings(s, { town: '/t', log });
  assert.is(n.notify(ev('a')), 'filtered');
  assert.is(n.notify({ ...ev('q1', 'QUESTION'), severity: 'critical' }), 'queued');
  await n.idle();
  assert.equal(hits[0]!.body, { topic: 'gt-alerts', title: 'gt QUESTION: q1 in trouble', message: 'details about q1', priority: 5, tags: ['question'] });
  n.close();
  assert.is(settingsSchema.parse({ notify: { webhook: url } }).notify.webhook!.format, 'json');
  assert.throws(() => settingsSchema.parse({ notify: { webhook: 'file:///etc/passwd' } }));
  assert.throws(() => settingsSchema.parse({ notify: { webhook: { url, format: 'ntfy' } } }));
});

test.run();
