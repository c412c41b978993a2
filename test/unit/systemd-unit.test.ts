/**
 * The systemd user unit (gt daemon install) carries the installing shell's PATH and
 * GT_TMUX_SOCKET: systemd's user manager gives services neither, so a daemon it starts would not
 * find the agent CLIs, or would supervise another tmux server than the one `gt` commands use.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemdUnit } from '../../internal/daemon/systemd-unit.js';
import { InvalidInputError } from '../../internal/errors.js';

test('PATH and GT_TMUX_SOCKET go into the unit, quoted and with % escaped', () => {
  const unit = systemdUnit('/srv/town', { PATH: '/home/me/.local/bin:/opt/my tools/bin:/usr/bin', GT_TMUX_SOCKET: 'gt-100%' });
  assert.ok(unit.split('\n').includes('Environment="PATH=/home/me/.local/bin:/opt/my tools/bin:/usr/bin"'), unit);
  assert.ok(unit.split('\n').includes('Environment="GT_TMUX_SOCKET=gt-100%%"'), unit);
  assert.ok(unit.split('\n').includes('Environment=GT_DAEMON_SUPERVISOR=systemd'), unit);
});

test('a variable that is not set is left out; nothing else of the shell is carried', () => {
  const unit = systemdUnit('/srv/town', { PATH: '/usr/bin', HOME: '/home/me', SECRET_TOKEN: 'x' });
  assert.not.match(unit, /GT_TMUX_SOCKET/);
  assert.not.match(unit, /SECRET_TOKEN|HOME=/);
  assert.match(unit, /^Environment="PATH=\/usr\/bin"$/m);
});

test('quotes and backslashes are escaped; a control character is refused with one clear line', () => {
  const unit = systemdUnit('/srv/town', { PATH: '/odd"dir\\bin:/usr/bin' });
  assert.match(unit, /^Environment="PATH=\/odd\\"dir\\\\bin:\/usr\/bin"$/m);
  assert.throws(
    () => systemdUnit('/srv/town', { PATH: '/usr/bin\nExecStartPre=/bin/evil' }),
    (e: unknown) => e instanceof InvalidInputError && /PATH .* contains a control character/.test(e.message),
  );
});

test.run();
