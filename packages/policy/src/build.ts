/**
 * Policy -> classic BPF for the `ea` profile.
 *
 * Shape of every program (labels resolved by the assembler):
 *
 *     ld [4]; jeq #AUDIT_ARCH, next, kill        wrong arch: kill (another syscall table)
 *     ld [0]; jge #X32 bit, kill                 x86_64 only: x32 numbers share the arch
 *     jeq #nr, next, otherwise
 *     guard                                      the caller set bytes past what we know?
 *     check 1 .. check n                         each falls through or jumps to deny
 *     ret #ALLOW
 *   deny: ret #deny;  tail: ret #unknownTail;  otherwise: ret #otherwise;  kill: ret #KILL_PROCESS
 *
 * 64-bit fields are two 32-bit halves in the arch's byte order (seccomp loads are native
 * endian); a half whose mask is 0 is skipped.
 */
import {
  EA_META_ESIZE, EA_META_ROOT, type Insn, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS,
} from '@ea/bpf';
import type { StructType } from '@ea/layout';
import { foreignNrBit } from '@ea/seccomp';
import { Assembler, NEXT } from './assembler.js';
import { words64 } from './judge.js';
import type { Check, GuardForm, Policy } from './policy.js';
import { type ResolvedPath, resolvePath } from './path.js';

/** Holds EPERM, the errno a failed check returns. */
export const EPERM = 1;
/** Holds E2BIG, the errno the tail-zero guard returns for unknown non-zero tail bytes. */
export const E2BIG = 7;

/** Returns SECCOMP_RET_ERRNO with the given errno. */
export function retErrno(errno: number): number {
  return (SECCOMP_RET_ERRNO | (errno & 0xffff)) >>> 0;
}

/** Holds a built EA filter: its instructions and how many each check and the guard took. */
export interface BuiltFilter {
  readonly insns: Insn[];
  /** Instructions emitted for each check, in policy order (guard and prologue excluded). */
  readonly perCheck: readonly number[];
  /** Instructions emitted for the guard (0 for 'none'). */
  readonly guardInsns: number;
  /** The guard's k: the size of the struct version the filter knows. */
  readonly knownSize: number;
  /** What the checks read (the flattener's needs). */
  readonly needs: Needs;
}

/** Builds the filter for a policy; throws PathError or AssembleError on a bad policy. */
export function buildFilter(policy: Policy): BuiltFilter {
  const a = new Assembler();
  const deny = 'deny';
  const tail = 'tail';
  const other = 'otherwise';
  const kill = 'kill';
  a.ldAbs(4).jmp('jeq', policy.arch.auditArch, NEXT, kill);
  a.ldAbs(0);
  const foreign = foreignNrBit(policy.arch);
  if (foreign !== 0) a.jmp('jge', foreign, kill, NEXT);
  a.jmp('jeq', policy.nr, NEXT, other);
  const guardForm = policy.guard ?? 'tailzero';
  const guardInsns = emitGuard(a, guardForm, policy.struct.size, tail);
  const perCheck = policy.checks.map((check) => emitCheck(a, policy, check, deny));
  a.ret(SECCOMP_RET_ALLOW);
  a.label(deny).ret(policy.deny ?? retErrno(EPERM));
  a.label(tail).ret(policy.unknownTail ?? retErrno(E2BIG));
  a.label(other).ret(policy.otherwise ?? SECCOMP_RET_ALLOW);
  a.label(kill).ret(SECCOMP_RET_KILL_PROCESS);
  return { insns: a.build(), perCheck, guardInsns, knownSize: policy.struct.size, needs: needsOf(policy.struct, policy.checks) };
}

/**
 * Emits the tail-zero guard for a filter that knows the first k bytes of the struct:
 * (a) `ld_tailzero k; jeq #1, next, fail` or (b) `ld [ea_meta.esize]; jgt #k, fail, next`.
 * Both say "the caller set a byte at or past k": esize (one past the last non-zero byte)
 * exceeds k exactly when some byte in [k, usize) is non-zero.
 */
export function emitGuard(a: Assembler, form: GuardForm, k: number, fail: string): number {
  switch (form) {
    case 'tailzero':
      a.ldTailZero(k).jmp('jeq', 1, NEXT, fail);
      return 2;
    case 'esize':
      a.ldAbs(EA_META_ESIZE).jmp('jgt', k, fail, NEXT);
      return 2;
    case 'none':
      return 0;
    default:
      return assertForm(form);
  }
}

function assertForm(form: never): never {
  throw new Error(`unknown guard form ${String(form)}`);
}

/** What the checks of a policy need to be emitted: everything but the syscall and the actions. */
export type CheckSpec = Pick<Policy, 'arch' | 'struct' | 'placement' | 'checks' | 'guard'>;

/**
 * Holds a policy's guard and checks as a block to embed in a larger filter (@ea/profile's
 * whole-profile filter): `insns[0, body)` are the guard and the checks, and every jump out of
 * them lands on one of three exits, the instructions at `exits.pass`, `.deny` and `.tail`
 * (placeholder `ret`s at the end, which the embedder replaces by jumps to its own targets).
 * The body never falls into anything but `pass`, so an embedder that keeps the body in order
 * and routes the exits keeps every jump of the body as it was checked here.
 */
export interface CheckBlock {
  readonly insns: Insn[];
  readonly body: number;
  readonly exits: { readonly pass: number; readonly deny: number; readonly tail: number };
  /** The guard's k: the size of the struct version the block knows. */
  readonly knownSize: number;
  readonly needs: Needs;
}

