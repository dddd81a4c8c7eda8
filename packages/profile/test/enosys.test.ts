/**
 * runc's -ENOSYS answer (`enosys: true`): the compiled filter answers ERRNO(ENOSYS) exactly where
 * our model of runc's rule (enosysAnswers) says, and as the plain filter everywhere else, on every
 * number of every architecture's table, past them, at every edge of the rule's ranges and on a
 * seeded sample of the u32 space; and it agrees with libseccomp's filter behind a runc-style stub
 * built here from libseccomp's own numbers (test/runc-stub.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Interpreter } from '@ea/interpreter';
import {
  type CompiledProfile, type CompileOptions, compileProfile, ENOSYS_RET, enosysAnswers, enosysRanges,
} from '@ea/profile';
import { ARCHES, SYSCALL_ARCHES, syscallTable, writeSeccompData } from '@ea/seccomp';
import { describe, expect, it } from 'vitest';
import { compareWithLibseccomp, random } from './differential.js';
import { libseccompUnavailable } from './libseccomp.js';
import { libseccompLast, withRuncStub } from './runc-stub.js';

const PROFILES = join(import.meta.dirname, 'profiles');
const read = (f: string): string => readFileSync(join(PROFILES, f), 'utf8');

const CASES: readonly (readonly [string, CompileOptions])[] = [
  ['oci-shapes.json', { arch: 'x86_64' }],
  ['oci-shapes.json', { arch: 'aarch64' }],
  ['docker-shapes.json', { arch: 'x86_64' }],
  ['docker-shapes.json', { arch: 'x86_64', caps: 'all', kernel: '4.4' }],
  ['docker-shapes.json', { arch: 's390x' }],
  ['docker-shapes.json', { arch: 'ppc64le', caps: 'all' }],
  ['docker-shapes.json', { arch: 'riscv64' }],
  ['docker-shapes.json', { arch: 'i386' }],
  ['podman-shapes.json', { arch: 'x86_64' }],
  ['podman-shapes.json', { arch: 'aarch64', caps: 'all' }],
];

/** Every number worth asking: the tables, past them, every range edge, the x32 quarters, a seeded sample. */
function numbers(c: CompiledProfile, audit: number): number[] {
  const out = new Set<number>();
  for (let n = 0; n < 4096; n++) out.add(n);
  for (const a of c.resolved.arches) for (const [, nr] of syscallTable(a)) for (const d of [-1, 0, 1]) out.add((nr + d) >>> 0);
  const edges = [0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xbfffffff, 0xc0000000, 0xffffffff];
  for (const r of [...enosysRanges(c.enosys!, audit), ...edges.map((e) => ({ lo: e, hi: e }))]) {
    for (const d of [-2, -1, 0, 1, 2]) {
      out.add((r.lo + d) >>> 0);
      out.add((r.hi + d) >>> 0);
    }
  }
  const rnd = random(38);
  for (let i = 0; i < 2000; i++) out.add(Math.floor(rnd() * 2 ** 32) >>> 0);
  return [...out];
}

