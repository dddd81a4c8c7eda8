/**
 * EA rules with every libseccomp operator (EQ, NE, LT, LE, GT, GE, MASKED_EQ) on 16-, 32- and
 * 64-bit struct fields of clone3, openat2 and perf_event_open (set_tid[0] through a pointer):
 * random profiles compiled by @ea/profile, run over calls @ea/layout flattens (both strategies)
 * through the interpreter and the JIT, give the verdict a direct evaluation of the rules gives on
 * the caller's bytes (@ea/policy's readField, the operator as enum scmp_compare defines it), for
 * values at and around every constant. A planted one-bit error in the compiled filter is caught.
 * (8-bit fields, which no real EA struct has, are covered at the builder's level:
 * packages/workbench/test/operators.test.ts.)
 */
import { type Insn, insn } from '@ea/bpf';
import { AddressSpace } from '@ea/layout';
import { type Strategy, readField, resolvePath, version } from '@ea/policy';
import { compileProfile, type CompiledProfile, type Operator } from '@ea/profile';
import { ARCHES } from '@ea/seccomp';
import { type VerifiedProgram, verify } from '@ea/verifier';
import { defaultEngine } from '@ea/workbench';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const RUNS = process.env['EA_FUZZ'] ? 400 : 25;
const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const engine = defaultEngine();
const x86 = ARCHES.x86_64;
const STRUCT = 0x7f0000001000n;
const TIDS = 0x7f0000002000n;
const STRATEGIES: readonly Strategy[] = ['jump-table', 'fixed-window'];

/** The EA syscalls and the fields the rules may name (not the ones the call itself needs set: sizes, the set_tid pointer). */
const SYSCALLS = {
  clone3: ['flags', 'exit_signal', 'stack_size', 'cgroup', 'set_tid[0]'],
  openat2: ['flags', 'mode', 'resolve'],
  perf_event_open: ['type', 'config', 'bp_type', 'clockid', 'sample_max_stack', '__reserved_2'],
} as const;
type Name = keyof typeof SYSCALLS;
const OPERATORS: readonly Operator[] = ['SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE', 'SCMP_CMP_MASKED_EQ'];

interface Cond {
  readonly path: string;
  readonly op: Operator;
  readonly value: bigint;
  readonly valueTwo: bigint;
}

/** The field's offset and width, and where its bytes live: the struct, or set_tid's array. */
function fieldOf(name: Name, path: string): { where: 'struct' | 'tids'; offset: number; size: 1 | 2 | 4 | 8 } {
  const p = resolvePath(version(name).struct, path);
  return { where: p.hops.length === 0 ? 'struct' : 'tids', offset: p.field.offset, size: p.field.size };
}

/** enum scmp_compare on an unsigned value (libseccomp's seccomp.h), written out independently of @ea/policy's tests. */
function scmp(op: Operator, v: bigint, c: Cond): boolean {
  switch (op) {
    case 'SCMP_CMP_EQ':
      return v === c.value;
    case 'SCMP_CMP_NE':
      return v !== c.value;
    case 'SCMP_CMP_LT':
      return v < c.value;
    case 'SCMP_CMP_LE':
      return v <= c.value;
    case 'SCMP_CMP_GT':
      return v > c.value;
    case 'SCMP_CMP_GE':
      return v >= c.value;
    case 'SCMP_CMP_MASKED_EQ':
      return (v & c.value) === c.valueTwo;
  }
}

/** The profile text, with u64 constants written as exact JSON numbers. */
function profileText(name: Name, rules: readonly (readonly Cond[])[]): string {
  const syscalls = [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
    ...rules.map((ea) => ({ names: [name], action: 'SCMP_ACT_ALLOW', ea: ea.map((c) => ({ path: c.path, op: c.op, value: `#${c.value}`, valueTwo: `#${c.valueTwo}` })) })),
  ];
  return JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64'], syscalls }).replace(/"#(\d+)"/g, '$1');
}

