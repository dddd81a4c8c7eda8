/**
 * EA rules: the `"ea": [{"path": "flags", "op": ..., "value": ..., "valueTwo": ...}]` conditions
 * of a rule on an extensible-argument syscall (clone3, openat2, ...), turned into @ea/policy
 * checks and built by @ea/policy's builder (buildChecks: the tail-zero guard, then the checks)
 * into one block per rule and syscall, which the profile's filter embeds (branches.ts).
 *
 * The struct a rule's paths name is the one @ea/layout's catalog describes for Linux 6.18
 * (@ea/policy's `version(name)`); the guard's k is its size, so a caller that sets a byte past
 * it gets ERRNO(E2BIG) from the rule instead of a verdict on fields the filter never saw.
 */
import { type CheckBlock, type Check, type Needs, type Placement, type Strategy, type Test, type Version, buildChecks, layoutPlacement, needsOf, PathError, resolvePath, version } from '@ea/policy';
import { CATALOG } from '@ea/layout';
import { type ArchInfo, syscallNumber } from '@ea/seccomp';
import { ProfileError } from './errors.js';
import type { EaCondition } from './model.js';
import type { ResolvedProfile, ResolvedRule } from './resolve.js';

/** The EA part of one rule for one syscall: its checks and the block @ea/policy built for them. */
export interface EaRule {
  readonly syscall: string;
  readonly checks: readonly Check[];
  readonly block: CheckBlock;
}

/** What a caller needs to build the image of an EA syscall for the compiled filter (@ea/layout's Flattener). */
export interface EaTarget {
  readonly syscall: string;
  /** The struct version the filter knows (the guard's k is its size). */
  readonly version: Version;
  readonly strategy: Strategy;
  /** What the filter reads: hand it to the flattener. */
  readonly needs: Needs;
  readonly placement: Placement;
}

/** The EA rules of a profile: by rule path, then syscall name; and the syscalls they read. */
export interface EaPlan {
  readonly rules: ReadonlyMap<string, ReadonlyMap<string, EaRule>>;
  readonly targets: readonly EaTarget[];
}

/** Names a syscall EA rules may apply to: a real (not hypothetical) catalog entry. */
function eaVersion(name: string, where: string): Version {
  const entry = CATALOG.get(name);
  if (entry === undefined || entry.hypothetical === true || syscallNumber('x86_64', name) === undefined) {
    const known = [...CATALOG.values()].filter((e) => e.hypothetical !== true && syscallNumber('x86_64', e.name) !== undefined).map((e) => e.name);
    throw new ProfileError('BAD_EA_RULE', where, `${name} takes no extensible-argument struct; EA conditions apply to ${known.join(', ')}`);
  }
  return version(name);
}

/**
 * One EA condition as an @ea/policy test, on a field of `size` bytes. Every libseccomp operator
 * means what it means on an argument (enum scmp_compare), compared unsigned at the field's width;
 * a constant wider than the field is BAD_VALUE rather than a comparison that is always or never true.
 */
function testOf(c: EaCondition, size: 1 | 2 | 4 | 8): Test {
  const bits = 8 * size;
  const max = (1n << BigInt(bits)) - 1n;
  if (c.value > max) throw new ProfileError('BAD_VALUE', `${c.path}.value`, `${c.field} is ${bits} bits; ${c.value} does not fit`);
  if (c.valueTwo > max) throw new ProfileError('BAD_VALUE', `${c.path}.valueTwo`, `${c.field} is ${bits} bits; ${c.valueTwo} does not fit`);
  switch (c.op) {
    case 'SCMP_CMP_EQ':
      return { op: 'eq', value: c.value };
    case 'SCMP_CMP_NE':
      return { op: 'ne', value: c.value };
    case 'SCMP_CMP_LT':
      return { op: 'lt', value: c.value };
    case 'SCMP_CMP_LE':
      return { op: 'le', value: c.value };
    case 'SCMP_CMP_GT':
      return { op: 'gt', value: c.value };
    case 'SCMP_CMP_GE':
      return { op: 'ge', value: c.value };
    case 'SCMP_CMP_MASKED_EQ': {
      // (field & value) == valueTwo, as libseccomp's masked compare.
      const mask = c.value;
      const want = c.valueTwo;
      if ((want & ~mask) !== 0n) {
        throw new ProfileError('BAD_EA_RULE', `${c.path}.valueTwo`, `valueTwo 0x${want.toString(16)} has bits outside the mask 0x${mask.toString(16)}: the condition can never hold`);
      }
      // noneSet is one jset per word; allSet and eq are what maskedEq would emit, under the names the policy language already had.
      if (want === 0n) return { op: 'noneSet', mask };
      if (want === mask) return { op: 'allSet', mask };
      if (mask === max) return { op: 'eq', value: want };
      return { op: 'maskedEq', mask, value: want };
    }
    default:
      return assertOp(c.op);
  }
}

function assertOp(op: never): never {
  throw new Error(`unknown operator ${String(op)}`);
}

function checkOf(v: Version, c: EaCondition): Check {
  let size: 1 | 2 | 4 | 8;
  try {
    size = resolvePath(v.struct, c.field).field.size;
  } catch (e) {
    if (e instanceof PathError) throw new ProfileError('BAD_EA_RULE', `${c.path}.path`, `${e.message} (struct ${v.struct.name}, ${v.struct.size} bytes)`);
    throw e;
  }
  return { path: c.field, test: testOf(c, size) };
}

function rulesWithEa(profile: ResolvedProfile): ResolvedRule[] {
  return profile.rules.filter((r) => r.ea.length > 0 && r.ret !== profile.defaultRet);
}

/**
 * Validates every EA condition and builds the blocks: throws ProfileError BAD_EA_RULE (a syscall
 * without a struct, a path that names no field, a MASKED_EQ that can never hold) or
 * BAD_VALUE (a constant wider than its field), naming the JSON path.
 */
export function planEa(profile: ResolvedProfile, arch: ArchInfo, strategy: Strategy): EaPlan {
  const checks = new Map<string, Map<string, Check[]>>();
  const versions = new Map<string, Version>();
  for (const rule of rulesWithEa(profile)) {
    const byName = new Map<string, Check[]>();
    rule.names.forEach((name, i) => {
      const v = versions.get(name) ?? eaVersion(name, `${rule.path}.names[${i}]`);
      versions.set(name, v);
      byName.set(name, rule.ea.map((c) => checkOf(v, c)));
    });
    checks.set(rule.path, byName);
  }
  const targets: EaTarget[] = [];
  for (const [name, v] of versions) {
    const all = [...checks.values()].flatMap((m) => m.get(name) ?? []);
    const needs = needsOf(v.struct, all);
    targets.push({ syscall: name, version: v, strategy, needs, placement: layoutPlacement(v.sys, strategy, needs) });
  }
  const rules = new Map<string, Map<string, EaRule>>();
  for (const [path, byName] of checks) {
    const out = new Map<string, EaRule>();
    for (const [name, list] of byName) {
      const t = targets.find((x) => x.syscall === name)!;
      const block = buildChecks({ arch, struct: t.version.struct, placement: t.placement, checks: list, guard: 'tailzero' });
      out.set(name, { syscall: name, checks: list, block });
    }
    rules.set(path, out);
  }
  return { rules, targets };
}
