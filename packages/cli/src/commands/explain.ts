/**
 * `ea-bpf explain FILE`: the exact decision of a seccomp filter for every architecture it accepts
 * and every syscall number (@ea/explain).
 *   human     a table per architecture, grouped by action, with syscall names; conditional
 *             syscalls with their decision lists
 *   --json    one line per syscall number (runs of unnamed numbers get "to"):
 *             {"arch","nr","name","action","data"} or {"arch","nr","name","cases":[{"when":[…],"action","data"}]}
 *   --arch A  only that architecture (default: every one the filter accepts)
 *   --nr NAME|N [--args a,b,…]  one call: its decision and the instructions that decide it
 */
import { formatInsn } from '@ea/bpf';
import {
  type ArchExplanation, type Case, explain, type Explanation, holds, type Leaf, rangeOf, type SyscallDecision,
  syscallDecisions, trailJumps,
} from '@ea/explain';
import { ARCHES, type ArchName, decodeAction, formatAction, syscallNumber } from '@ea/seccomp';
import type { VerifiedProgram } from '@ea/verifier';
import type { CAC } from 'cac';
import { printJson, UsageError } from '../output.js';
import { actionJson, archFilter, decisionJson, predicateText, readFilter } from './read-filter.js';
import { parseUnsigned } from './run.js';

interface ExplainCliOptions {
  readonly arch?: string;
  readonly json?: boolean;
  readonly nr?: string | number;
  readonly args?: string | number;
}

/** Returns the explanation entry that holds `arch` (x32 lives in x86_64's AUDIT_ARCH entry). */
export function archEntry(e: Explanation, arch: ArchName): ArchExplanation {
  return e.arches.find((a) => a.names.includes(arch))!;
}

/** Returns the syscall lines to show: one arch, or every accepted one. */
function linesOf(e: Explanation, arch: ArchName | undefined): SyscallDecision[] {
  if (arch !== undefined) return syscallDecisions(archEntry(e, arch)).filter((d) => d.arch === arch);
  return e.arches.filter((a) => a.accepted).flatMap(syscallDecisions);
}

/** Tells whether a result lets the call run (allow, log). */
function letsRun(ret: number): boolean {
  const a = decodeAction(ret).action;
  return a === 'allow' || a === 'log';
}

function caseText(c: Case): string {
  return c.when.length === 0 ? `otherwise ${formatAction(c.ret)}` : `${c.when.map(predicateText).join(' && ')} -> ${formatAction(c.ret)}`;
}

function printHuman(e: Explanation, arch: ArchName | undefined): void {
  const lines = linesOf(e, arch);
  const arches = [...new Set(lines.map((l) => l.arch))];
  for (const a of arches) {
    const mine = lines.filter((l) => l.arch === a);
    const named = mine.filter((l) => l.name !== undefined);
    const plain = new Map<number, string[]>();
    const conditional = named.filter((l) => l.cases.length > 1);
    for (const l of named) if (l.cases.length === 1) plain.set(l.cases[0]!.ret, [...(plain.get(l.cases[0]!.ret) ?? []), l.name!]);
    const runs = [...plain.entries()].sort((x, y) => y[1].length - x[1].length);
    const allowed = named.filter((l) => l.cases.length === 1 && letsRun(l.cases[0]!.ret)).length;
    const denied = named.length - allowed - conditional.length;
    process.stdout.write(`${a} (AUDIT_ARCH 0x${ARCHES[a].auditArch.toString(16)}): ${named.length} named syscalls: ${allowed} allowed, ${denied} denied, ${conditional.length} conditional\n`);
    for (const [ret, names] of runs) process.stdout.write(`  ${formatAction(ret)} (${names.length}): ${names.join(' ')}\n`);
    if (conditional.length > 0) {
      process.stdout.write(`  conditional (${conditional.length}):\n`);
      for (const l of conditional) {
        process.stdout.write(`    ${l.name} (${l.nr}):\n`);
        for (const c of l.cases) process.stdout.write(`      ${caseText(c)}\n`);
      }
    }
    const unnamed = mine.filter((l) => l.name === undefined);
    if (unnamed.length > 0) {
      const text = unnamed.map((l) => `${l.nr}${l.to !== undefined ? `-${l.to}` : ''}: ${l.cases.length === 1 ? formatAction(l.cases[0]!.ret) : 'conditional'}`);
      const shown = text.length > 8 ? [...text.slice(0, 8), `... ${text.length - 8} more runs`] : text;
      process.stdout.write(`  numbers without a name: ${shown.join(', ')}\n`);
    }
  }
  const rejected = e.arches.filter((x) => !x.accepted && (arch === undefined || !x.names.includes(arch)));
  if (arch === undefined && rejected.length > 0) {
    const summary = rejected.map((x) => `${x.names.join('/')}: ${x.ranges.length === 1 && x.ranges[0]!.cases.length === 1 ? formatAction(x.ranges[0]!.cases[0]!.ret) : 'refused'}`);
    process.stdout.write(`other architectures: ${summary.join(', ')}\n`);
  }
  if (arch === undefined && e.otherArches.length > 0) {
    const rets = new Set(e.otherArches.flatMap((o) => o.ranges.flatMap((r) => r.cases.map((c) => c.ret))));
    process.stdout.write(`unknown AUDIT_ARCH values: ${[...rets].map(formatAction).join(', ')}\n`);
  }
}

