/** ea-bpf explain, diff and audit: the JSON shapes of the issue, human tables, bad input and exit codes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMITTED_DIR } from '@ea/testkit';
import { describe, expect, it } from 'vitest';
import { cli, tempFiles } from './support/cli.js';

const file = tempFiles('ea-explain-');
const POLICIES = COMMITTED_DIR;
const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

// x86_64 only: write with args[2] (64-bit) > 0x1_0000_0000 -> ERRNO(7); read ALLOW; else ERRNO(1).
const FILTER = file('filter.asm', `
  ld [4]
  jne #0xc000003e, kill
  ld [0]
  jge #0x40000000, kill
  jeq #0, allow
  jeq #1, write
  ret #0x50001
write:
  ld [36]
  jgt #1, big
  jeq #1, lo, allow
lo:
  ld [32]
  jgt #0, big, allow
big: ret #0x50007
allow: ret #0x7fff0000
kill: ret #0x80000000
`);

describe('ea-bpf explain', () => {
  it('--json prints one line per syscall number in the issue shape', async () => {
    const { code, stdout } = await cli(['explain', FILTER, '--json', '--arch', 'x86_64']);
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines[0]).toEqual({ arch: 'x86_64', nr: 0, name: 'read', action: 'allow', data: 0 });
    expect(lines[1]).toEqual({
      arch: 'x86_64', nr: 1, name: 'write',
      cases: [
        { when: [{ field: 'args[2]', op: 'ge', value: '0x100000001' }], action: 'errno', data: 7 },
        { when: [], action: 'allow', data: 0 },
      ],
    });
    expect(lines[2]).toEqual({ arch: 'x86_64', nr: 2, name: 'open', action: 'errno', data: 1 });
    // Runs of unnamed numbers carry "to"; together the lines cover every number below X32_SYSCALL_BIT
    // and from 0x80000000 to 0xbfffffff.
    let covered = 0;
    for (const l of lines) covered += ((l['to'] as number | undefined) ?? (l['nr'] as number)) - (l['nr'] as number) + 1;
    expect(covered).toBe(2 ** 31);
    expect(lines.every((l) => l['arch'] === 'x86_64')).toBe(true);
  });

  it('prints a table grouped by action with syscall names', async () => {
    const { code, stdout } = await cli(['explain', FILTER]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^x86_64 \(AUDIT_ARCH 0xc000003e\)/);
    expect(stdout).toMatch(/ {2}ALLOW \(1\): read\n/);
    expect(stdout).toMatch(/ERRNO\(1\) \(\d+\): open /);
    expect(stdout).toContain('    write (1):\n      args[2] >= 0x100000001 -> ERRNO(7)\n      otherwise ALLOW\n');
    expect(stdout).toMatch(/other architectures: i386: KILL_PROCESS/);
  });

  it('--nr NAME --args shows the decision and the instructions that decide it', async () => {
    const { code, stdout } = await cli(['explain', FILTER, '--nr', 'write', '--args', '0,0,0x100000005', '--json']);
    expect(code).toBe(0);
    const [line] = jsonLines(stdout);
    expect(line).toMatchObject({ arch: 'x86_64', nr: 1, name: 'write', action: 'errno', data: 7 });
    expect((line!['path'] as { pc: number }[]).map((s) => s.pc)).toEqual([1, 5, 8, 9, 11, 12]);
    const human = await cli(['explain', FILTER, '--nr', '1']);
    expect(human.stdout).toContain('decided by:');
    expect(human.stdout).toContain('ret #0x50007');
  });

  it('refuses bad input with a clear error', async () => {
    const socket = await cli(['explain', file('bad.asm', 'ld [64]\nret a\n')]);
    expect(socket.code).toBe(1);
    expect(socket.stderr).toMatch(/ea-bpf: .*64/);
    const garbage = await cli(['explain', file('bad.bin', new Uint8Array([1, 2, 3]))]);
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toMatch(/bad\.bin/);
    const arith = await cli(['explain', file('add.asm', 'ld [16]\nadd #1\nret a\n')]);
    expect(arith.code).toBe(1);
    expect(arith.stderr).toMatch(/instruction 1: add/);
    expect((await cli(['explain', FILTER, '--arch', 'vax'])).code).toBe(2);
    expect((await cli(['explain', FILTER, '--nr', 'nosuchcall'])).code).toBe(2);
    expect((await cli(['explain', FILTER, '--args', '1'])).code).toBe(2);
  });
});

describe('ea-bpf diff', () => {
  it('{"equivalent":true} for libseccomp\'s two builds of one policy', async () => {
    const { code, stdout } = await cli(['diff', join(POLICIES, 'args.bpf'), join(POLICIES, 'args-tree.bpf'), '--json']);
    expect(code).toBe(0);
    expect(jsonLines(stdout)).toEqual([{ equivalent: true }]);
  });

  it('differences with counterexample arguments and both actions; exit 1', async () => {
    const edited = file('edited.asm', readFileSync(FILTER, 'utf8').replace('jeq #0, allow', 'jeq #3, allow'));
    const { code, stdout } = await cli(['diff', FILTER, edited, '--json']);
    expect(code).toBe(1);
    const [result] = jsonLines(stdout);
    expect(result).toEqual({
      equivalent: false,
      differences: [
        { arch: 'x86_64', nr: 0, name: 'read', args: ['0x0', '0x0', '0x0', '0x0', '0x0', '0x0'], a: { action: 'allow', data: 0 }, b: { action: 'errno', data: 1 } },
        { arch: 'x86_64', nr: 3, name: 'close', args: ['0x0', '0x0', '0x0', '0x0', '0x0', '0x0'], a: { action: 'errno', data: 1 }, b: { action: 'allow', data: 0 } },
      ],
    });
    const human = await cli(['diff', FILTER, edited]);
    expect(human.stdout).toContain('x86_64 read 0: ALLOW vs ERRNO(1)');
  });
});

describe('ea-bpf audit', () => {
  it('one JSON line per finding with the instructions involved', async () => {
    const { code, stdout } = await cli(['audit', join(POLICIES, 'denylist.bpf'), '--json']);
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines.find((l) => l['kind'] === 'default-allow')).toMatchObject({ severity: 'medium', arch: 'x86_64', pcs: expect.arrayContaining([expect.any(Number)]) });
    const human = await cli(['audit', join(POLICIES, 'denylist.bpf')]);
    expect(human.stdout).toMatch(/MEDIUM default-allow \[x86_64\]: the default action is ALLOW/);
  });
});
