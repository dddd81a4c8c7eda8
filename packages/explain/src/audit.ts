/**
 * audit(): the mistakes people make in seccomp filters, found on the exact explanation, each with
 * a severity and the instructions involved (the `ret` and the jumps of the paths concerned).
 * The facts behind each check: kernel-semantics and seccomp-profiles notes in docs/explain.md.
 */
import { formatInsn } from '@ea/bpf';
import { type ArchName, decodeAction, formatAction, syscallNumber, syscallTable } from '@ea/seccomp';
import type { VerifiedProgram } from '@ea/verifier';
import { type ArchExplanation, explainExploration, type Explanation, lets, type NrRange, rangeOf } from './explain.js';
import { ARCH_WORD, explore, type ExploreLimits, type Leaf, NR_WORD, trailJumps } from './explore.js';
import { isFull } from './interval.js';
import { isAny } from './word.js';

/** How much a finding matters. */
export type Severity = 'high' | 'medium' | 'low' | 'info';

/** Names the kind of a finding (stable, for machines). */
export type FindingKind =
  | 'no-arch-check'
  | 'x32-reachable'
  | 'default-allow'
  | 'equivalent-allowed'
  | 'io-uring-bypass'
  | 'instruction-pointer'
  | 'unreachable';

/** One finding: what, how bad, where. */
export interface Finding {
  readonly kind: FindingKind;
  readonly severity: Severity;
  readonly message: string;
  /** The instructions involved, ascending. */
  readonly pcs: readonly number[];
  readonly arch?: ArchName;
}

/** The syscalls that do the same thing by another number (the first is the one usually listed). */
const EQUIVALENTS: readonly (readonly string[])[] = [
  ['open', 'openat', 'openat2', 'creat'],
  ['execve', 'execveat'],
  ['clone', 'clone3', 'fork', 'vfork'],
];

/** The i386 socket calls that also arrive multiplexed through socketcall(2), their arguments behind a pointer. */
const SOCKETCALLS = ['socket', 'bind', 'connect', 'listen', 'accept', 'accept4', 'getsockname', 'getpeername', 'socketpair', 'sendto', 'recvfrom', 'shutdown', 'setsockopt', 'getsockopt', 'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg'];

/** Operations io_uring performs on the caller's behalf without a syscall seccomp could see (io_uring/opdef.c). */
const IO_URING_OPS = [
  'read', 'write', 'readv', 'writev', 'pread64', 'pwrite64', 'fsync', 'sync_file_range', 'openat', 'openat2', 'close', 'statx',
  'fallocate', 'fadvise64', 'madvise', 'sendmsg', 'recvmsg', 'sendto', 'recvfrom', 'accept', 'accept4', 'connect', 'shutdown',
  'socket', 'bind', 'listen', 'splice', 'tee', 'renameat', 'renameat2', 'unlinkat', 'mkdirat', 'symlinkat', 'linkat',
  'epoll_ctl', 'ftruncate', 'setxattr', 'fsetxattr', 'getxattr', 'fgetxattr', 'waitid', 'futex',
];

const ENOSYS = 38;

/** Options of audit(): the walk bounds. */
export type AuditOptions = ExploreLimits;

/** Audits a verified seccomp filter; findings are ordered by severity, then by first instruction. */
export function audit(program: VerifiedProgram, options: AuditOptions = {}): Finding[] {
  return auditExplanation(program, explainExploration(explore(program, options)));
}

/** Audits an explanation of `program`. */
export function auditExplanation(program: VerifiedProgram, e: Explanation): Finding[] {
  const leaves = e.exploration.leaves;
  const out: Finding[] = [];
  archCheck(program, leaves, out);
  for (const arch of e.arches) {
    if (!arch.accepted) continue;
    x32(arch, leaves, out);
    for (const name of arch.names) {
      if (name === 'x32' && arch.names.includes('x86_64')) continue;
      defaultAllow(arch, name, leaves, out);
      equivalents(arch, name, leaves, out);
      ioUring(arch, name, leaves, out);
    }
  }
  instructionPointer(leaves, out);
  unreachable(program, e, out);
  const rank: Record<Severity, number> = { high: 0, medium: 1, low: 2, info: 3 };
  return out.sort((a, b) => rank[a.severity] - rank[b.severity] || (a.pcs[0] ?? 0) - (b.pcs[0] ?? 0));
}

function pcsOf(leaves: readonly Leaf[], paths: readonly number[], words?: readonly number[]): number[] {
  const set = new Set<number>();
  for (const i of paths) {
    const l = leaves[i]!;
    set.add(l.pc);
    // The tests that matched (a failed nr test only says "not this rule") and every argument test.
    for (const j of trailJumps(l.jumps)) if ((words === undefined || words.includes(j.word)) && (j.taken || j.word > 1)) set.add(j.pc);
  }
  return [...set].sort((a, b) => a - b);
}

