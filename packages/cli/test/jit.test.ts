
import { describe, expect, it, } from 'vitest';
import { cli, tempFiles } from './support/cli.js';

const file = tempFiles('ea-jit-cli-');
const SECCOMP = file('allow.asm', 'ld [0]\njeq #39, allow\nret #0\nallow: ret #0x7fff0000\n');
const TCP = file(
  'tcp.d',
  '(000) ldh [12]\n(001) jeq #0x800 jt 2 jf 5\n(002) ldb [23]\n(003) jeq #0x6 jt 4 jf 5\n(004) ret #262144\n(005) ret #0\n',
);

describe('ea-bpf jit', () => {
  it('prints the factory body with pc comments and a sourceURL', async () => {
    const r = await cli(['jit', SECCOMP, '--profile', 'seccomp']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('function run(view)');
    expect(r.stdout).toContain('// 1: jeq #0x27, L3');
    expect(r.stdout).toContain('A = view.getUint32(0, true);');
    expect(r.stdout).toMatch(/\/\/# sourceURL=ea-jit\/seccomp-[0-9a-f]{8}\.js/);
  });

  it('socket programs read packets big-endian with one hoisted length check', async () => {
    const r = await cli(['jit', TCP, '--profile', 'socket']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('const view = input?.data;');
    expect(r.stdout).toContain('if (len < 24)');
    expect(r.stdout).toContain('view.getUint16(base + 12)');
  });

  it('--standalone prints an ES module exporting run', async () => {
    const r = await cli(['jit', SECCOMP, '--profile', 'seccomp', '--standalone', '--endian', 'be']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('export function run(view)');
    expect(r.stdout).toContain("from '@ea/jit/runtime'".replace(/'/g, '"'));
    expect(r.stdout).toContain('getUint32(0, false)');
  });

  it('--batch prints the runBatch loop; a socket module exports runBatch; --batch on seccomp exits 2', async () => {
    const r = await cli(['jit', TCP, '--profile', 'socket', '--batch']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('function runBatch(view, offsets, lengths, wires, count, out, input, batch)');
    expect(r.stdout).toContain('for (; next + 7 < count; next = next + 8)');
    const m = await cli(['jit', TCP, '--profile', 'socket', '--standalone']);
    expect(m.stdout).toContain('export const runBatch = batchEntry(batchLoop, false);');
    expect((await cli(['jit', SECCOMP, '--profile', 'seccomp', '--batch'])).code).toBe(2);
  });

  it('a program the profile refuses exits 1 with the reason', async () => {
    const bad = file('bad.asm', 'ldb [0]\nret a\n');
    const r = await cli(['jit', bad, '--profile', 'seccomp']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/seccomp/);
  });

  it('a bad --profile exits 2', async () => {
    const r = await cli(['jit', SECCOMP, '--profile', 'bpf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--profile');
  });
});