function syscallOption(arch: ArchName, value: string): number {
  const v = parseUnsigned(value, 0xffffffffn);
  if (typeof v !== 'string') return Number(v);
  const nr = syscallNumber(arch, value);
  if (nr === undefined) throw new UsageError(`--nr: ${JSON.stringify(value)} is neither a number nor a syscall of ${arch}`);
  return nr;
}

function argsOption(value: string | number): bigint[] {
  const parts = String(value).split(',');
  if (parts.length > 6) throw new UsageError(`--args: at most 6 values, got ${parts.length}`);
  return parts.map((p, i) => {
    const v = parseUnsigned(p.trim(), (1n << 64n) - 1n);
    if (typeof v === 'string') throw new UsageError(`--args: argument ${i}: ${v}`);
    return v;
  });
}

/** One instruction on a path: its pc, its text, and where the jump went (absent for the ret). */
interface Step {
  readonly pc: number;
  readonly insn: string;
  readonly to?: number;
}

/** The jumps a path took on input that matter for a reader (matched nr/arch tests, every argument test), then its ret. */
function deciding(program: VerifiedProgram, leaf: Leaf): Step[] {
  const jumps = trailJumps(leaf.jumps).filter((j) => j.word > 1 || j.taken);
  const steps: Step[] = jumps.map((j) => {
    const i = program.insns[j.pc]!;
    return { pc: j.pc, insn: formatInsn(i, j.pc), to: j.pc + 1 + (j.taken ? i.jt : i.jf) };
  });
  return [...steps, { pc: leaf.pc, insn: formatInsn(program.insns[leaf.pc]!, leaf.pc) }];
}

function stepText(s: Step): string {
  return `${String(s.pc).padStart(5)}: ${s.insn}${s.to === undefined ? '' : `${' '.repeat(Math.max(1, 28 - s.insn.length))}-> ${s.to}`}`;
}

