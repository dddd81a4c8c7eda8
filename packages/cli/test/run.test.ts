
import { describe, expect, it, } from 'vitest';
import { cli, tempFiles } from './support/cli.js';

const file = tempFiles('ea-run-');
const jsonLines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as unknown);

// nr 1000 -> ERRNO(38); otherwise the low word of args[0] becomes the action.
const POLICY = file('policy.asm', 'ld [0]\njeq #1000, e\nld [16]\nret a\ne: ret #0x50026\n');

describe('ea-bpf run --profile seccomp', () => {
  it('prints ret, action and data per INPUTS line', async () => {
    const inputs = file('calls.txt', '1000\n39 0x7fff0000\n39 0x30007 9\n1 0x7fc00000\n1 0\n1 0x80000000\n1 0x10000\n1 0x7ff00005\n1 0x7ffc0000\n');
    const { code, stdout } = await cli(['run', POLICY, '--inputs', inputs]);
    expect(code).toBe(0);
    expect(jsonLines(stdout)).toEqual([
      { ret: 0x50026, action: 'errno', data: 38 },
      { ret: 0x7fff0000, action: 'allow', data: 0 },
      { ret: 0x30007, action: 'trap', data: 7 },
      { ret: 0x7fc00000, action: 'user_notif', data: 0 },
      { ret: 0, action: 'kill_thread', data: 0 },
      { ret: 0x80000000, action: 'kill_process', data: 0 },
      { ret: 0x10000, action: 'kill_process', data: 0 },
      { ret: 0x7ff00005, action: 'trace', data: 5 },
      { ret: 0x7ffc0000, action: 'log', data: 0 },
    ]);
  });

  it('names bad lines, still runs the others, and exits 1', async () => {
    const inputs = file('bad.txt', '1000\n1 2 3 4 5 6 7 8\n0x1ffffffff\n1 0x10000000000000000\n# comment\n\n1 zz\n1000\n');
    const { code, stdout, stderr } = await cli(['run', POLICY, '--inputs', inputs]);
    expect(code).toBe(1);
    const out = jsonLines(stdout) as Record<string, unknown>[];
    expect(out.map((o) => o['line'] ?? o['action'])).toEqual(['errno', 2, 3, 4, 7, 'errno']);
    expect(stderr).toContain('line 2, column 15');
    expect(stderr).toContain('line 4, column 3');
    expect(stderr).toContain('line 7, column 3');
  });

  it('takes one call from --nr/--args, with full 64-bit arguments and --ip', async () => {
    const high = file('high.asm', 'ld [20]\nret a\n');
    expect(jsonLines((await cli(['run', high, '--nr', '1', '--args', '18446744073709551615'])).stdout)).toEqual([
      { ret: 0xffffffff, action: 'kill_process', data: 0xffff },
    ]);
    const ip = file('ip.asm', 'ld [12]\nret a\n');
    expect(jsonLines((await cli(['run', ip, '--nr', '1', '--ip', '0x7fff000012345678'])).stdout)).toEqual([
      { ret: 0x7fff0000, action: 'allow', data: 0 },
    ]);
  });

  it('fills arch from --arch', async () => {
    const arch = file('arch.asm', 'ld [4]\nret a\n');
    const { stdout } = await cli(['run', arch, '--nr', '1', '--arch', 'aarch64']);
    expect(jsonLines(stdout)).toEqual([{ ret: 0xc00000b7, action: 'kill_process', data: 0xb7 }]);
    expect((await cli(['run', arch, '--nr', '1', '--arch', 'vax'])).code).toBe(2);
  });

  it('traces every executed instruction with A and X', async () => {
    const { code, stdout } = await cli(['run', POLICY, '--nr', '1000', '--trace']);
    expect(code).toBe(0);
    const trace = stdout.split('\n').filter((l) => / A=0x/.test(l));
    expect(trace).toHaveLength(3);
    expect(trace[1]).toMatch(/1: jeq #0x3e8, L4 +A=0x000003e8 X=0x00000000/);
    expect(jsonLines(stdout)).toEqual([{ ret: 0x50026, action: 'errno', data: 38 }]);
  });

  it('gives the same answers with --engine jit', async () => {
    const inputs = file('calls2.txt', '1000\n39 0x7fff0000\n39 0x30007\n');
    const interp = await cli(['run', POLICY, '--inputs', inputs]);
    const jit = await cli(['run', POLICY, '--inputs', inputs, '--engine', 'jit']);
    expect(jit.code).toBe(0);
    expect(jit.stdout).toBe(interp.stdout);
  });

  it('refuses usage mistakes with exit 2 and invalid programs with exit 1', async () => {
    expect((await cli(['run', POLICY])).code).toBe(2);
    expect((await cli(['run', POLICY, '--profile', 'nope', '--nr', '1'])).code).toBe(2);
    expect((await cli(['run', POLICY, '--nr', '1', '--engine', 'fast'])).code).toBe(2);
    expect((await cli(['run', POLICY, '--nr', 'x1'])).code).toBe(2);
    const mod = file('mod.asm', 'mod #3\nret a\n');
    expect((await cli(['run', mod, '--nr', '1'])).code).toBe(1);
  });
});

describe('ea-bpf run --profile socket', () => {
  it('prints ret per packet and names bad lines', async () => {
    const prog = file('sock.asm', 'ldb [1]\nret a\n');
    const packets = file('packets.txt', '0102\n-\n01x2\n012\n00ff\n');
    const { code, stdout, stderr } = await cli(['run', prog, '--profile', 'socket', '--packets', packets]);
    expect(code).toBe(1);
    expect(jsonLines(stdout)).toEqual([{ ret: 2 }, { ret: 0 }, { line: 3, error: '"x" is not a hex digit' }, { line: 4, error: 'odd number of hex digits (3)' }, { ret: 255 }]);
    expect(stderr).toContain('line 3, column 3');
    expect((await cli(['run', prog, '--profile', 'socket'])).code).toBe(2);
  });
});
