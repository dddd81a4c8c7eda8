/**
 * From resolved rules to what one architecture's filter must decide: for each syscall number, the
 * branches (conditions ANDed, branches ORed) and the return value of each. Follows runc's
 * matchCall and libseccomp:
 *   - a rule whose action equals the default is dropped (runc);
 *   - a name the arch does not know is skipped (runc logs it; we warn, naming the names);
 *   - two conditions on the same argument in one rule become separate rules, ORed (runc's
 *     "revert to old behavior" in matchCall), with a warning because the JSON reads as AND;
 *   - values are cut to 32 bits on 32-bit ABIs (libseccomp _db_rule_gen_32);
 *   - socket and IPC calls are also added through socketcall/ipc where libseccomp does it.
 * When several rules name one syscall with different return values: the first one without
 * conditions decides (libseccomp keeps the first unconditional rule and lets it override
 * conditional ones), with a SHADOWED_RULE warning naming the rules. Conditional rules with
 * different return values must be provably disjoint; otherwise the answer would depend on how
 * libseccomp merges its decision tree, and we refuse the profile (AMBIGUOUS_RULES, naming both).
 */
import { ARCHES, type ArchName, syscallNumber } from '@ea/seccomp';
import { type Cond, constantTruth, disjoint } from './conditions.js';
import type { EaPlan, EaRule } from './ea.js';
import { ProfileError, type ProfileWarning } from './errors.js';
import { multiplexOf } from './multiplex.js';
import type { ResolvedProfile, ResolvedRule } from './resolve.js';

/** One way for a syscall to match: every condition holds. */
export interface Branch {
  readonly ret: number;
  readonly conds: readonly Cond[];
  /** The JSON path of the rule it came from. */
  readonly path: string;
  /** The rule's EA conditions on this syscall's struct, ANDed with `conds` (ea.ts). */
  readonly ea?: EaRule;
}

/** What a syscall number does: the first matching branch's ret, else the default. */
export interface SyscallPlan {
  readonly nr: number;
  readonly name: string;
  /** Empty: the number gets the default. One branch without conditions: unconditional. */
  readonly branches: readonly Branch[];
}

/** What a filter decides for one architecture. */
export interface ArchPlan {
  readonly arch: ArchName;
  readonly bits: 32 | 64;
  /** By number. */
  readonly syscalls: readonly SyscallPlan[];
  /** Names in the profile this arch has no number for (skipped, as runc does). */
  readonly unknown: readonly string[];
}

const LOW32 = 0xffffffffn;

function widen(rule: ResolvedRule, bits: 32 | 64): Cond[] {
  return rule.args.map((a) =>
    bits === 64 ? a : { ...a, value: a.value & LOW32, valueTwo: a.valueTwo & LOW32 },
  );
}

/** runc's matchCall: one rule, or one rule per condition when an argument is named twice. */
function splitRule(rule: ResolvedRule, bits: 32 | 64, warnings: ProfileWarning[]): Cond[][] {
  const conds = widen(rule, bits);
  const twice = new Set(conds.map((c) => c.index)).size !== conds.length;
  if (!twice) return [conds];
  if (!warnings.some((w) => w.code === 'SAME_ARG_TWICE' && w.paths[0] === rule.path)) {
    warnings.push({
      code: 'SAME_ARG_TWICE',
      paths: [rule.path],
      message: `${rule.path} names one argument twice: runc then adds each condition as its own rule, so they are ORed, not ANDed`,
    });
  }
  return conds.map((c) => [c]);
}

function simplify(conds: readonly Cond[], bits: 32 | 64): Cond[] | undefined {
  const out: Cond[] = [];
  for (const c of conds) {
    const t = constantTruth(c, bits);
    if (t === false) return undefined;
    if (t === undefined) out.push(c);
  }
  return out;
}

function checkAmbiguity(name: string, branches: readonly Branch[], bits: 32 | 64): void {
  for (let i = 0; i < branches.length; i++) {
    for (let j = i + 1; j < branches.length; j++) {
      const a = branches[i]!;
      const b = branches[j]!;
      if (a.ret === b.ret) continue;
      const separated = a.conds.some((ca) => b.conds.some((cb) => ca.index === cb.index && disjoint(ca, cb, bits)));
      if (!separated) {
        throw new ProfileError(
          'AMBIGUOUS_RULES',
          a.path,
          `${a.path} and ${b.path} both match some calls of ${name} with different actions; make their conditions exclusive (libseccomp's answer would depend on its rule order)`,
        );
      }
    }
  }
}