function explainOne(program: VerifiedProgram, e: Explanation, arch: ArchName, nrText: string, argsText: string | number | undefined, json: boolean): void {
  const nr = syscallOption(arch, nrText);
  const entry = archEntry(e, arch);
  const range = rangeOf(entry, nr);
  const line = syscallDecisions({ ...entry, ranges: [{ ...range, first: nr, last: nr }] })[0]!;
  const leaves = e.exploration.leaves;
  if (argsText === undefined) {
    if (json) printJson({ arch: line.arch, nr, name: line.name ?? null, ...decisionJson(range.cases) });
    else {
      process.stdout.write(`${line.arch} ${line.name ?? 'nr'} (${nr}):\n`);
      if (range.cases.length === 1) process.stdout.write(`  ${formatAction(range.cases[0]!.ret)}\n`);
      else for (const c of range.cases) process.stdout.write(`  ${caseText(c)}\n`);
      const steps = new Map<string, Step>();
      for (const i of range.paths) for (const s of deciding(program, leaves[i]!)) steps.set(`${s.pc}:${s.to}`, s);
      const sorted = [...steps.values()].sort((x, y) => x.pc - y.pc || (x.to ?? 0) - (y.to ?? 0));
      process.stdout.write(`decided by:\n${sorted.map(stepText).join('\n')}\n`);
    }
    return;
  }
  const args = argsOption(argsText);
  while (args.length < 6) args.push(0n);
  const index = range.cases.findIndex((c) => c.when.every((p) => holds(p, 0n, args)));
  const c = range.cases[index]!;
  const words = toWords(args, ARCHES[arch].endian);
  const leaf = range.paths.map((i) => leaves[i]!).find((l) => l.words.every((w, k) => k < 2 || satisfied(w, words[k]!)));
  const path = leaf === undefined ? [] : deciding(program, leaf);
  if (json) printJson({ arch: line.arch, nr, name: line.name ?? null, args: args.map((a) => `0x${a.toString(16)}`), ...actionJson(c.ret), case: index, path: leaf === undefined ? [] : path });
  else process.stdout.write(`${line.arch} ${line.name ?? 'nr'} (${nr}) with args ${args.map((a) => `0x${a.toString(16)}`).join(',')}: ${formatAction(c.ret)}\n${path.map(stepText).join('\n')}\n`);
}

function toWords(args: readonly bigint[], endian: 'le' | 'be'): number[] {
  const words = [0, 0, 0, 0];
  for (const a of args) {
    const lo = Number(a & 0xffffffffn);
    const hi = Number(a >> 32n);
    words.push(...(endian === 'le' ? [lo, hi] : [hi, lo]));
  }
  return words;
}

function satisfied(c: Leaf['words'][number], w: number): boolean {
  for (let i = 0; i < c.ranges.length; i += 2) {
    if (w >= c.ranges[i]! && w <= c.ranges[i + 1]!) return c.masks.every((m) => ((w & m.mask) >>> 0 === m.value) === m.eq);
  }
  return false;
}

/** Registers `explain` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('explain <file>', 'Show exactly what a seccomp filter decides for every architecture and syscall')
    .option('--arch <arch>', 'only this architecture (default: every one the filter accepts)')
    .option('--json', 'one JSON line per syscall number')
    .option('--nr <syscall>', 'one syscall (name or number): its decision and the instructions that decide it')
    .option('--args <list>', 'with --nr: comma-separated arguments (decimal or 0x hex)')
    .action((file: string, options: ExplainCliOptions) => {
      const arch = archFilter(options.arch);
      if (options.args !== undefined && options.nr === undefined) throw new UsageError('--args needs --nr');
      const program = readFilter(file, arch ?? 'x86_64');
      const e = explain(program);
      if (options.nr !== undefined) {
        explainOne(program, e, arch ?? 'x86_64', rawText(cli.rawArgs, 'nr') ?? String(options.nr), rawText(cli.rawArgs, 'args') ?? options.args, options.json === true);
        return 0;
      }
      if (options.json) for (const l of linesOf(e, arch)) printJson({ arch: l.arch, nr: l.nr, ...(l.to !== undefined && { to: l.to }), name: l.name ?? null, ...decisionJson(l.cases) });
      else printHuman(e, arch);
      return 0;
    });
}

/** Returns an option's text as typed (cac turns numbers into doubles, which cannot hold every u64). */
function rawText(rawArgs: readonly string[], name: string): string | undefined {
  let found: string | undefined;
  rawArgs.forEach((arg, i) => {
    if (arg === `--${name}` && i + 1 < rawArgs.length) found = rawArgs[i + 1];
    else if (arg.startsWith(`--${name}=`)) found = arg.slice(name.length + 3);
  });
  return found;
}