function archCheck(program: VerifiedProgram, leaves: readonly Leaf[], out: Finding[]): void {
  const unchecked = leaves.map((l, i) => [l, i] as const).filter(([l]) => isFull(l.words[ARCH_WORD]!.ranges) && lets(l.ret));
  if (unchecked.length === 0) return;
  const readsArch = program.insns.some((i) => i.kind === 'ld_abs' && i.k === 4);
  out.push({
    kind: 'no-arch-check',
    severity: 'high',
    message: readsArch
      ? `${unchecked.length} path(s) reach ${formatAction(unchecked[0]![0].ret)} without checking seccomp_data.arch: a syscall number means different calls on other architectures (i386, x32)`
      : 'the filter never reads seccomp_data.arch: a syscall number means different calls on other architectures (i386, x32)',
    pcs: pcsOf(leaves, unchecked.map(([, i]) => i), [NR_WORD]),
  });
}

function x32(arch: ArchExplanation, leaves: readonly Leaf[], out: Finding[]): void {
  if (!arch.names.includes('x86_64')) return;
  const x32Ranges = arch.ranges.filter((r) => (r.last >= 0x40000000 && r.first <= 0x7fffffff) || r.last >= 0xc0000000);
  const running = (r: NrRange) => r.cases.some((c) => runs(c.ret));
  const allowed = x32Ranges.filter(running);
  if (allowed.length === 0) return;
  // A filter that splits at X32_SYSCALL_BIT handles x32 on purpose; then only a bypass is reported.
  const deliberate = arch.ranges.some((r) => r.first === 0x40000000 || r.last === 0x3fffffff);
  const bypass: string[] = [];
  for (const [name, nr] of syscallTable('x32')) {
    const x86 = syscallNumber('x86_64', name);
    if (x86 === undefined || !running(rangeOf(arch, nr))) continue;
    if (!running(rangeOf(arch, x86))) bypass.push(name);
  }
  if (bypass.length > 0) {
    out.push({
      kind: 'x32-reachable',
      severity: 'high',
      arch: 'x86_64',
      message: `x32 numbers (X32_SYSCALL_BIT set) run calls blocked as x86_64 numbers: ${list(bypass)}`,
      pcs: pcsOf(leaves, allowed.flatMap((r) => r.paths), [NR_WORD, ARCH_WORD]),
    });
  } else if (!deliberate) {
    out.push({
      kind: 'x32-reachable',
      severity: 'medium',
      arch: 'x86_64',
      message: 'x32 syscall numbers (X32_SYSCALL_BIT set) on AUDIT_ARCH_X86_64 are allowed: the filter does not tell x32 from x86_64',
      pcs: pcsOf(leaves, allowed.flatMap((r) => r.paths), [NR_WORD, ARCH_WORD]),
    });
  }
}

/** Tells whether a result lets the syscall itself run (allow, log, and trace/user_notif that may continue it). */
function runs(ret: number): boolean {
  const a = decodeAction(ret).action;
  return a === 'allow' || a === 'log';
}

function list(names: readonly string[]): string {
  return names.length > 8 ? `${names.slice(0, 8).join(', ')} and ${names.length - 8} more` : names.join(', ');
}

type Status = { kind: 'blocked' | 'allowed' | 'conditional'; range: NrRange };

function statusOf(arch: ArchExplanation, name: string, archName: ArchName): Status | undefined {
  const nr = syscallNumber(archName, name);
  if (nr === undefined) return undefined;
  const range = rangeOf(arch, nr);
  const rets = range.cases.map((c) => c.ret);
  if (rets.every((r) => !runs(r))) return { kind: 'blocked', range };
  if (rets.every(runs)) return { kind: 'allowed', range };
  return { kind: 'conditional', range };
}

function defaultAllow(arch: ArchExplanation, name: ArchName, leaves: readonly Leaf[], out: Finding[]): void {
  // The decision for numbers no table names: the largest run of unnamed numbers below X32_SYSCALL_BIT.
  const probe = name === 'x32' ? 0x40000000 + 0x3ff0 : 0x3ff0;
  const range = rangeOf(arch, probe);
  if (range.cases.length !== 1 || !runs(range.cases[0]!.ret)) return;
  out.push({
    kind: 'default-allow',
    severity: 'medium',
    arch: name,
    message: `the default action is ${formatAction(range.cases[0]!.ret)}: syscalls the filter does not list, including ones added to the kernel later, run`,
    pcs: pcsOf(leaves, range.paths),
  });
}

