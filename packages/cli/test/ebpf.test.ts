/** `--isa ebpf` on asm, disasm, verify and run, and the bpf_conformance plugin protocol. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli, tempFiles } from './support/cli.js';

const tempFile = tempFiles('ea-ebpf-');
const PROGRAM = 'ldxh %r0, [%r1]\nbe16 %r0\nlddw %r2, 0x100000000\nadd %r0, %r2\nexit\n';
const HEX = '6910000000000000dc00000010000000180200000000000000000000010000000f200000000000009500000000000000';

/** Runs the plugin as the suite's runner does: a process, the program on stdin. */
function plugin(args: string[], stdin: string) {
  const result = spawnSync('npx', ['tsx', 'packages/cli/src/main.ts', 'ebpf-plugin', ...args], {
    input: stdin,
    encoding: 'utf8',
    cwd: join(import.meta.dirname, '../../..'),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ea-bpf --isa ebpf', () => {
  it('assembles to hex and disassembles back', async () => {
    const file = tempFile('p.s', PROGRAM);
    expect(await cli(['asm', file, '--isa', 'ebpf'])).toMatchObject({ code: 0, stdout: `${HEX}\n` });
    const hex = tempFile('p.hex', HEX);
    expect((await cli(['disasm', hex, '--isa', 'ebpf'])).stdout).toBe(PROGRAM);
  });

  it('runs a program and prints the full 64-bit r0', async () => {
    const file = tempFile('p.s', PROGRAM);
    expect(await cli(['run', file, '--isa', 'ebpf', '--mem', '0011'])).toMatchObject({ code: 0, stdout: '{"r0":"0x100000011"}\n' });
    const mem = tempFile('m.bin', '');
    writeFileSync(mem, Uint8Array.from([0xab, 0xcd]));
    expect((await cli(['run', file, '--isa', 'ebpf', '--mem-file', mem])).stdout).toBe('{"r0":"0x10000abcd"}\n');
  });

  it('prints the JIT\'s code, and with --standalone a module that imports nothing and runs', async () => {
    const file = tempFile('p.s', PROGRAM);
    const factory = await cli(['jit', file, '--isa', 'ebpf']);
    expect(factory.code).toBe(0);
    expect(factory.stdout).toContain('// 0: ldxh %r0, [%r1]');
    const standalone = await cli(['jit', file, '--isa', 'ebpf', '--standalone']);
    expect(standalone.code).toBe(0);
    expect(standalone.stdout).not.toMatch(/^import /m);
    const module = tempFile('p.mjs', standalone.stdout);
    const mod = (await import(/* @vite-ignore */ pathToFileURL(module).href)) as { run(m: Uint8Array): bigint };
    expect(mod.run(Uint8Array.of(0, 0x11))).toBe(0x100000011n);
    const helper = tempFile('h.s', 'call 1\nexit\n');
    const refused = await cli(['jit', helper, '--isa', 'ebpf', '--standalone']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/h\.s: pc 0: .*helper/);
  });

  it('runs through the JIT with --engine jit', async () => {
    const file = tempFile('p.s', PROGRAM);
    expect(await cli(['run', file, '--isa', 'ebpf', '--mem', '0011', '--engine', 'jit'])).toMatchObject({ code: 0, stdout: '{"r0":"0x100000011"}\n' });
  });

  it('names the file, reason and pc of an out-of-bounds access (exit 1)', async () => {
    const file = tempFile('p.s', PROGRAM);
    const run = await cli(['run', file, '--isa', 'ebpf', '--mem', '00']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/p\.s: pc 0: out_of_bounds/);
  });

  it('verifies with the load-time checks', async () => {
    const bad = tempFile('bad.s', 'mov %r10, 1\nexit\n');
    const out = await cli(['verify', bad, '--isa', 'ebpf', '--json']);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ accepted: false, reason: 'write_fp', pc: 0 });
    expect((await cli(['verify', tempFile('ok.s', PROGRAM), '--isa', 'ebpf'])).code).toBe(0);
  });

  it('runs the verifier with --prog-type: pc and the kernel log line (exit 1)', async () => {
    const file = tempFile('pkt.s', 'ldxw %r2, [%r1+0]\nldxb %r0, [%r2+0]\nexit\n');
    const out = await cli(['verify', file, '--isa', 'ebpf', '--prog-type', 'xdp', '--json']);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ accepted: false, reason: 'packet_access', pc: 1, log: 'invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)\nR2 offset is outside of the packet' });
    const raw = await cli(['verify', tempFile('ok.s', PROGRAM), '--isa', 'ebpf', '--mem-size', '2']);
    expect(raw).toMatchObject({ code: 0, stdout: expect.stringMatching(/^accepted: \d+ instructions processed\n$/) });
    expect((await cli(['verify', file, '--isa', 'ebpf', '--prog-type', 'nope'])).code).toBe(2);
  });

  it('refuses an unknown --isa and --engine (usage, exit 2)', async () => {
    const file = tempFile('p.s', PROGRAM);
    expect((await cli(['run', file, '--isa', 'arm'])).code).toBe(2);
    expect((await cli(['run', file, '--isa', 'ebpf', '--engine', 'x'])).code).toBe(2);
  });
});

describe('ea-bpf ebpf-plugin (spawned, as the suite runs it)', () => {
  it('reads hex on stdin and MEM_HEX, prints r0 in hex, exits 0', () => {
    expect(plugin(['0011'], `${HEX}\n`)).toMatchObject({ code: 0, stdout: '100000011\n', stderr: '' });
    expect(plugin(['0011', '--engine', 'jit'], `${HEX}\n`)).toMatchObject({ code: 0, stdout: '100000011\n', stderr: '' });
  });

  it('reports a refused program on stderr with a non-zero exit', () => {
    const out = plugin([], '95000000000000009500');
    expect(out.code).not.toBe(0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/truncated/);
  });
});
