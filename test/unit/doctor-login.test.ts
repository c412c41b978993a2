/**
 * gt doctor's login line from what was seen (pure): the screens that stop an agent before it can
 * work fail, naming the session or the probe and how a person fixes it; a usage limit or another
 * dialog warns; an agent at its prompt or at a tool's permission prompt is past its login; a probe
 * that exits, times out or cannot start says so. And the probe's env is layered as launchAgent's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loginLine } from '../../internal/doctor/checks/login.js';
import { probeEnv, type ProbeOutcome } from '../../internal/doctor/login-probe.js';
import type { ScreenKind } from '../../internal/agent/screens/index.js';

const v = (kind: ScreenKind, reason = `the ${kind} screen`) => ({ kind, reason });
const probe = (outcome: ProbeOutcome) =>
  loginLine('claude', { source: 'probe', command: 'claude', home: '/home/me', outcome });

test('a running agent at a sign-in, API-key, trust or bypass screen: fail, naming it and gt attach', () => {
  for (const kind of ['login', 'api-key', 'trust', 'bypass-confirm'] as const) {
    const l = loginLine('claude', { source: 'agents', sessions: [{ session: 'hq-deacon', verdict: null }, { session: 'hq-mayor', verdict: v(kind) }, { session: 'sh-witness', verdict: v('login') }] });
    assert.is(l.status, 'fail', kind);
    assert.is(l.check, 'login:claude');
    assert.is(l.what, `hq-mayor is at the ${kind} screen (and sh-witness)`);
    assert.match(l.hint!, /^gt attach hq-mayor and finish it/);
    assert.is(l.fix, undefined, 'a login is never a --fix');
  }
});

test('running agents past their login: ok (a permission prompt mentioned); usage limit, other dialog, unreadable: warn', () => {
  const ok = loginLine('codex', { source: 'agents', sessions: [{ session: 'hq-mayor', verdict: null }, { session: 'hq-deacon', verdict: v('permission', "Codex's permission prompt") }] });
  assert.is(ok.status, 'ok');
  assert.is(ok.what, "logged in and past its first-run screens: hq-mayor, hq-deacon show no sign-in or first-run screen (hq-deacon waits at Codex's permission prompt; see gt agents)");
  assert.is(loginLine('codex', { source: 'agents', sessions: [{ session: 'hq-mayor', verdict: v('usage-limit') }] }).status, 'warn');
  assert.match(loginLine('codex', { source: 'agents', sessions: [{ session: 'hq-mayor', verdict: v('dialog') }] }).what, /cannot tell its login state past it/);
  const unread = loginLine('codex', { source: 'agents', sessions: [{ session: 'hq-mayor', verdict: undefined }] });
  assert.is(unread.status, 'warn');
  assert.match(unread.what, /cannot read the screen of hq-mayor/);
});

test('probe outcomes: prompt ok; first-run screen or exit fail; usage limit, dialog, timeout, error warn; skipped warn', () => {
  const ok = probe({ kind: 'prompt' });
  assert.is(ok.status, 'ok');
  assert.is(ok.what, 'logged in and past its first-run screens: claude started as the daemon would (HOME=/home/me) reached its prompt');
  const login = probe({ kind: 'screen', verdict: v('login', 'Claude Code\'s "Not logged in · Run /login" prompt'), screen: '' });
  assert.is(login.status, 'fail');
  assert.is(login.what, 'claude started as the daemon would (HOME=/home/me) stops at Claude Code\'s "Not logged in · Run /login" prompt');
  assert.match(login.hint!, /^run claude once by hand as the daemon would \(HOME=\/home\/me, the same env\)/);
  assert.is(probe({ kind: 'screen', verdict: v('usage-limit'), screen: '' }).status, 'warn');
  assert.is(probe({ kind: 'screen', verdict: v('dialog'), screen: '' }).status, 'warn');
  const exited = probe({ kind: 'exited', status: 1, output: 'Welcome\n\n Unable to connect to Anthropic services\n Failed to connect: ENOTFOUND\nPane is dead (status 1)\n' });
  assert.is(exited.status, 'fail');
  assert.is(exited.what, 'claude started as the daemon would (HOME=/home/me) exited with status 1 before its prompt: Welcome | Unable to connect to Anthropic services | Failed to connect: ENOTFOUND');
  const timeout = probe({ kind: 'timeout', ms: 25_400, screen: 'Loading\x1b[0m…' });
  assert.is(timeout.status, 'warn');
  assert.match(timeout.what, /^cannot tell: .* showed neither its prompt nor a known screen within 25 s \(last: Loading…\)$/);
  assert.is(probe({ kind: 'error', message: 'claude is not on the PATH' }).status, 'warn');
  const skipped = loginLine('claude', { source: 'none' });
  assert.is(skipped.status, 'warn');
  assert.match(skipped.hint!, /without --no-probe/);
});

test("the probe's env: inherited < PATH < daemon.json env < the runtime's; no town or tmux markers; bad names dropped", () => {
  const env = probeEnv(
    {
      inherited: { HOME: '/home/me', PATH: '/old', GT_TOWN_ROOT: '/town', GT_SESSION: 'hq-mayor', TMUX: '/tmp/x,1,0', BD_ACTOR: 'mayor', 'BAD-NAME': 'x', KEEP: 'a', OVER: 'inherited' },
      daemonEnv: { OVER: 'daemon', ANTHROPIC_API_KEY: 'k', GT_ROLE: 'mayor' },
      searchPath: '/agent/bin:/usr/bin',
    },
    { DISABLE_AUTOUPDATER: '1', OVER: 'runtime' },
  );
  assert.equal(env, { HOME: '/home/me', PATH: '/agent/bin:/usr/bin', KEEP: 'a', OVER: 'runtime', ANTHROPIC_API_KEY: 'k', DISABLE_AUTOUPDATER: '1' });
});

test("a CI runner's CI=true is not inherited (it would make a CLI with no first prompt non-interactive); set in daemon.json it is kept", () => {
  const inherited = probeEnv({ inherited: { HOME: '/h', CI: 'true' }, daemonEnv: {}, searchPath: '/usr/bin' }, {});
  assert.equal(inherited, { HOME: '/h', PATH: '/usr/bin' });
  const chosen = probeEnv({ inherited: { HOME: '/h' }, daemonEnv: { CI: '1' }, searchPath: '/usr/bin' }, {});
  assert.is(chosen.CI, '1');
});

test.run();
