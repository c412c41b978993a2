/**
 * gt's git calls from inside an agent CLI's shell: Gemini CLI runs every command with git settings
 * in its environment (GIT_CONFIG_COUNT with credential.helper, core.hooksPath, core.sshCommand, ...
 * emptied, GIT_CONFIG_GLOBAL=/dev/null). simple-git refuses such settings unless told they are
 * the caller's own; `gt done` run by a Gemini agent must still work.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../../internal/rig/git.js';
import { makeSourceRepo } from '../helpers/rig-repo.js';
import { tempDir } from '../helpers/town.js';

const dir = tempDir('gt-git-agent-env-');
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** What Gemini CLI 0.61 puts in the environment of the commands it runs (its shell tool). */
const GEMINI_SHELL_GIT_ENV: Record<string, string> = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_SYSTEM: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_COUNT: '8',
  GIT_CONFIG_KEY_0: 'credential.helper',
  GIT_CONFIG_VALUE_0: '',
  GIT_CONFIG_KEY_1: 'core.fsmonitor',
  GIT_CONFIG_VALUE_1: '',
  GIT_CONFIG_KEY_2: 'core.hooksPath',
  GIT_CONFIG_VALUE_2: '',
  GIT_CONFIG_KEY_3: 'core.sshCommand',
  GIT_CONFIG_VALUE_3: '',
  GIT_CONFIG_KEY_4: 'core.pager',
  GIT_CONFIG_VALUE_4: 'cat',
  GIT_CONFIG_KEY_5: 'core.editor',
  GIT_CONFIG_VALUE_5: '',
  GIT_CONFIG_KEY_6: 'sequence.editor',
  GIT_CONFIG_VALUE_6: '',
  GIT_CONFIG_KEY_7: 'diff.external',
  GIT_CONFIG_VALUE_7: '',
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: '',
  SSH_ASKPASS: '',
};

test("git calls work inside Gemini CLI's command environment, its settings applied", async () => {
  const repo = makeSourceRepo(join(dir, 'repo'), { files: { 'README.md': '# r\n' } });
  Object.assign(process.env, GEMINI_SHELL_GIT_ENV);
  const g = git(repo, ['user.name=gt test', 'user.email=gt@example.invalid']);
  writeFileSync(join(repo, 'a.txt'), 'a\n');
  await g.add(['a.txt']);
  await g.commit('add a');
  assert.is((await g.status()).isClean(), true);
  assert.is((await g.raw(['config', 'core.pager'])).trim(), 'cat', 'the settings from the environment are the ones git uses');
  assert.match(await g.raw(['log', '--format=%s', '-1']), 'add a');
});

test.run();