/** Plans the filter for one architecture of a resolved profile; throws ProfileError AMBIGUOUS_RULES. */
export function planArch(profile: ResolvedProfile, arch: ArchName, warnings: ProfileWarning[], ea?: EaPlan): ArchPlan {
  const info = ARCHES[arch];
  const bits = info.bits;
  const byNr = new Map<number, { name: string; branches: Branch[] }>();
  const unknown = new Set<string>();
  const add = (nr: number, name: string, branch: Branch): void => {
    let entry = byNr.get(nr);
    if (entry === undefined) {
      entry = { name, branches: [] };
      byNr.set(nr, entry);
    }
    entry.branches.push(branch);
  };
  const multiplexed: string[] = [];
  for (const rule of profile.rules) {
    if (rule.ret === profile.defaultRet) continue;
    const variants = splitRule(rule, bits, warnings);
    for (const name of rule.names) {
      const direct = syscallNumber(arch, name);
      const mux = multiplexOf(arch, name);
      const muxNr = mux === undefined ? undefined : syscallNumber(arch, mux.via);
      if (direct === undefined && muxNr === undefined) {
        unknown.add(name);
        continue;
      }
      const eaRule = ea?.rules.get(rule.path)?.get(name);
      if (rule.ea.length > 0 && eaRule === undefined) throw new Error(`${rule.path}: EA conditions were not planned`);
      for (const conds of variants) {
        if (direct !== undefined) {
          const kept = simplify(conds, bits);
          if (kept !== undefined) add(direct, name, eaRule === undefined ? { ret: rule.ret, conds: kept, path: rule.path } : { ret: rule.ret, conds: kept, path: rule.path, ea: eaRule });
        }
        if (mux !== undefined && muxNr !== undefined) {
          // The struct sits behind socketcall's/ipc's argument block there: its EA conditions cannot be read.
          if (eaRule !== undefined) throw new ProfileError('BAD_EA_RULE', rule.path, `${name} is multiplexed through ${mux.via} on ${arch}, where its EA struct cannot be read`);
          const call: Cond = { index: 0, op: 'SCMP_CMP_EQ', value: BigInt(mux.call), valueTwo: 0n, path: rule.path };
          const kept = simplify([call, ...conds.filter((c) => c.index !== 0)], bits);
          if (kept !== undefined) add(muxNr, mux.via, { ret: rule.ret, conds: kept, path: rule.path });
          const label = `${name} (${rule.path})`;
          if (conds.some((c) => c.index === 0) && !multiplexed.includes(label)) multiplexed.push(label);
        }
      }
    }
  }
  if (multiplexed.length > 0) {
    warnings.push({
      code: 'MULTIPLEXED',
      paths: [],
      message: `${arch}: ${multiplexed.join(', ')} also match through socketcall/ipc without their arg0 conditions, which sit behind a pointer there (libseccomp's abi_rule_add does the same)`,
    });
  }
  const syscalls: SyscallPlan[] = [];
  for (const [nr, { name, branches }] of [...byNr].sort((x, y) => x[0] - y[0])) {
    // An unconditional branch decides the call alone: libseccomp keeps the first unconditional
    // rule it is given (runc adds them in profile order) and lets it override conditional ones.
    const open = branches.find((b) => b.conds.length === 0 && b.ea === undefined);
    if (open === undefined) {
      checkAmbiguity(name, branches, bits);
      syscalls.push({ nr, name, branches });
      continue;
    }
    const losers = [...new Set(branches.filter((b) => b.ret !== open.ret).map((b) => b.path))];
    if (losers.length > 0) {
      warnings.push({
        code: 'SHADOWED_RULE',
        paths: [open.path, ...losers],
        message: `${arch}: ${name} is decided by ${open.path} (the first rule naming it without conditions); ${losers.join(', ')} never apply to it`,
      });
    }
    syscalls.push({ nr, name, branches: [open] });
  }
  if (unknown.size > 0) {
    warnings.push({ code: 'UNKNOWN_SYSCALLS', paths: [], message: `${arch} has no syscall named ${[...unknown].sort().join(', ')} (skipped, as runc does)` });
  }
  return { arch, bits, syscalls, unknown: [...unknown].sort() };
}