/** Builds the guard and checks of a policy as an embeddable block; throws PathError, RangeError or AssembleError. */
export function buildChecks(spec: CheckSpec): CheckBlock {
  const a = new Assembler();
  emitGuard(a, spec.guard ?? 'tailzero', spec.struct.size, 'tail');
  for (const check of spec.checks) emitCheck(a, spec, check, 'deny');
  a.label('pass').ret(0);
  a.label('deny').ret(0);
  a.label('tail').ret(0);
  const insns = a.build();
  const body = insns.length - 3;
  return {
    insns,
    body,
    exits: { pass: body, deny: body + 1, tail: body + 2 },
    knownSize: spec.struct.size,
    needs: needsOf(spec.struct, spec.checks),
  };
}

/** Emits one check; returns how many instructions it took. */
function emitCheck(a: Assembler, policy: CheckSpec, check: Check, deny: string): number {
  const path = resolvePath(policy.struct, check.path);
  let n = 0;
  const load = prepareLoads(a, policy, path, deny, () => {
    n += 1;
  });
  // The 32-bit words of a constant at +0 and +4 of the field (one word for a 4-byte field).
  const halves = (value: bigint): (readonly [number, number])[] => {
    if (path.field.size === 4) {
      if (BigInt.asUintN(32, value) !== value) throw new RangeError(`${check.path} is 32 bits; ${value} does not fit`);
      return [[0, Number(value)]];
    }
    return words64(value, policy.arch.endian).map((w, i) => [i * 4, w] as const);
  };
  const test = check.test;
  switch (test.op) {
    case 'eq':
      for (const [at, word] of halves(test.value)) {
        load(at);
        a.jmp('jeq', word, NEXT, deny);
        n += 1;
      }
      return n;
    case 'noneSet':
      for (const [at, word] of halves(test.mask)) {
        if (word === 0) continue;
        load(at);
        a.jmp('jset', word, deny, NEXT);
        n += 1;
      }
      return n;
    case 'allSet':
      for (const [at, word] of halves(test.mask)) {
        if (word === 0) continue;
        load(at);
        a.and(word).jmp('jeq', word, NEXT, deny);
        n += 2;
      }
      return n;
    case 'oneOf': {
      // value 1 matches? -> ok; else try value 2; ... ; the last miss denies.
      const ok = a.newLabel('oneof.ok');
      test.values.forEach((value, i) => {
        const miss = i === test.values.length - 1 ? deny : a.newLabel('oneof.next');
        const words = halves(value);
        words.forEach(([at, word], j) => {
          load(at);
          a.jmp('jeq', word, j === words.length - 1 ? ok : NEXT, miss);
          n += 1;
        });
        if (miss !== deny) a.label(miss);
      });
      if (test.values.length === 0) {
        a.ja(deny);
        n += 1;
      }
      a.label(ok);
      return n;
    }
    default:
      return assertTestNever(test);
  }
}

function assertTestNever(test: never): never {
  throw new Error(`unknown test ${JSON.stringify(test)}`);
}

/**
 * Emits whatever must run before the field can be loaded and returns a function that emits the
 * load of the 32-bit word at `at` bytes into the field. Every emitted instruction is reported
 * through `tick` so checks can be counted.
 *
 * A nested field whose pointee was not copied (NULL, zero length, fault, over a limit) makes
 * the check fail: with jump tables the slot is 0 and must be tested, because X = 0 would make
 * `ld [x + k]` read seccomp_data, whose args the caller controls.
 */
function prepareLoads(
  a: Assembler,
  policy: CheckSpec,
  path: ResolvedPath,
  absent: string,
  tick: () => void,
): (at: number) => void {
  const place = policy.placement;
  const emit = (f: () => void): void => {
    f();
    tick();
  };
  if (place.strategy === 'fixed-window') {
    if (path.hops.length === 0) return (at) => emit(() => a.ldAbs(place.root + path.field.offset + at));
    const spot = place.window(chainOf(path));
    emit(() => a.ldAbs(spot.status));
    emit(() => a.jmp('jeq', 0, NEXT, absent));
    return (at) => emit(() => a.ldAbs(spot.data + path.field.offset + at));
  }
  if (path.hops.length === 0 && place.staticRoot !== undefined) {
    const root = place.staticRoot;
    return (at) => emit(() => a.ldAbs(root + path.field.offset + at));
  }
  if (path.hops.length === 0) {
    // The root copy follows the root's jump table, whose size is the kernel's struct size.
    emit(() => a.ldAbs(EA_META_ROOT));
    emit(() => a.tax());
  }
  path.hops.forEach((hop, i) => {
    // Slot = [u32 data offset][u32 table offset]; intermediate hops need the table.
    const word = i === path.hops.length - 1 ? 0 : 4;
    if (i === 0) emit(() => a.ldAbs(place.rootTable + hop.field.offset + word));
    else emit(() => a.ldInd(hop.field.offset + word));
    emit(() => a.jmp('jeq', 0, absent, NEXT));
    emit(() => a.tax());
  });
  return (at) => emit(() => a.ldInd(path.field.offset + at));
}

/** Returns `set_tid` or `bar->barbaz`: the pointer chain of a nested path. */
export function chainOf(path: ResolvedPath): string {
  return path.hops.map((h) => h.field.name).join('->');
}

/** What the filter reads, for the flattener (Kees' option 3: zero-fill up to it). */
export interface Needs {
  readonly root: number;
  readonly pointees: Readonly<Record<string, number>>;
}

/** Returns the bytes a policy's checks read in the root and in each pointee. */
export function needsOf(struct: StructType, checks: readonly Check[]): Needs {
  let root = struct.size;
  const pointees: Record<string, number> = {};
  for (const c of checks) {
    const p = resolvePath(struct, c.path);
    const end = p.field.offset + p.field.size;
    if (p.hops.length === 0) root = Math.max(root, end);
    else pointees[chainOf(p)] = Math.max(pointees[chainOf(p)] ?? 0, end);
  }
  return { root, pointees };
}
