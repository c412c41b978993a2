/** Pure parts of internal/tmux and liveness: parsing, naming, quoting, theme, matching. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../internal/errors.js';
import { explainLiveness, liveness, settledLiveness } from '../../internal/agent/liveness.js';
import { processNamesOf } from '../../internal/agent/proctree.js';
import { compileProcessNames } from '../../internal/agent/process-names.js';
import { descendantPids, parseProcStat, type ProcInfo } from '../../internal/fsx/proc.js';
import { TmuxError } from '../../internal/tmux/errors.js';
import {
  SNAPSHOT_FORMAT,
  escapeFormat,
  hookShellCommand,
  hookTmuxCommand,
  paneTarget,
  parseSnapshot,
  rigColour,
  sessionTarget,
  themeFor,
  tmuxArg,
  tmuxQuote,
  townSocketName,
  validateSessionName,
  type Snapshot,
} from '../../internal/tmux/index.js';
import { tempDir } from '../helpers/town.js';

const SEP = '\x1f';
function line(f: Record<string, string>): string {
  const d: Record<string, string> = {
    session_name: 's',
    session_created: '100',
    session_activity: '200',
    window_index: '0',
    window_active: '1',
    window_activity: '150',
    pane_index: '0',
    pane_id: '%1',
    pane_active: '1',
    pane_pid: '1000',
    pane_dead: '0',
    pane_dead_status: '',
    pane_dead_signal: '',
    pid: '42',
    pane_current_command: 'bash',
    ...f,
  };
  return SNAPSHOT_FORMAT.replace(/#\{(\w+)\}/g, (_, k: string) => d[k] ?? '');
}

test('parseSnapshot: sessions, panes, dead status, server pid; junk lines skipped', () => {
  const text = [
    line({ session_name: 'b', pane_id: '%3', pane_pid: '30', window_index: '1', pane_current_command: 'claude' }),
    line({ session_name: 'a', pane_id: '%1', pane_pid: '10' }),
    line({ session_name: 'a', pane_id: '%2', pane_pid: '20', pane_index: '1', pane_active: '0', pane_dead: '1', pane_dead_status: '7' }),
    'garbage without separators',
    line({ session_name: 'c', pane_id: 'not-a-pane' }),
    line({ session_name: 'd', pane_id: '%9', pane_current_command: `weird${SEP}name` }),
    '',
  ].join('\n');
  const s = parseSnapshot(text, 5);
  assert.equal(s.ok, true);
  assert.equal(s.serverPid, 42);
  assert.equal(s.takenAt, 5);
  assert.equal(s.sessions.map((x) => x.name), ['a', 'b', 'd']);
  const a = s.sessions[0]!;
  assert.equal(a.created, 100);
  assert.equal(a.activity, 200);
  assert.equal(a.panes.map((p) => [p.paneId, p.pid, p.dead, p.deadStatus]), [
    ['%1', 10, false, undefined],
    ['%2', 20, true, 7],
  ]);
  assert.equal(s.sessions[1]!.panes[0]!.windowIndex, 1);
  assert.equal(s.sessions[1]!.panes[0]!.currentCommand, 'claude');
  assert.equal(s.sessions[2]!.panes[0]!.currentCommand, `weird${SEP}name`, 'the free-text last field keeps separators');
  assert.equal(parseSnapshot('').sessions, []);
});

test('session names: valid ones pass, hostile ones throw InvalidInputError', () => {
  for (const ok of ['hq-mayor', 'gt-witness', 'a', 'A_b-9']) assert.is(validateSessionName(ok), ok);
  for (const bad of ['a;rm -rf x', '$(id)', '`id`', "it's", '"q"', 'with space', 'ünï', 'a:b', 'a.b', '', '#{x}', 'x'.repeat(101), 'a\nb']) {
    assert.throws(() => validateSessionName(bad), (e: unknown) => e instanceof InvalidInputError);
  }
  assert.is(sessionTarget('ab'), '=ab');
  assert.is(paneTarget('%12'), '%12');
  assert.is(paneTarget('ab'), '=ab:');
  assert.throws(() => paneTarget('%1;x'), (e: unknown) => e instanceof InvalidInputError);
});

test('socket name: gt-<basename>-<6 hex>, stable, real path, override', () => {
  const d = tempDir();
  const town = join(d, 'my town!');
  mkdirSync(town);
  const link = join(d, 'link');
  symlinkSync(town, link);
  const s = townSocketName(town, {});
  assert.match(s, /^gt-my_town_-[0-9a-f]{6}$/);
  assert.is(townSocketName(town, {}), s, 'stable');
  assert.is(townSocketName(link, {}), s, 'a symlink names the same town');
  assert.is.not(townSocketName(join(d, 'other'), {}), s);
  assert.is(townSocketName(town, { GT_TMUX_SOCKET: 'custom-sock' }), 'custom-sock');
  assert.throws(() => townSocketName(town, { GT_TMUX_SOCKET: '../evil' }), (e: unknown) => e instanceof InvalidInputError);
});

test('tmuxArg escapes a trailing ";" only; tmuxQuote and escapeFormat', () => {
  assert.is(tmuxArg('a;'), 'a\\;');
  assert.is(tmuxArg(';'), '\\;');
  assert.is(tmuxArg('a\\;'), 'a\\\\;');
  assert.is(tmuxArg('a;b'), 'a;b');
  assert.is(tmuxQuote("it's"), "'it'\\''s'");
  assert.throws(() => tmuxQuote('a\nb'), (e: unknown) => e instanceof InvalidInputError);
  assert.is(escapeFormat('#{x} ##'), '##{x} ####');
});

test('hook command: quoted argv, format-escaped, session/pane from tmux-escaped formats', () => {
  const cmd = hookShellCommand(['/usr/bin/node', "/opt/gt #1/it's main.js", 'daemon', 'notify', '--town', '/t'], 'session-closed');
  assert.is(
    cmd,
    `'/usr/bin/node' '/opt/gt ##1/it'\\''s main.js' 'daemon' 'notify' '--town' '/t' --event=session-closed --session=#{q:hook_session_name} --pane=#{q:hook_pane}`,
  );
  assert.ok(hookTmuxCommand(['/bin/true'], 'pane-exited').startsWith("run-shell -b '"));
  for (const bad of [[], ['a\nb'], ['']]) assert.throws(() => hookShellCommand(bad, 'pane-exited'), (e: unknown) => e instanceof InvalidInputError);
});

test('theme: stable per rig, role icons, escaped label', () => {
  assert.is(rigColour('gastown'), rigColour('gastown'));
  const colours = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(rigColour));
  assert.ok(colours.size >= 3, 'rigs spread over the palette');
  const th = themeFor({ rig: 'gastown', role: 'refinery', label: 'x#y' });
  assert.ok(th.statusStyle.includes(`colour${rigColour('gastown')}`));
  assert.ok(th.statusLeft.includes('🏭'));
  assert.ok(th.statusLeft.includes('x##y'));
  assert.is.not(themeFor({ role: 'mayor' }).statusStyle, th.statusStyle, 'town sessions have the town colour');
});

test('TmuxError carries argv, exit code, stderr, timedOut', () => {
  const e = new TmuxError('x', { argv: ['tmux', '-L', 's', 'ls'], exitCode: 1, stderr: 'no server running on /tmp/x', timedOut: false, socket: 's' });
  assert.is(e.code, 'TMUX_FAILED');
  assert.equal(e.argv, ['tmux', '-L', 's', 'ls']);
  assert.is(e.tmuxExitCode, 1);
  assert.ok(e.noServer);
  assert.equal(e.toJSON().argv, ['tmux', '-L', 's', 'ls']);
});

function proc(pid: number, ppid: number, comm: string, cmdline: string[] = [comm], state = 'S'): ProcInfo {
  return { pid, ppid, comm, state, startTime: pid * 10, cmdline };
}

test('process names: exact, <version>, glob, comm truncation, interpreters', () => {
  const m = compileProcessNames(['claude', '<version>', 'a-very-long-agent-name', 'gem*']);
  assert.ok(m('claude'));
  assert.ok(m('2.1.197'));
  assert.not.ok(m('2.1'));
  assert.ok(m('a-very-long-age'), '15-byte comm of a long name');
  assert.ok(m('gemini'));
  assert.not.ok(m('claudex'));
  assert.not.ok(compileProcessNames(['claude'])('2.1.197'));
  assert.equal(processNamesOf(proc(1, 0, 'node', ['node', '--import', 'tsx', '/x/gt-sim.ts'])).includes('gt-sim'), true);
  assert.equal(processNamesOf(proc(1, 0, 'sh', ['sh', '-c', 'claude'])).includes('claude'), false, 'inline code names no program');
});

test('descendantPids and parseProcStat', () => {
  const table = new Map([proc(1, 0, 'init'), proc(10, 1, 'sh'), proc(11, 10, 'node'), proc(12, 11, 'x'), proc(20, 1, 'other')].map((p) => [p.pid, p]));
  assert.equal(descendantPids(table, [10]), [10, 11, 12]);
  assert.equal(descendantPids(table, [99]), []);
  const st = parseProcStat(5, '5 (a (b) c) S 1 5 5 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0');
  assert.equal(st, { pid: 5, ppid: 1, comm: 'a (b) c', state: 'S', startTime: 777 });
});

function snapOf(panes: Array<{ session?: string; pid: number; cmd: string; dead?: boolean }>): Snapshot {
  const text = panes
    .map((p, i) => line({ session_name: p.session ?? 's', pane_id: `%${i}`, pane_index: String(i), pane_pid: String(p.pid), pane_current_command: p.cmd, pane_dead: p.dead ? '1' : '0' }))
    .join('\n');
  return parseSnapshot(text);
}

test('liveness rules on a fake snapshot and process table', () => {
  const table = new Map(
    [
      proc(100, 1, 'bash'),
      proc(101, 100, 'claude'),
      proc(200, 1, 'bash'),
      proc(201, 200, 'vim'),
      proc(300, 1, 'sh'),
      proc(301, 300, 'claude', [], 'Z'),
      proc(400, 1, 'node', ['node', '/opt/gt/gt-sim.js']),
    ].map((p) => [p.pid, p]),
  );
  const names = ['claude', '<version>'];
  assert.is(liveness(snapOf([{ pid: 100, cmd: 'bash' }]), 's', names, table), 'alive');
  assert.is(liveness(snapOf([{ pid: 999, cmd: '2.1.197' }]), 's', names, () => assert.unreachable('fast path reads no /proc') as never), 'alive');
  assert.is(liveness(snapOf([{ pid: 200, cmd: 'bash' }]), 's', names, table), 'zombie', 'another program is not the agent');
  assert.is(liveness(snapOf([{ pid: 300, cmd: 'sh' }]), 's', names, table), 'zombie', 'a zombie process is not alive');
  assert.is(liveness(snapOf([{ pid: 101, cmd: 'claude', dead: true }]), 's', names, table), 'zombie', 'dead pane');
  assert.is(liveness(snapOf([{ pid: 555, cmd: '' }]), 's', names, table), 'zombie', 'nothing left');
  assert.is(liveness(snapOf([{ pid: 200, cmd: 'bash' }, { pid: 100, cmd: 'bash' }]), 's', names, table), 'alive', 'second pane');
  assert.is(liveness(snapOf([{ pid: 400, cmd: 'node' }]), 's', ['gt-sim'], table), 'alive', 'interpreter script name');
  assert.is(liveness(snapOf([{ session: 'ab', pid: 100, cmd: 'claude' }]), 'a', names, table), 'dead', 'exact session name');
  const failed: Snapshot = { ok: false, error: new TmuxError('x', { argv: [], exitCode: 1, stderr: 'boom', timedOut: false, socket: 's' }), takenAt: 0 };
  assert.is(liveness(failed, 's', names, table), 'unknown');
  assert.match(explainLiveness(snapOf([{ pid: 200, cmd: 'bash' }]), 's', names, table).reason, /vim/);
});

test('startup grace: a young zombie is unknown (left alone), an old one a zombie; other states untouched', () => {
  const taken = 1_000_000_000_000;
  const at = (createdSec: number, cmd = 'sh'): Snapshot => parseSnapshot(line({ session_created: String(createdSec), pane_current_command: cmd }), taken);
  const none = new Map();
  const settled = (snap: Snapshot, session = 's') => settledLiveness(snap, session, ['gt-sim'], none, 5_000);
  const young = at(taken / 1000 - 2);
  const old = at(taken / 1000 - 6);
  assert.equal([settled(young).state, settled(young).graceEnds], ['unknown', taken + 3_000]);
  assert.match(settled(young).reason, /^starting \(session 2s old/);
  assert.equal([settled(old).state, settled(old).graceEnds], ['zombie', undefined]);
  assert.is(settled(at(taken / 1000 - 1, 'gt-sim')).state, 'alive');
  assert.is(settled(young, 'other').state, 'dead');
  const failed: Snapshot = { ok: false, error: new TmuxError('x', { argv: [], exitCode: 1, stderr: 'boom', timedOut: false, socket: 's' }), takenAt: taken };
  assert.equal([settled(failed).state, settled(failed).graceEnds], ['unknown', undefined]);
});

test.run();