describe('runc ENOSYS answer', () => {
  for (const [file, options] of CASES) {
    it(`${file} on ${JSON.stringify(options)}: ENOSYS exactly where the rule says, the plain filter elsewhere`, () => {
      const plain = compileProfile(read(file), options);
      const stubbed = compileProfile(read(file), { ...options, enosys: true });
      expect(stubbed.enosys).toBeDefined();
      const endian = ARCHES[plain.resolved.native].endian;
      const a = new Interpreter(plain.program, { endian });
      const b = new Interpreter(stubbed.program, { endian });
      const view = new DataView(new ArrayBuffer(64));
      let answered = 0;
      let cases = 0;
      const audits = new Set([...plain.resolved.arches.map((x) => ARCHES[x].auditArch >>> 0), ...SYSCALL_ARCHES.map((x) => ARCHES[x].auditArch >>> 0)]);
      for (const audit of audits) {
        const list = plain.resolved.arches.some((x) => ARCHES[x].auditArch >>> 0 === audit) ? numbers(stubbed, audit) : [0, 1, 0xffffffff];
        for (const nr of list) {
          for (const args of [[0n, 0n, 0n, 0n, 0n, 0n], [1n, 0xffffffffn, 9n, 1n << 32n, 3n, 0n]]) {
            writeSeccompData(view, { nr, arch: audit, instructionPointer: 0n, args }, endian);
            const want = enosysAnswers(stubbed.enosys!, audit, nr) ? ENOSYS_RET : a.runSeccomp(view) >>> 0;
            const got = b.runSeccomp(view) >>> 0;
            if (got !== want) expect({ audit, nr, args, got, want }).toBeUndefined();
            if (want === ENOSYS_RET) answered++;
            cases++;
          }
        }
      }
      expect(answered).toBeGreaterThan(100);
      expect(cases).toBeGreaterThan(10_000);
      // The answer costs a few instructions in the dispatch, not a stub in front.
      expect(stubbed.insns.length - plain.insns.length).toBeLessThanOrEqual(3 * plain.resolved.arches.length);
    });
  }

  it('follows runc: x86_64 alone, x32 halves, s390x nr 0, arches without names, permissive defaults', () => {
    const oci = (syscalls: string, extra = ''): string =>
      `{"defaultAction": "SCMP_ACT_ERRNO", ${extra} "syscalls": [${syscalls}]}`;
    const X86_64 = ARCHES.x86_64.auditArch >>> 0;
    // x86_64 alone: the largest number named is 59 (execve); bit 30 set goes to the filter.
    const one = compileProfile(oci('{"names": ["read", "execve"], "action": "SCMP_ACT_ALLOW"}'), { arch: 'x86_64', enosys: true });
    expect(one.enosys).toEqual({ x86_64: 59 });
    expect([58, 59, 60, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xbfffffff, 0xc0000000, 0xffffffff].map((n) => enosysAnswers(one.enosys!, X86_64, n)))
      .toEqual([false, false, true, true, false, false, true, true, false, false]);
    // With x32 (profile-wide largest: execve is 0x40000208 on x32), the bit-30 half is x32's.
    const both = compileProfile(oci('{"names": ["read", "execve"], "action": "SCMP_ACT_ALLOW"}', '"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"],'), { arch: 'x86_64', enosys: true });
    expect(both.enosys).toEqual({ x86_64: 59, x32: 0x40000208 });
    expect([0x40000208, 0x40000209, 0x7fffffff, 0xc0000000, 0xffffffff].map((n) => enosysAnswers(both.enosys!, X86_64, n))).toEqual([false, true, true, true, true]);
    // Only nr 0 named on x86_64: findLastSyscalls finds 0 and adds no section.
    expect(compileProfile(oci('{"names": ["read"], "action": "SCMP_ACT_ALLOW"}'), { arch: 'x86_64', enosys: true }).enosys).toEqual({});
    // s390x: nr 0 answers ENOSYS too.
    const s390 = compileProfile(oci('{"names": ["read"], "action": "SCMP_ACT_ALLOW"}'), { arch: 's390x', enosys: true });
    expect(enosysAnswers(s390.enosys!, ARCHES.s390x.auditArch, 0)).toBe(true);
    expect(enosysAnswers(s390.enosys!, ARCHES.s390x.auditArch, 3)).toBe(false);
    // Default-equal rules count: runc's findLastSyscalls reads every rule.
    const dropped = compileProfile(oci('{"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["mseal"], "action": "SCMP_ACT_ERRNO"}'), { arch: 'x86_64', enosys: true });
    expect(dropped.enosys).toEqual({ x86_64: 462 });
    // ALLOW, LOG and TRACE defaults get no stub, with a warning; KILL and TRAP defaults do.
    for (const d of ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']) {
      const c = compileProfile(`{"defaultAction": "${d}", "syscalls": [{"names": ["reboot"], "action": "SCMP_ACT_ERRNO"}]}`, { arch: 'x86_64', enosys: true });
      expect(c.enosys).toBeUndefined();
      expect(c.warnings.map((w) => w.code)).toContain('NO_ENOSYS_STUB');
    }
    for (const d of ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP']) {
      expect(compileProfile(`{"defaultAction": "${d}", "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]}`, { arch: 'x86_64', enosys: true }).enosys).toEqual({ x86_64: 1 });
    }
    expect(() => compileProfile(oci(''), { arch: 'x86_64', enosys: 'yes' as never })).toThrow(/enosys/);
  });
});

const skip = libseccompUnavailable();
describe.skipIf(skip !== null)(`runc ENOSYS answer against libseccomp behind a runc-style stub${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  for (const [file, options] of CASES) {
    it(`${file} on ${JSON.stringify(options)}: same actions`, () => {
      const compiled = compileProfile(read(file), { ...options, enosys: true });
      const r = compareWithLibseccomp(compiled, 0, (lib) => withRuncStub(libseccompLast(compiled.resolved, lib), lib.insns));
      expect(r.differences.slice(0, 5)).toEqual([]);
      expect(r.cases).toBeGreaterThan(500);
    });
  }
});
