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
  EA_META_ESIZE, type Insn, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS,
} from '@ea/bpf';
import type { StructType } from '@ea/layout';
import { foreignNrBit } from '@ea/seccomp';
import { Assembler, NEXT } from './assembler.js';
import { emitCheck } from './check.js';
import type { Check, CheckSpec, GuardForm, Policy } from './policy.js';
import { chainOf, resolvePath } from './path.js';

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
