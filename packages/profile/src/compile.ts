/**
 * compileProfile(): profile text (or a read document) to a verified seccomp filter, for one
 * machine (architecture, capabilities, kernel). Read, resolve, plan each architecture, generate,
 * then verify with @ea/verifier's seccomp profile: what comes out is a VerifiedProgram the
 * interpreter and the JIT accept, or a ProfileError.
 */
import { BPF_MAXINSNS, type Insn, SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG } from '@ea/bpf';
import type { Strategy } from '@ea/policy';
import { ARCHES, formatAction } from '@ea/seccomp';
import type { ArchName } from '@ea/seccomp';
import { type VerifiedProgram, verify } from '@ea/verifier';
import { Assembler, assemble } from './asm.js';
import { emitFilter } from './codegen.js';
import { type EaPlan, type EaTarget, planEa } from './ea.js';
import { type EnosysRule, planEnosys } from './enosys.js';
import { ProfileError, type ProfileWarning } from './errors.js';
import type { ProfileDocument } from './model.js';
import { type ArchPlan, planArch } from './plan.js';
import { readProfile } from './read.js';
import { type ResolvedProfile, type ResolveOptions, resolveProfile } from './resolve.js';

/** Options of compileProfile: the machine, and what to answer for an architecture the filter does not cover. */
export interface CompileOptions extends ResolveOptions {
  /** Return value for calls from other architectures (default KILL_THREAD, libseccomp's SCMP_ACT_KILL). */
  readonly badArchRet?: number;
  /** How the kernel flattens EA structs for the filter (@ea/layout's strategies; default 'jump-table'). */
  readonly eaStrategy?: Strategy;
  /**
   * runc's -ENOSYS answer: numbers above the largest one the profile names on an architecture
   * get ERRNO(ENOSYS) instead of the default, so newer syscalls fall back (enosys.ts). Default false.
   */
  readonly enosys?: boolean;
}

/** A compiled profile: the verified program and everything learnt on the way. */
export interface CompiledProfile {
  readonly program: VerifiedProgram;
  readonly insns: readonly Insn[];
  readonly resolved: ResolvedProfile;
  readonly plans: readonly ArchPlan[];
  /** Per architecture, the names it does not know (skipped). */
  readonly unknown: Readonly<Partial<Record<ArchName, readonly string[]>>>;
  readonly warnings: readonly ProfileWarning[];
  /** `ea` when a rule has EA conditions (the program then runs over EA images), else `seccomp`. */
  readonly profile: 'seccomp' | 'ea';
  /** The EA syscalls the filter reads structs of, with what the flattener needs (empty for `seccomp`). */
  readonly ea: readonly EaTarget[];
  /** With `enosys`: the largest number per architecture above which the filter answers ERRNO(ENOSYS); else undefined. */
  readonly enosys: EnosysRule | undefined;
}

function allowsSomething(resolved: ResolvedProfile): boolean {
  const runs = (ret: number): boolean => ret >>> 0 === SECCOMP_RET_ALLOW || (ret & 0xffff0000) >>> 0 === SECCOMP_RET_LOG;
  return runs(resolved.defaultRet) || resolved.rules.some((r) => runs(r.ret));
}

/** Compiles a resolved profile; throws ProfileError (AMBIGUOUS_RULES, BAD_EA_RULE, TOO_LARGE). */
export function compileResolved(
  resolved: ResolvedProfile,
  badArchRet: number = SECCOMP_RET_KILL_THREAD,
  eaStrategy: Strategy = 'jump-table',
  enosys = false,
): CompiledProfile {
  if (!Number.isInteger(badArchRet) || badArchRet < 0 || badArchRet > 0xffffffff) {
    throw new ProfileError('BAD_OPTION', 'badArchRet', 'expected a u32 return value');
  }
  const warnings: ProfileWarning[] = [...resolved.warnings];
  if (eaStrategy !== 'jump-table' && eaStrategy !== 'fixed-window') {
    throw new ProfileError('BAD_OPTION', 'eaStrategy', `expected 'jump-table' or 'fixed-window'`);
  }
  // EA rules: one block per rule and syscall, built by @ea/policy (ea.ts); every arch shares one
  // byte order (MIXED_BYTE_ORDER), the only thing the blocks depend on besides the struct.
  const ea: EaPlan = planEa(resolved, ARCHES[resolved.native], eaStrategy);
  const plans = resolved.arches.map((a) => planArch(resolved, a, warnings, ea));
  if (!allowsSomething(resolved)) {
    warnings.push({
      code: 'ALLOWS_NOTHING',
      paths: [],
      message: `no rule allows anything and the default is ${formatAction(resolved.defaultRet)}: a process under this filter cannot make a single syscall`,
    });
  }
  if (typeof enosys !== 'boolean') throw new ProfileError('BAD_OPTION', 'enosys', 'expected true or false');
  const stub = enosys ? planEnosys(resolved) : undefined;
  if (enosys && stub === undefined) {
    warnings.push({
      code: 'NO_ENOSYS_STUB',
      paths: [],
      message: `the default action is ${resolved.defaultAction}: runc adds no ENOSYS answer then (new syscalls already run, or a tracer answers them)`,
    });
  }
  const asm = new Assembler();
  emitFilter(asm, plans, resolved.defaultRet, badArchRet, stub);
  // Long jumps only add instructions: a program already too long is refused before assembling.
  const before = asm.items.filter((i) => i.op !== 'label').length;
  if (before > BPF_MAXINSNS) {
    throw new ProfileError('TOO_LARGE', 'syscalls', `the filter needs at least ${before} instructions, the kernel takes at most ${BPF_MAXINSNS}`);
  }
  const insns = assemble(asm.items);
  if (insns.length > BPF_MAXINSNS) {
    throw new ProfileError('TOO_LARGE', 'syscalls', `the filter needs ${insns.length} instructions, the kernel takes at most ${BPF_MAXINSNS}`);
  }
  const profile = ea.targets.length > 0 ? 'ea' : 'seccomp';
  const program = verify(insns, { profile });
  const unknown: Partial<Record<ArchName, readonly string[]>> = {};
  for (const p of plans) if (p.unknown.length > 0) unknown[p.arch] = p.unknown;
  return { program, insns, resolved, plans, unknown, warnings, profile, ea: ea.targets, enosys: stub };
}

/** Reads, resolves and compiles a profile; throws ProfileError for anything wrong with it. */
export function compileProfile(input: string | ProfileDocument, options: CompileOptions): CompiledProfile {
  const doc = typeof input === 'string' ? readProfile(input) : input;
  return compileResolved(resolveProfile(doc, options), options.badArchRet, options.eaStrategy, options.enosys);
}
