
import { describe, expect, it, } from 'vitest';
import { cli, tempFiles } from './support/cli.js';

const file = tempFiles('ea-verify-');
const GOOD = file(
  'good.asm',
  `  ld [4]
  jne #0xc000003e, kill
  ld [0]
  jeq #39, allow
  ld [20]
  jgt #5, kill
allow:
  ret #0x7fff0000
kill:
  ret #0
`,
);
const UNINIT = file('uninit.asm', '  ld [0]\n  jeq #1, +0, +1\n  ld M[2]\n  ret a\n');
const MOD = file('mod.asm', '  ld [0]\n  mod #3\n  ret a\n');

describe('ea-bpf verify', () => {
  it('accepts a valid seccomp filter with exit 0', async () => {
    const r = await cli(['verify', GOOD, '--profile', 'seccomp']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('accepted');
  });

  it('prints a compiler-style diagnostic with a marker at the failing pc', async () => {
    const r = await cli(['verify', UNINIT, '--profile', 'socket']);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/pc 2: error: UNINIT_MEM_READ \(EINVAL\)/);
    expect(lines).toContain('> 2 | ld M[2]');
    expect(r.stdout).toMatch(/\^+ UNINIT_MEM_READ/);
  });

  it('prints JSON and depends on the profile', async () => {
    const seccomp = await cli(['verify', MOD, '--profile', 'seccomp', '--json']);
    expect(seccomp.code).toBe(1);
    expect(JSON.parse(seccomp.stdout)).toEqual({ accepted: false, reason: 'SECCOMP_BAD_OPCODE', pc: 1, errno: 'EINVAL' });
    const socket = await cli(['verify', MOD, '--profile', 'socket', '--json']);
    expect(socket.code).toBe(0);
    expect(JSON.parse(socket.stdout)).toEqual({ accepted: true, reason: null, pc: null, errno: null });
  });

  it('explains fields read, the longest path and the constant-allow cache', async () => {
    const r = await cli(['verify', GOOD, '--explain', '--json']);
    const a = JSON.parse(r.stdout).analysis;
    expect(a.fieldsRead).toEqual(['nr', 'arch', 'args[0].hi']);
    expect(a.longestPath).toBe(7);
    expect(a.maxLoadEnd).toBe(24);
    const allowed = a.cache.alwaysAllowed.map((x: { nr: number }) => x.nr);
    expect(allowed).toEqual([39, 335, 336]);
    const text = await cli(['verify', GOOD, '--explain']);
    expect(text.stdout).toContain('seccomp_data read: nr, arch, args[0].hi');
  });

  it('sizes the cache emulation by --kernel, default the newest table', async () => {
    const mseal = file('mseal.asm', '  ld [0]\n  jeq #462, allow, deny\nallow: ret #0x7fff0000\ndeny: ret #0\n');
    const newest = JSON.parse((await cli(['verify', mseal, '--explain', '--json'])).stdout).analysis.cache;
    expect([newest.kernel, newest.syscalls]).toEqual(['7.3', 473]);
    expect(newest.alwaysAllowed).toEqual([{ nr: 335, name: 'uretprobe' }, { nr: 336, name: 'uprobe' }, { nr: 462, name: 'mseal' }]);
    const k618 = JSON.parse((await cli(['verify', mseal, '--explain', '--json', '--kernel', '6.18'])).stdout).analysis.cache;
    expect([k618.kernel, k618.syscalls, k618.hardwired]).toEqual(['6.18', 470, [335, 336]]);
    const k61 = JSON.parse((await cli(['verify', mseal, '--explain', '--json', '--kernel', '6.1.0-30-amd64'])).stdout).analysis.cache;
    expect([k61.kernel, k61.syscalls, k61.alwaysAllowed]).toEqual(['6.1', 451, []]);
    const arm = JSON.parse((await cli(['verify', mseal, '--explain', '--json', '--arch', 'arm'])).stdout).analysis.cache;
    expect([arm.syscalls, arm.alwaysAllowed]).toEqual([473, [{ nr: 462, name: 'mseal' }]]);
    const text = await cli(['verify', mseal, '--explain', '--kernel', '6.18']);
    expect(text.stdout).toContain('always allowed on x86_64 under Linux 6.18 (constant-action cache, 470 numbers): uretprobe(335), uprobe(336), mseal(462)');
    const bad = await cli(['verify', mseal, '--explain', '--kernel', '6.19']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--kernel: 6\.19: no exact syscall table/);
  });

  it('verifies a batch of -ddd programs, one JSON line each', async () => {
    const batch = file('batch.txt', '2\n6 0 0 0\n6 0 0 1\n\n\n1\n21 0 0 0\n\n2\nbogus\n\n1\n6 0 0 0\n');
    const r = await cli(['verify', '--batch', batch, '--profile', 'socket']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.accepted, l.reason, l.pc])).toEqual([
      [true, null, null],
      [false, 'JUMP_OUT_OF_RANGE', 0],
      [false, 'FORMAT_ERROR', null],
      [true, null, null],
    ]);
  });

  it('exits 2 on usage errors', async () => {
    expect((await cli(['verify', GOOD, '--profile', 'bpf'])).code).toBe(2);
    expect((await cli(['verify'])).code).toBe(2);
    expect((await cli(['verify', GOOD, '--profile', 'ea', '--ea-bound', '99999'])).code).toBe(2);
  });

  it('reports whole-program limits without a pc', async () => {
    const empty = file('long.ddd', `4097\n${'6 0 0 0\n'.repeat(4097)}`);
    const r = await cli(['verify', empty, '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ accepted: false, reason: 'BAD_LENGTH', pc: null, errno: 'EINVAL' });
  });
});
