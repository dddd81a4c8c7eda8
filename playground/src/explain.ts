/**
 * The explain view's data: @ea/explain's decision for every syscall number of each accepted arch,
 * as rows (one per syscall, or run of unnamed numbers) and grouped by action as the CLI's
 * `ea-bpf explain` table groups them: per arch the named syscalls with one action, largest group
 * first; then the conditional ones with their decision lists; then the unnamed numbers.
 */
import { explain, type Predicate, type SyscallDecision, syscallDecisions } from '@ea/explain';
import { decodeAction, formatAction } from '@ea/seccomp';
import type { VerifiedProgram } from '@ea/verifier';

/** One decision case, written out: `when` is `always` or predicates joined by &&. */
export interface CaseText {
  readonly when: string;
  readonly action: string;
}

/** One row of the explain table. */
export interface ExplainRow {
  readonly arch: string;
  readonly nr: number;
  readonly to: number | null;
  readonly name: string | null;
  readonly cases: readonly CaseText[];
}

/** One arch's syscalls grouped by action, as `ea-bpf explain` prints them. */
export interface ArchGroups {
  readonly arch: string;
  readonly named: number;
  readonly allowed: number;
  readonly denied: number;
  /** Each action given unconditionally to named syscalls, the largest group first. */
  readonly actions: readonly { readonly action: string; readonly names: readonly string[] }[];
  /** Named syscalls whose action depends on their arguments. */
  readonly conditional: readonly { readonly name: string; readonly nr: number; readonly cases: readonly CaseText[] }[];
  /** Numbers without a name (runs), each with its action or `conditional`. */
  readonly unnamed: readonly { readonly nr: number; readonly to: number | null; readonly decision: string }[];
}

/** The explanation: rows and groups. */
export interface Explained {
  readonly rows: readonly ExplainRow[];
  readonly groups: readonly ArchGroups[];
}

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

const OPS: Readonly<Record<Predicate['op'], string>> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=', masked_eq: '==', masked_ne: '!=' };

/** Writes a predicate as the CLI's explain does: `args[0] == 8`, `(args[1] & 0xff) != 0x3`. */
export function predicateText(p: Predicate): string {
  if (p.mask !== undefined) return `(${p.field} & ${hex(p.mask)}) ${OPS[p.op]} ${hex(p.value)}`;
  return `${p.field} ${OPS[p.op]} ${p.value < 10n ? p.value.toString() : hex(p.value)}`;
}

function cases(d: SyscallDecision): CaseText[] {
  return d.cases.map((c) => ({ when: c.when.length === 0 ? 'always' : c.when.map(predicateText).join(' && '), action: formatAction(c.ret) }));
}

/** Tells whether a result lets the call run (allow, log), as the CLI counts "allowed". */
function letsRun(ret: number): boolean {
  const a = decodeAction(ret).action;
  return a === 'allow' || a === 'log';
}

/** Groups one arch's decisions by action (the CLI's printHuman). */
export function groupByAction(arch: string, lines: readonly SyscallDecision[]): ArchGroups {
  const named = lines.filter((l) => l.name !== undefined);
  const plain = new Map<number, string[]>();
  for (const l of named) if (l.cases.length === 1) plain.set(l.cases[0]!.ret, [...(plain.get(l.cases[0]!.ret) ?? []), l.name!]);
  const conditional = named.filter((l) => l.cases.length > 1);
  const allowed = named.filter((l) => l.cases.length === 1 && letsRun(l.cases[0]!.ret)).length;
  return {
    arch,
    named: named.length,
    allowed,
    denied: named.length - allowed - conditional.length,
    actions: [...plain.entries()].sort((x, y) => y[1].length - x[1].length).map(([ret, names]) => ({ action: formatAction(ret), names })),
    conditional: conditional.map((l) => ({ name: l.name!, nr: l.nr, cases: cases(l) })),
    unnamed: lines.filter((l) => l.name === undefined).map((l) => ({ nr: l.nr, to: l.to ?? null, decision: l.cases.length === 1 ? formatAction(l.cases[0]!.ret) : 'conditional' })),
  };
}

/** Explains a seccomp filter; throws @ea/explain's typed error (UNSUPPORTED, TOO_COMPLEX). */
export function explainProgram(program: VerifiedProgram): Explained {
  const e = explain(program);
  const lines = e.arches.filter((a) => a.accepted).flatMap(syscallDecisions);
  const rows = lines.map((d) => ({ arch: d.arch, nr: d.nr, to: d.to ?? null, name: d.name ?? null, cases: cases(d) }));
  const arches = [...new Set(lines.map((l) => l.arch))];
  return { rows, groups: arches.map((a) => groupByAction(a, lines.filter((l) => l.arch === a))) };
}
