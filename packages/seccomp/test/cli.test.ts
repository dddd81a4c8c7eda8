/** `ea-bpf syscalls`, run as a process (the CLI depends on this package, not the reverse). */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'packages', 'cli', 'src', 'main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ea-bpf syscalls', () => {
  it('looks up names and numbers', () => {
    expect(cli('syscalls', 'aarch64', 'openat')).toMatchObject({ status: 0, stdout: 'openat 56\n' });
    expect(JSON.parse(cli('syscalls', 'x86_64', '435', '--json').stdout)).toEqual({ arch: 'x86_64', name: 'clone3', nr: 435 });
  });

  it('exits 1 for unknown calls and 2 for bad usage', () => {
    const unknown = cli('syscalls', 'x86_64', '1000');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no syscall number 1000/);
    expect(cli('syscalls', 'vax', 'read')).toMatchObject({ status: 2 });
  });
});
