/**
 * Small tmpfs mounts for tests that need a filesystem of their own: a read-only town (root
 * ignores file permissions, but not a read-only mount), a full disk, two filesystems that hand
 * out the same inode numbers. Tests run as root (see the brief); every mount made here is
 * unmounted by `unmountAll()` (lazily, so a process still inside cannot keep it).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';

export interface TmpfsMount {
  dir: string;
  remount(mode: 'ro' | 'rw'): void;
  unmount(): void;
}

const mounted = new Set<string>();

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim()} (these tests need root: mount -t tmpfs)`);
}

export function mountTmpfs(dir: string, size: string): TmpfsMount {
  mkdirSync(dir, { recursive: true });
  run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  mounted.add(dir);
  return {
    dir,
    remount(mode) {
      // A read-only remount is refused while any file on it is open for writing; the daemon and
      // the agents write only briefly (atomic writes, a log opened per line), so try again.
      for (let i = 0; ; i++) {
        try {
          run('mount', ['-o', `remount,${mode}`, dir]);
          return;
        } catch (e) {
          if (i >= 50) throw e;
          spawnSync('sleep', ['0.1']);
        }
      }
    },
    unmount() {
      if (!mounted.has(dir)) return;
      const r = spawnSync('umount', [dir]);
      if (r.status !== 0) spawnSync('umount', ['-l', dir]);
      mounted.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Unmount everything still mounted by this process (for test.after). */
export function unmountAll(): void {
  for (const dir of [...mounted]) {
    const r = spawnSync('umount', [dir]);
    if (r.status !== 0) spawnSync('umount', ['-l', dir]);
    mounted.delete(dir);
  }
}
