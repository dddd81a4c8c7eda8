import { readFileSync } from 'node:fs';
import { decodeProgram, readTcpdumpDdd } from '@ea/bpf';
import { describe, expect, it } from 'vitest';
import { cli, tempFiles } from './support/cli.js';

const file = tempFiles('ea-profile-cli-');
const PROFILE = file(
  'p.json',
  JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }],
    syscalls: [
      { names: ['read', 'write', 'exit_group', 'no_such_call'], action: 'SCMP_ACT_ALLOW' },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['chroot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_CHROOT'] } },
    ],
  }),
);
const INPUTS = file('in.txt', '0\n56 0x10000000\n56 0x3d0f00\n161\n');

describe('ea-bpf profile compile', () => {
  it('prints bpf_asm text by default, with the instruction count and unknown names on stderr', async () => {
    const r = await cli(['profile', 'compile', PROFILE, '--kernel', '6.18']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}ld \[4\]/);
    expect(r.stderr).toMatch(/instructions for x86_64, i386/);
    expect(r.stderr).toMatch(/x86_64 has no syscall named no_such_call/);
  });

  it('writes ddd, raw sock_filter bytes (-o) and a JS module that agree', async () => {
    const ddd = await cli(['profile', 'compile', PROFILE, '--to', 'ddd', '--kernel', '6.18']);
    const out = file('p.bin', '');
    const bin = await cli(['profile', 'compile', PROFILE, '--to', 'bin', '-o', out, '--kernel', '6.18']);
    expect(bin.code).toBe(0);
    const fromBin = decodeProgram(readFileSync(out));
    expect(readTcpdumpDdd(ddd.stdout).map((i) => [i.code, i.jt, i.jf, i.k])).toEqual(fromBin.map((i) => [i.code, i.jt, i.jf, i.k]));
    const js = await cli(['profile', 'compile', PROFILE, '--to', 'js', '--kernel', '6.18']);
    expect(js.stdout).toContain('export function run(view)');
    const noFile = await cli(['profile', 'compile', PROFILE, '--to', 'bin']);
    expect(noFile.code).toBe(2);
  });

  it('follows --arch and --caps', async () => {
    const arm = await cli(['profile', 'compile', PROFILE, '--arch', 'aarch64', '--caps', 'none', '--kernel', '6.18']);
    expect(arm.code).toBe(0);
    expect(arm.stderr).toMatch(/instructions for aarch64\n/);
    const bad = await cli(['profile', 'compile', PROFILE, '--caps', 'CAP_NOPE']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('caps[0]');
    expect((await cli(['profile', 'compile', PROFILE, '--arch', 'vax'])).code).toBe(2);
    expect((await cli(['profile', 'frobnicate', PROFILE])).code).toBe(2);
  });

  it('--enosys answers ERRNO(ENOSYS) above the largest number the profile names, as runc does', async () => {
    const plain = await cli(['profile', 'compile', PROFILE, '--kernel', '6.18']);
    const stubbed = await cli(['profile', 'compile', PROFILE, '--kernel', '6.18', '--enosys']);
    expect(stubbed.code).toBe(0);
    expect(plain.stdout).not.toContain('ret #0x50026');
    expect(stubbed.stdout).toContain('ret #0x50026');
    const allow = file('allow.json', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["reboot"],"action":"SCMP_ACT_ERRNO"}]}');
    const skipped = await cli(['profile', 'compile', allow, '--enosys']);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toMatch(/runc adds no ENOSYS answer/);
  });

  it('reports a bad profile with its JSON path and exits 1', async () => {
    const bad = file('bad.json', '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":7,"value":1,"op":"SCMP_CMP_EQ"}]}]}');
    const r = await cli(['profile', 'compile', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('syscalls[0].args[0].index');
    const syntax = await cli(['profile', 'compile', file('syntax.json', '{\n  "defaultAction": SCMP\n}')]);
    expect(syntax.stderr).toContain('line 2, column 20');
  });
});

describe('ea-bpf run FILE.json', () => {
  it('compiles the profile and runs it like a program, with both engines', async () => {
    for (const engine of ['jit', 'interp']) {
      const r = await cli(['run', PROFILE, '--inputs', INPUTS, '--engine', engine, '--kernel', '6.18', '--caps', 'none']);
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { action: string; data: number });
      expect(lines.map((l) => l.action)).toEqual(['allow', 'errno', 'allow', 'errno']);
    }
    const withCap = await cli(['run', PROFILE, '--nr', '161', '--kernel', '6.18']);
    expect(JSON.parse(withCap.stdout).action).toBe('allow');
  });

  it('still runs ordinary programs', async () => {
    const prog = file('allow.asm', 'ret #0x7fff0000\n');
    const r = await cli(['run', prog, '--nr', '0']);
    expect(JSON.parse(r.stdout).action).toBe('allow');
  });
});
