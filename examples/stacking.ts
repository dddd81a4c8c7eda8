/**
 * Stacked seccomp filters: a process that installs several filters runs all of them on every
 * syscall, newest first, and the kernel keeps the result whose action, read as a signed 32-bit
 * number, is lowest (KILL_PROCESS < KILL_THREAD < TRAP < ERRNO < USER_NOTIF < TRACE < LOG <
 * ALLOW); a tie goes to the newest filter, an undefined action kills the process, and on x86_64
 * uretprobe (335) and uprobe (336) never reach the filters. Three filters, each written in
 * bpf_asm, verified and JIT-compiled, go through @ea/seccomp's runChain for a handful of calls.
 *
 * The filters match on nr only (no arch check) so that the same nr from another ABI shows the
 * bypass is tied to native x86_64; real filters check seccomp_data.arch first.
 *
 * Run: npx tsx examples/stacking.ts
 */
import {
  SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE, SECCOMP_RET_TRAP, assemble,
} from '@ea/bpf';
import { prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import {
  ARCHES, type FilterFn, actionEffect, callData, formatAction, runChainDetailed, syscallNumber, writeSeccompData,
} from '@ea/seccomp';
import { verify } from '@ea/verifier';

/** An action value no kernel defines (between ERRNO and USER_NOTIF): the kernel kills the process. */
export const UNDEFINED_ACTION = 0x00060000;
const EPERM = 1;
const EACCES = 13;

/** One filter: [syscall name or x86_64 number, return value] rules; everything else is allowed. */
export interface FilterSpec {
  readonly name: string;
  readonly rules: readonly (readonly [string | number, number])[];
}

/** The filters in installation order (oldest first). */
export const FILTERS: readonly FilterSpec[] = [
  {
    name: 'filter 1 (oldest)',
    rules: [
      ['openat', SECCOMP_RET_ERRNO | EACCES],
      ['getpid', SECCOMP_RET_LOG],
      ['ptrace', SECCOMP_RET_TRAP],
      ['kill', SECCOMP_RET_KILL_PROCESS],
      [336, SECCOMP_RET_KILL_PROCESS],
    ],
  },
  { name: 'filter 2', rules: [['mkdir', UNDEFINED_ACTION]] },
  {
    name: 'filter 3 (newest)',
    rules: [
      ['openat', SECCOMP_RET_ERRNO | EPERM],
      ['getpid', SECCOMP_RET_TRACE | 7],
      ['ptrace', SECCOMP_RET_KILL_THREAD],
      ['kill', SECCOMP_RET_ERRNO | EPERM],
    ],
  },
];

/** The calls: [label, ABI, syscall name or number]. */
export const CALLS: readonly (readonly [string, 'x86_64' | 'i386', string | number])[] = [
  ['read', 'x86_64', 'read'],
  ['openat', 'x86_64', 'openat'],
  ['getpid', 'x86_64', 'getpid'],
  ['ptrace', 'x86_64', 'ptrace'],
  ['kill', 'x86_64', 'kill'],
  ['mkdir', 'x86_64', 'mkdir'],
  ['uprobe (x86_64 336)', 'x86_64', 336],
  ['i386 336 (not native)', 'i386', 336],
];

function nrOf(s: string | number): number {
  if (typeof s === 'number') return s;
  const n = syscallNumber('x86_64', s);
  if (n === undefined) throw new Error(`x86_64 has no syscall ${s}`);
  return n;
}

/** Writes a filter's bpf_asm: load nr, one jeq per rule, ALLOW by default. */
export function filterSource(spec: FilterSpec): string {
  const hex = (n: number): string => `#0x${(n >>> 0).toString(16)}`;
  const lines = ['  ld [0]'];
  for (const [i, [s]] of spec.rules.entries()) {
    lines.push(`${`  jeq #${nrOf(s)}, r${i}`.padEnd(18)} ; ${typeof s === 'string' ? s : `nr ${s}`}`);
  }
  lines.push(`  ret ${hex(SECCOMP_RET_ALLOW)}`);
  for (const [i, [, ret]] of spec.rules.entries()) lines.push(`r${i}:`, `${`  ret ${hex(ret)}`.padEnd(18)} ; ${short(ret)}`);
  return `${lines.join('\n')}\n`;
}

/** One call through the chain: every filter's own answer, the kernel's pick, and what happens. */
export interface StackRow {
  readonly label: string;
  /** Each filter's answer, in installation order (interpreter). */
  readonly each: readonly string[];
  /** runChain over the JIT-compiled filters. */
  readonly final: string;
  /** 1-based installation index of the filter whose value won, or 0 when none did. */
  readonly wonBy: number;
  readonly effect: string;
}

/** What the example computes, and the report it prints. */
export interface StackingResult {
  readonly rows: readonly StackRow[];
  readonly text: string;
}

/** Formats an action for a table cell: formatAction, with undefined actions kept short. */
function short(ret: number): string {
  const text = formatAction(ret);
  return text.startsWith('UNKNOWN') ? `UNDEFINED(0x${(ret >>> 0).toString(16)})` : text;
}

function effectText(ret: number): string {
  const e = actionEffect(ret);
  switch (e.kind) {
    case 'return':
      return `syscall skipped, returns ${e.value}`;
    case 'run':
      return e.logged ? 'runs, logged' : 'runs';
    case 'trap':
      return 'SIGSYS';
    case 'trace':
      return `tracer notified (msg ${e.message})`;
    case 'user_notif':
      return 'listener notified';
    case 'kill_thread':
      return 'thread killed';
    case 'kill_process':
      return 'process killed';
  }
}

/** Runs the example: build, verify and compile the filters, run each call through the chain. */
export function runStacking(): StackingResult {
  const programs = FILTERS.map((f) => verify(assemble(filterSource(f)), { profile: 'seccomp' }));
  const interpreters = programs.map((p) => prepare(p));
  const jitted: FilterFn[] = programs.map((p) => compile(p).run);
  const view = new DataView(new ArrayBuffer(64));
  const rows = CALLS.map(([label, abi, s]) => {
    const data = callData(abi, s);
    writeSeccompData(view, data, ARCHES[abi].endian);
    const each = interpreters.map((i) => short(i.runSeccomp(view)));
    const { ret, match } = runChainDetailed(jitted, view, { arch: data.arch, nr: data.nr });
    return { label, each, final: short(ret), wonBy: match + 1, effect: effectText(ret) };
  });

  const w = [23, 20, 20, 8];
  const cell = (s: string, i: number): string => s.padEnd(w[i]!);
  const lines = [
    '== stacked seccomp filters: newest first, lowest signed action wins, ties to the newest ==',
    ...FILTERS.flatMap((f) => [`${f.name}:`, filterSource(f)]),
    `${cell('call', 0)}${FILTERS.map((_, i) => cell(`f${i + 1}`, 1)).join('')}${cell('chain', 1)}${cell('won by', 3)}effect`,
    ...rows.map(
      (r) =>
        `${cell(r.label, 0)}${r.each.map((e) => cell(e, 1)).join('')}${cell(r.final, 1)}${cell(r.wonBy === 0 ? '-' : `f${r.wonBy}`, 3)}${r.effect}`,
    ),
    '',
    'openat: two ERRNOs tie on the action, the newest filter (f3) supplies the errno.',
    'kill: KILL_PROCESS is 0x80000000, negative as a signed number, so it beats every other action.',
    `mkdir: an undefined action (${formatAction(UNDEFINED_ACTION)}) outranks ALLOW and kills the process.`,
    'uprobe: x86_64 never runs filters for 335/336; the same number from i386 is filtered.',
    '',
  ];
  return { rows, text: lines.join('\n') };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(runStacking().text);
}
