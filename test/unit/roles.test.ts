import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROLES } from '../../internal/config/roles.js';
import { GtError } from '../../internal/errors.js';
import { packageRoot } from '../../internal/fsx/package-root.js';
import { townLayout } from '../../internal/town/layout.js';
import { ROLE_PATTERNS, isTownRole, needsName, workdir } from '../../internal/session/names.js';
import {
  INSTRUCTION_PLACEHOLDERS,
  loadAllRoleDefs,
  loadInstructions,
  loadRoleDef,
  placeholdersIn,
  renderInstructions,
} from '../../internal/session/roles.js';

test('every role has a valid definition that agrees with the naming code', () => {
  const defs = loadAllRoleDefs();
  for (const r of ROLES) {
    const d = defs[r];
    assert.is(d.name, r);
    assert.is(d.scope, ROLE_PATTERNS[r].scope);
    assert.is(d.session, ROLE_PATTERNS[r].session);
    assert.is(d.identity, ROLE_PATTERNS[r].identity);
    assert.is(d.workdir, ROLE_PATTERNS[r].workdir);
  }
});

test('supervision per role', () => {
  const defs = loadAllRoleDefs();
  for (const r of ['deacon', 'mayor', 'witness', 'refinery', 'polecat'] as const) assert.ok(defs[r].supervised, r);
  assert.not.ok(defs.crew.supervised, 'crew is never supervised');
  assert.not.ok(defs.boot.supervised, 'boot is not kept alive');
  assert.ok(defs.boot.short_lived, 'boot is short-lived triage');
  for (const r of ROLES) if (r !== 'boot') assert.not.ok(defs[r].short_lived, r);
});

test('workdirs are the town layout paths', () => {
  const L = townLayout('/t');
  const at = (w: string) => join('/t', w);
  assert.is(at(workdir('mayor')), L.mayorDir);
  assert.is(at(workdir('deacon')), L.deaconDir);
  assert.is(at(workdir('boot')), L.bootDir);
  assert.is(at(workdir('witness', { rig: 'r' })), L.witnessDir('r'));
  assert.is(at(workdir('refinery', { rig: 'r' })), L.refineryWorktree('r'));
  assert.is(at(workdir('polecat', { rig: 'r', name: 'n' })), L.polecatWorktree('r', 'n'));
  assert.is(at(workdir('crew', { rig: 'r', name: 'n' })), L.crewDir('r', 'n'));
});

test('instructions use only known placeholders that apply to the role, and mention gt commands', () => {
  for (const r of ROLES) {
    const text = loadInstructions(r);
    assert.ok(text.length > 500, `${r}: real instructions`);
    assert.ok(text.startsWith('# '), `${r}: starts with a heading`);
    const used = placeholdersIn(text);
    for (const p of used) assert.ok((INSTRUCTION_PLACEHOLDERS as readonly string[]).includes(p), `${r}: unknown {{${p}}}`);
    if (isTownRole(r)) assert.not.ok(used.includes('rig') || used.includes('prefix'), `${r}: town role uses {{rig}}`);
    if (!needsName(r)) assert.not.ok(used.includes('name'), `${r}: uses {{name}} but has no name`);
    assert.ok(used.includes('town') && used.includes('identity') && used.includes('session'), `${r}: says who and where`);
    assert.match(text, /`gt (mail|hook|done|handoff|agents|status)/, `${r}: tells how to use gt`);
  }
  assert.match(loadInstructions('deacon'), 'gt deacon heartbeat');
  assert.match(loadInstructions('polecat'), 'gt done');
  assert.match(loadInstructions('polecat'), 'gt hook');
  assert.match(loadInstructions('refinery'), 'gt mq process');
  assert.match(loadInstructions('mayor'), 'gt sling');
  assert.match(loadInstructions('witness'), 'CRASHED_POLECAT');
});

test('renderInstructions fills values, blanks absent ones, keeps unknown placeholders visible', () => {
  const out = renderInstructions('{{town}} {{ rig }} {{name}} {{identity}} {{session}} {{role}} {{prefix}} {{oops}}', {
    town: '/t',
    role: 'witness',
    identity: 'web/witness',
    session: 'wb-witness',
    rig: 'web',
  });
  assert.is(out, '/t web  web/witness wb-witness witness  {{oops}}');
  const polecat = renderInstructions(loadInstructions('polecat'), {
    town: '/t',
    role: 'polecat',
    identity: 'web/polecats/toast',
    session: 'wb-toast',
    rig: 'web',
    name: 'toast',
  });
  assert.not.match(polecat, /\{\{/);
  assert.match(polecat, '/t/web/polecats/toast');
});

test('a bad role.json is a ConfigError naming the file and field', () => {
  const root = mkdtempSync(join(tmpdir(), 'gt-roles-'));
  try {
    cpSync(join(packageRoot(), 'roles'), join(root, 'roles'), { recursive: true });
    const file = join(root, 'roles', 'witness', 'role.json');
    const orig = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const expectError = (patch: Record<string, unknown>, want: RegExp) => {
      writeFileSync(file, JSON.stringify({ ...orig, ...patch }));
      try {
        loadRoleDef('witness', root);
        assert.unreachable(`expected ConfigError for ${JSON.stringify(patch)}`);
      } catch (e) {
        assert.ok(e instanceof GtError && e.code === 'CONFIG_INVALID', String(e));
        assert.match((e as GtError).message, 'roles/witness/role.json');
        assert.match((e as GtError).message, want);
      }
    };
    expectError({ session: '{prefix}-watcher' }, /session/);
    expectError({ supervised: 'yes' }, /supervised/);
    expectError({ extra: 1 }, /unknown key "extra"/);
    expectError({ name: 'refinery', session: '{prefix}-refinery' }, /name/);
    expectError({ env: { 'A B': 'x' } }, /env/);
    writeFileSync(file, '{ nope');
    assert.throws(() => loadRoleDef('witness', root), /not valid JSON/);
    writeFileSync(file, JSON.stringify(orig));
    assert.is(loadRoleDef('witness', root).name, 'witness');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('first prompts start each role\'s loop; every placeholder known and filled; a person\'s crew gets none', async () => {
  const { firstPromptFor } = await import('../../internal/session/launch.js');
  const spec = (role: (typeof ROLES)[number]) => ({
    role,
    ...(isTownRole(role) ? {} : { rig: 'shop', prefix: 'sh' }),
    ...(needsName(role) ? { name: 'furiosa' } : {}),
    identity: 'id',
    session: 's',
    workdir: 'w',
  });
  const want: Record<string, RegExp> = {
    polecat: /`gt hook`[\s\S]*`gt done`/,
    deacon: /`gt deacon heartbeat`/,
    refinery: /`gt mq process shop`/,
    witness: /patrol of rig shop[\s\S]*`gt agents`/,
    mayor: /`gt status`/,
    boot: /triage/,
  };
  for (const r of ROLES) {
    const def = loadRoleDef(r);
    for (const ph of placeholdersIn(def.first_prompt ?? '')) assert.ok((INSTRUCTION_PLACEHOLDERS as readonly string[]).includes(ph), `${r}: {{${ph}}}`);
    const p = firstPromptFor('/town', spec(r) as never);
    if (r === 'crew') {
      assert.is(p, undefined);
      continue;
    }
    assert.match(p ?? '', want[r]!, r);
    assert.not.match(p ?? '', /\{\{/, `${r}: no placeholder left`);
  }
});

test.run();