function equivalents(arch: ArchExplanation, name: ArchName, leaves: readonly Leaf[], out: Finding[]): void {
  for (const group of EQUIVALENTS) {
    const statuses = group.map((s) => [s, statusOf(arch, s, name)] as const).filter((x): x is readonly [string, Status] => x[1] !== undefined);
    const blocked = statuses.filter(([, s]) => s.kind === 'blocked');
    const open = statuses.filter(([, s]) => s.kind !== 'blocked');
    if (blocked.length === 0 || open.length === 0) continue;
    // clone3 -> ERRNO(ENOSYS) is the deliberate glibc fallback to clone (moby PR #42681).
    const fallback = blocked.every(([, s]) => s.range.cases.every((c) => decodeAction(c.ret).action === 'errno' && decodeAction(c.ret).data === ENOSYS));
    const unconditional = open.some(([, s]) => s.kind === 'allowed');
    out.push({
      kind: 'equivalent-allowed',
      severity: fallback ? 'info' : unconditional ? 'medium' : 'low',
      arch: name,
      message: `${blocked.map(([s]) => s).join(', ')} ${blocked.length > 1 ? 'are' : 'is'} blocked but ${open.map(([s, st]) => (st.kind === 'allowed' ? s : `${s} (conditionally)`)).join(', ')} ${open.length > 1 ? 'do' : 'does'} the same and ${open.length > 1 ? 'are' : 'is'} allowed${fallback ? ' (ERRNO(ENOSYS) makes callers fall back, as intended)' : ''}`,
      pcs: pcsOf(leaves, [...blocked, ...open].flatMap(([, s]) => s.range.paths)),
    });
  }
  if (name !== 'i386') return;
  const sc = statusOf(arch, 'socketcall', name);
  if (sc === undefined || sc.kind === 'blocked') return;
  const restricted = SOCKETCALLS.map((s) => [s, statusOf(arch, s, name)] as const).filter(([, s]) => s !== undefined && s.kind !== 'allowed');
  if (restricted.length === 0) return;
  out.push({
    kind: 'equivalent-allowed',
    severity: 'medium',
    arch: name,
    message: `socketcall is ${sc.kind === 'allowed' ? 'allowed' : 'conditionally allowed'} while ${list(restricted.map(([s]) => s))} ${restricted.length > 1 ? 'are' : 'is'} blocked or restricted: on i386 socketcall(2) performs them with its arguments behind a pointer the filter cannot read`,
    pcs: pcsOf(leaves, [sc.range, ...restricted.map(([, s]) => s!.range)].flatMap((r) => r.paths)),
  });
}

function ioUring(arch: ArchExplanation, name: ArchName, leaves: readonly Leaf[], out: Finding[]): void {
  const setup = ['io_uring_setup', 'io_uring_enter'].map((s) => statusOf(arch, s, name));
  if (setup.some((s) => s === undefined || s.kind === 'blocked')) return;
  const blocked = IO_URING_OPS.map((s) => [s, statusOf(arch, s, name)] as const).filter(([, s]) => s !== undefined && s.kind !== 'allowed');
  if (blocked.length === 0) return;
  out.push({
    kind: 'io-uring-bypass',
    severity: 'medium',
    arch: name,
    message: `io_uring is allowed, and it performs ${list(blocked.map(([s]) => s))} without a syscall, while the filter blocks or restricts ${blocked.length > 1 ? 'them' : 'it'}`,
    pcs: pcsOf(leaves, [...setup.map((s) => s!.range), ...blocked.map(([, s]) => s!.range)].flatMap((r) => r.paths)),
  });
}

function instructionPointer(leaves: readonly Leaf[], out: Finding[]): void {
  const paths = leaves.map((l, i) => [l, i] as const).filter(([l]) => !isAny(l.words[2]!) || !isAny(l.words[3]!));
  if (paths.length === 0) return;
  out.push({
    kind: 'instruction-pointer',
    severity: 'low',
    message: `${paths.length} path(s) decide on seccomp_data.instruction_pointer, which the calling code controls (any code can make the call from the allowed address)`,
    pcs: pcsOf(leaves, paths.map(([, i]) => i), [2, 3]),
  });
}

function unreachable(program: VerifiedProgram, e: Explanation, out: Finding[]): void {
  const visited = e.exploration.visited;
  const dead: number[] = [];
  for (let pc = 0; pc < program.insns.length; pc++) if (visited[pc] === 0) dead.push(pc);
  if (dead.length === 0) return;
  const runs: string[] = [];
  for (let i = 0; i < dead.length; ) {
    let j = i;
    while (j + 1 < dead.length && dead[j + 1] === dead[j]! + 1) j++;
    runs.push(i === j ? `${dead[i]}` : `${dead[i]}-${dead[j]}`);
    i = j + 1;
  }
  // libseccomp ends its filters with a `ret` no path reaches: only a dead rule is worth a warning.
  const last = program.insns.length - 1;
  const onlyRets = dead.length === 1 && dead[0] === last && program.insns[last]!.kind === 'ret_k';
  out.push({
    kind: 'unreachable',
    severity: onlyRets ? 'info' : 'low',
    message: `${dead.length} instruction(s) no input reaches (${list(runs)}), e.g. ${formatInsn(program.insns[dead[0]!]!, dead[0]!)}: a rule that can never apply`,
    pcs: dead,
  });
}