/** One call: the struct bytes (ksize, no tail) and set_tid's element bytes. */
interface Sample {
  readonly bytes: Uint8Array;
  readonly tids: Uint8Array;
}

function write(buf: Uint8Array, offset: number, size: number, v: bigint): void {
  for (let i = 0; i < size; i += 1) buf[offset + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

/** Builds the call's memory with the fields the syscall itself needs (sizes, the set_tid pointer) set. */
function sample(name: Name, noise: Uint8Array, values: readonly (readonly [string, bigint])[]): Sample {
  const ksize = version(name).struct.size;
  const bytes = noise.slice(0, ksize);
  const tids = noise.slice(ksize, ksize + 4);
  for (const [path, v] of values) {
    const f = fieldOf(name, path);
    write(f.where === 'struct' ? bytes : tids, f.offset, f.size, v);
  }
  if (name === 'clone3') {
    write(bytes, 64, 8, TIDS); // set_tid
    write(bytes, 72, 8, 1n); // set_tid_size
  }
  if (name === 'perf_event_open') write(bytes, 4, 4, BigInt(ksize)); // attr.size
  return { bytes, tids };
}

/** What the rules say on the caller's bytes: some rule whose every condition holds allows. */
function judge(name: Name, rules: readonly (readonly Cond[])[], s: Sample): number {
  const value = (c: Cond): bigint => {
    const f = fieldOf(name, c.path);
    return readField(f.where === 'struct' ? s.bytes : s.tids, f.offset, f.size, 'le');
  };
  return rules.some((r) => r.every((c) => scmp(c.op, value(c), c))) ? ALLOW : EPERM;
}

/** Runs a program on the flattened call through both engines. */
function run(c: CompiledProfile, program: VerifiedProgram, name: Name, s: Sample): [number, number] {
  const target = c.ea.find((t) => t.syscall === name)!;
  const sys = target.version.sys;
  const args = [0n, 0n, 0n, 0n, 0n, 0n];
  args[sys.ptrArg] = STRUCT;
  if (sys.size.kind === 'arg') args[sys.size.arg] = BigInt(s.bytes.length);
  const memory = new AddressSpace().map(STRUCT, s.bytes).map(TIDS, s.tids);
  const view = engine.image({ regs: { nr: sys.nr, arch: x86.auditArch, args }, memory }, sys, target.strategy, target.needs).view;
  return [engine.interpret(program, view) >>> 0, engine.jit!(program, view) >>> 0];
}

/** Values at and around a condition's constants, at the field's width. */
function around(c: Cond, bits: number, noise: bigint): bigint[] {
  const cut = (v: bigint): bigint => BigInt.asUintN(bits, v);
  const max = (1n << BigInt(bits)) - 1n;
  const out = [c.value, cut(c.value - 1n), cut(c.value + 1n), 0n, max, cut(c.value ^ 1n), cut(noise)];
  if (c.op === 'SCMP_CMP_MASKED_EQ') {
    const hit = (cut(noise) & ~c.value) | c.valueTwo;
    out.push(hit, cut(hit ^ c.value), hit ^ (c.value & -c.value));
  }
  return out;
}

/** Samples for a set of rules: every condition's candidates, the i-th of each together. */
function samples(name: Name, rules: readonly (readonly Cond[])[], noise: Uint8Array, wild: bigint): Sample[] {
  const conds = rules.flat();
  const lists = conds.map((c) => around(c, 8 * fieldOf(name, c.path).size, wild));
  const n = Math.max(...lists.map((l) => l.length));
  const out: Sample[] = [];
  for (let i = 0; i < n; i += 1) {
    out.push(sample(name, noise, conds.map((c, j) => [c.path, lists[j]![i % lists[j]!.length]!] as const)));
    // Each condition's candidate alone, the other fields left as noise.
    conds.forEach((c, j) => {
      out.push(sample(name, noise, [[c.path, lists[j]![i % lists[j]!.length]!]]));
    });
  }
  return out;
}

const u64 = fc.oneof(fc.bigInt({ min: 0n, max: 64n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));

function condArb(name: Name): fc.Arbitrary<Cond> {
  return fc.record({ path: fc.constantFrom(...SYSCALLS[name]), op: fc.constantFrom(...OPERATORS), a: u64, b: u64 }).map(({ path, op, a, b }) => {
    const bits = 8 * fieldOf(name, path).size;
    const value = BigInt.asUintN(bits, a);
    return { path, op, value, valueTwo: op === 'SCMP_CMP_MASKED_EQ' ? BigInt.asUintN(bits, b) & value : 0n };
  });
}

const caseArb = fc.constantFrom<Name>('clone3', 'openat2', 'perf_event_open').chain((name) =>
  fc.record({
    name: fc.constant(name),
    rules: fc.array(fc.array(condArb(name), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }),
    noise: fc.uint8Array({ minLength: 140, maxLength: 140 }),
    wild: u64,
  }),
);

describe('EA rules: all seven operators against a direct evaluation on the caller’s bytes', () => {
  it.each(STRATEGIES)('random rules on clone3, openat2, perf_event_open (%s): interpreter and JIT agree with the rules', (strategy) => {
    fc.assert(
      fc.property(caseArb, ({ name, rules, noise, wild }) => {
        const c = compileProfile(profileText(name, rules), { arch: 'x86_64', eaStrategy: strategy });
        for (const s of samples(name, rules, noise, wild)) {
          const want = judge(name, rules, s);
          expect(run(c, c.program, name, s)).toEqual([want, want]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('reaches both verdicts for every operator and width (the samples are not all on one side)', () => {
    const seen = new Set<string>();
    for (const name of Object.keys(SYSCALLS) as Name[]) {
      for (const path of SYSCALLS[name]) {
        for (const op of OPERATORS) {
          const rules = [[{ path, op, value: 0x40n, valueTwo: op === 'SCMP_CMP_MASKED_EQ' ? 0x40n : 0n }]];
          const c = compileProfile(profileText(name, rules), { arch: 'x86_64' });
          for (const s of samples(name, rules, new Uint8Array(140).fill(0x11), 0x1234n)) {
            const want = judge(name, rules, s);
            expect(run(c, c.program, name, s)).toEqual([want, want]);
            seen.add(`${name} ${path} ${op} ${want}`);
          }
        }
      }
    }
    // 14 fields x 7 operators x {ALLOW, EPERM}
    expect(seen.size).toBe(14 * 7 * 2);
  });

  it('catches a planted one-bit error in a constant of the compiled filter', () => {
    const rules = [[{ path: 'sample_max_stack', op: 'SCMP_CMP_GT' as Operator, value: 0x1234n, valueTwo: 0n }], [{ path: 'config', op: 'SCMP_CMP_LE' as Operator, value: 0x5_0000_0010n, valueTwo: 0n }]];
    for (const [k, name] of [[0x1234, 'gt on a u16'], [0x10, 'le on a u64, low word']] as const) {
      const c = compileProfile(profileText('perf_event_open', rules), { arch: 'x86_64' });
      const at = c.insns.findIndex((i) => i.kind === 'jmp' && i.k === k);
      expect(at, name).toBeGreaterThan(0);
      const mutant: Insn[] = c.insns.map((i, pc) => (pc === at ? insn(i.code, i.jt, i.jf, k ^ 1) : i));
      const program = verify(mutant, { profile: 'ea' });
      let differs = 0;
      for (const s of samples('perf_event_open', rules, new Uint8Array(140), 7n)) {
        const want = judge('perf_event_open', rules, s);
        expect(run(c, c.program, 'perf_event_open', s)).toEqual([want, want]);
        const got = run(c, program, 'perf_event_open', s);
        if (got[0] !== want || got[1] !== want) differs += 1;
      }
      expect(differs, name).toBeGreaterThan(0);
    }
  });
});
