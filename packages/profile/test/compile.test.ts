/**
 * compileProfile: resolution (arches, capabilities, kernel), the planner's choices and warnings,
 * limits (10,000 rules, long jumps, more than BPF_MAXINSNS), and the JIT agreeing with the
 * interpreter on the compiled filters.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Interpreter } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { compileProfile, type CompiledProfile, ProfileError, readProfile, resolveProfile } from '@ea/profile';
import { ARCHES, callData, syscallNumber, writeSeccompData } from '@ea/seccomp';
import { describe, expect, it } from 'vitest';

const PROFILES = join(import.meta.dirname, 'profiles');
const read = (f: string): string => readFileSync(join(PROFILES, f), 'utf8');

function verdict(c: CompiledProfile, arch: string, name: string | number, args: (number | bigint)[] = []): number {
  const view = new DataView(new ArrayBuffer(64));
  const endian = ARCHES[arch as 'x86_64'].endian;
  writeSeccompData(view, callData(arch, name, args), endian);
  return new Interpreter(c.program, { endian }).runSeccomp(view) >>> 0;
}

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;

describe('resolution', () => {
  const docker = read('docker-shapes.json');
  it('takes the native arch archMap entry and its sub-architectures', () => {
    expect(resolveProfile(readProfile(docker), { arch: 'x86_64' }).arches).toEqual(['x86_64', 'i386', 'x32']);
    expect(resolveProfile(readProfile(docker), { arch: 'aarch64' }).arches).toEqual(['aarch64', 'arm']);
    const s390 = resolveProfile(readProfile(docker), { arch: 's390x' });
    expect(s390.arches).toEqual(['s390x']);
    expect(s390.warnings.map((w) => w.code)).toContain('UNSUPPORTED_ARCH');
    // No archMap entry for the native arch: the native arch alone.
    expect(resolveProfile(readProfile(docker), { arch: 'ppc64' }).arches).toEqual(['ppc64']);
  });

  it('applies includes/excludes by arch, capability and kernel as setupSeccomp does', () => {
    const byDefault = compileProfile(docker, { arch: 'x86_64' });
    expect(verdict(byDefault, 'x86_64', 'arch_prctl')).toBe(ALLOW);
    expect(verdict(byDefault, 'x86_64', 'riscv_flush_icache' in ARCHES.x86_64.syscalls ? 'riscv_flush_icache' : 'sync_file_range')).toBe(EPERM);
    expect(verdict(byDefault, 'x86_64', 'clone3')).toBe(0x00050026);
    expect(verdict(byDefault, 'x86_64', 'clone', [0x10000000])).toBe(EPERM); // CLONE_NEWUSER
    expect(verdict(byDefault, 'x86_64', 'clone', [0x3d0f00])).toBe(ALLOW); // glibc's thread flags
    expect(verdict(byDefault, 'x86_64', 'setns')).toBe(EPERM);
    expect(verdict(byDefault, 'x86_64', 'chroot')).toBe(ALLOW); // CAP_SYS_CHROOT is in Docker's default set
    expect(verdict(byDefault, 'x86_64', 'ptrace')).toBe(ALLOW); // minKernel 4.8 <= 6.18
    const admin = compileProfile(docker, { arch: 'x86_64', caps: 'all', kernel: '4.4' });
    expect(verdict(admin, 'x86_64', 'clone', [0x10000000])).toBe(ALLOW);
    expect(verdict(admin, 'x86_64', 'clone3')).toBe(EPERM); // excluded with CAP_SYS_ADMIN, then the default
    expect(verdict(admin, 'x86_64', 'ptrace')).toBe(EPERM); // kernel 4.4 < 4.8
    expect(verdict(admin, 'x86_64', 'bpf')).toBe(ALLOW); // includes need every listed cap
    expect(verdict(compileProfile(docker, { arch: 'x86_64', caps: ['CAP_SYS_ADMIN'] }), 'x86_64', 'bpf')).toBe(EPERM);
    expect(verdict(compileProfile(docker, { arch: 'x86_64', caps: 'all', kernel: '7.0' }), 'x86_64', 'reboot')).toBe(EPERM); // excludes minKernel
    const none = compileProfile(docker, { arch: 'x86_64', caps: 'none' });
    expect(verdict(none, 'x86_64', 'chroot')).toBe(EPERM);
    // s390x: clone's flags are arg1.
    const s390 = compileProfile(docker, { arch: 's390x' });
    expect(verdict(s390, 's390x', 'clone', [0, 0x10000000])).toBe(EPERM);
    expect(verdict(s390, 's390x', 'clone', [0x10000000, 0])).toBe(ALLOW);
  });

  it('refuses bad options with typed errors', () => {
    expect(() => compileProfile(docker, { arch: 'vax' })).toThrow(ProfileError);
    expect(() => compileProfile(docker, { arch: 'x86_64', caps: ['CAP_NOPE'] })).toThrow(/caps\[0\]/);
    expect(() => compileProfile(docker, { arch: 'x86_64', kernel: '6' })).toThrow(/kernel/);
    expect(() => compileProfile(read('oci-shapes.json'), { arch: 's390x' })).toThrow(/byte order/);
  });
});

describe('the planner', () => {
  const oci = compileProfile(read('oci-shapes.json'), { arch: 'x86_64' });

  it('warns about names the arch lacks, arguments named twice and multiplexed calls', () => {
    const codes = oci.warnings.map((w) => w.code);
    expect(codes).toContain('UNKNOWN_SYSCALLS');
    expect(codes).toContain('SAME_ARG_TWICE');
    expect(codes).toContain('MULTIPLEXED');
    expect(oci.unknown.x86_64).toContain('not_a_syscall_anywhere');
    // prctl's two conditions on arg0 are ORed, as runc adds them.
    expect(verdict(oci, 'x86_64', 'prctl', [1])).toBe(ALLOW);
    expect(verdict(oci, 'x86_64', 'prctl', [15])).toBe(ALLOW);
    expect(verdict(oci, 'x86_64', 'prctl', [16])).toBe(EPERM);
    // i386: socket's family is behind socketcall's pointer; libseccomp lets SYS_SOCKET through.
    expect(verdict(oci, 'i386', 'socketcall', [1])).toBe(ALLOW);
    expect(verdict(oci, 'i386', 'socketcall', [2])).toBe(EPERM);
    expect(verdict(oci, 'i386', 'socket', [38])).toBe(EPERM);
    // x32 compares the low 32 bits only.
    expect(verdict(oci, 'x32', 'personality', [0x1ffffffffn])).toBe(ALLOW);
    expect(verdict(oci, 'x86_64', 'personality', [0x1ffffffffn])).toBe(EPERM);
  });

  it('lets the first unconditional rule decide, with a warning naming the rules', () => {
    const c = compileProfile(read('podman-shapes.json'), { arch: 'x86_64' });
    const w = c.warnings.find((x) => x.code === 'SHADOWED_RULE');
    expect(w?.paths).toEqual(['syscalls[0]', 'syscalls[1]']);
    expect(verdict(c, 'x86_64', 'setns')).toBe(ALLOW);
    expect(verdict(c, 'x86_64', 'reboot')).toBe(EPERM);
  });

  it('refuses overlapping conditional rules with different actions, naming both', () => {
    const text = JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ALLOW' },
        { names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 10, op: 'SCMP_CMP_GT' }] },
        { names: ['ioctl'], action: 'SCMP_ACT_KILL', args: [{ index: 1, value: 20, op: 'SCMP_CMP_LT' }] },
      ],
    });
    expect(() => compileProfile(text, { arch: 'x86_64' })).toThrow(/syscalls\[1\] and syscalls\[2\]/);
    // Disjoint ones are fine.
    const ok = text.replace('"value":20,"op":"SCMP_CMP_LT"', '"value":10,"op":"SCMP_CMP_LE"');
    const c = compileProfile(ok, { arch: 'x86_64' });
    expect(verdict(c, 'x86_64', 'ioctl', [0, 10])).toBe(0);
    expect(verdict(c, 'x86_64', 'ioctl', [0, 11])).toBe(ALLOW);
  });

  it('compiles a profile that allows nothing, with a warning', () => {
    const c = compileProfile('{"defaultAction":"SCMP_ACT_KILL_PROCESS","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO"}]}', { arch: 'aarch64' });
    expect(c.warnings.map((w) => w.code)).toContain('ALLOWS_NOTHING');
    expect(verdict(c, 'aarch64', 'read')).toBe(EPERM);
    expect(verdict(c, 'aarch64', 'write')).toBe(0x80000000);
  });
});

describe('limits', () => {
  it('compiles 10,000 rules (long jumps through copies and ja) and refuses what cannot fit', () => {
    const names = Object.keys(ARCHES.x86_64.syscalls);
    const syscalls = Array.from({ length: 10_000 }, (_, i) => ({
      names: [names[i % names.length]],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: i % 6, value: Math.floor(i / names.length) * 7 + 1, op: 'SCMP_CMP_EQ' }],
    }));
    const many = compileProfile(JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls }), { arch: 'x86_64' });
    expect(many.plans[0]!.syscalls.reduce((n, s) => n + s.branches.length, 0)).toBe(10_000);
    expect(verdict(many, 'x86_64', 'read', [1])).toBe(ALLOW);
    expect(verdict(many, 'x86_64', 'read', [2])).toBe(EPERM);
    const last = syscalls[9_999]!;
    const lastArgs = [0, 0, 0, 0, 0, 0];
    lastArgs[last.args[0]!.index] = last.args[0]!.value;
    expect(verdict(many, 'x86_64', last.names[0]!, lastArgs)).toBe(ALLOW);
    // Two conditions per rule, all different: far more than BPF_MAXINSNS.
    const big = syscalls.map((s, i) => ({ ...s, args: [{ index: 0, value: i, op: 'SCMP_CMP_GT' }, { index: 1, value: i * 3, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] }));
    expect(() => compileProfile(JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: big }), { arch: 'x86_64' })).toThrow(/at most 4096/);
    // A long profile: many conditional syscalls push returns out of jt/jf reach.
    const wide = names.slice(0, 300).map((n, i) => ({ names: [n], action: i % 2 ? 'SCMP_ACT_ALLOW' : 'SCMP_ACT_LOG', args: [{ index: 0, value: i, op: 'SCMP_CMP_EQ' }] }));
    const w = compileProfile(JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: wide }), { arch: 'x86_64' });
    expect(w.insns.length).toBeGreaterThan(600);
    for (const [i, n] of names.slice(0, 300).entries()) {
      expect(verdict(w, 'x86_64', n, [i])).toBe(i % 2 ? ALLOW : 0x7ffc0000);
      expect(verdict(w, 'x86_64', n, [i + 1])).toBe(EPERM);
    }
  });
});

describe('engines', () => {
  it('the JIT and the interpreter agree on compiled profiles', () => {
    for (const [file, arch] of [
      ['oci-shapes.json', 'x86_64'],
      ['docker-shapes.json', 'aarch64'],
      ['docker-shapes.json', 's390x'],
      ['podman-shapes.json', 'x86_64'],
    ] as const) {
      const c = compileProfile(read(file), { arch });
      const endian = ARCHES[arch].endian;
      const jit = compile(c.program, { endian });
      expect(jit.accelerated).toBe(true);
      const interp = new Interpreter(c.program, { endian });
      let allowed = 0;
      const view = new DataView(new ArrayBuffer(64));
      for (const a of c.resolved.arches) {
        for (const [name, nr] of Object.entries(ARCHES[a].syscalls)) {
          for (const args of [[], [0x7e020000], [38, 0x100000000n], [1, 2, 9]]) {
            writeSeccompData(view, callData(a, nr, args), ARCHES[a].endian);
            const r = interp.runSeccomp(view);
            expect(jit.run(view), `${a} ${name}`).toBe(r);
            if (r === ALLOW) allowed++;
          }
        }
      }
      // Not a vacuous run (a wrong byte order would send everything to the bad-arch action).
      expect(allowed).toBeGreaterThan(10);
      expect(syscallNumber(arch, 'read')).toBeDefined();
    }
  });
});
