/**
 * `ea-bpf diff A B`: are two seccomp filters equivalent on every input (@ea/explain's diff)?
 *   human     "equivalent", or one line per difference: arch, syscall, the arguments of a
 *             counterexample and what each filter does with it
 *   --json    {"equivalent":true} or {"equivalent":false,"differences":[{"arch","nr","args":["0x…",…],
 *             "a":{"action","data"},"b":{…}}]} ("name" when the number has one, "to" for a run of
 *             unnamed numbers, "instruction_pointer" when the counterexample needs one)
 *   --arch A  only differences on that architecture
 * Every counterexample has been run through both filters. Exit 0 when equivalent, 1 when not.
 */
import { diff, type Difference } from '@ea/explain';
import { formatAction } from '@ea/seccomp';
import type { CAC } from 'cac';
import { EXIT_OK, EXIT_REJECTED, printJson } from '../output.js';
import { actionJson, archFilter, hex, readFilter } from './read-filter.js';

interface DiffCliOptions {
  readonly arch?: string;
  readonly json?: boolean;
}

function differenceJson(d: Difference): Record<string, unknown> {
  return {
    arch: d.arch,
    ...(d.arch === null && { auditArch: hex(d.data.arch) }),
    nr: d.data.nr,
    ...(d.to !== undefined && { to: d.to }),
    ...(d.name !== undefined && { name: d.name }),
    args: d.data.args.map(hex),
    ...(d.data.instructionPointer !== 0n && { instruction_pointer: hex(d.data.instructionPointer) }),
    a: actionJson(d.a),
    b: actionJson(d.b),
  };
}

/** Groups consecutive differences that share arch, counterexample arguments and both results (for people). */
function groups(differences: readonly Difference[]): Difference[][] {
  const out: Difference[][] = [];
  const key = (d: Difference) => `${d.arch}|${d.data.arch}|${d.data.args.join(',')}|${d.data.instructionPointer}|${d.a}|${d.b}`;
  for (const d of differences) {
    const last = out[out.length - 1];
    if (last !== undefined && key(last[0]!) === key(d)) last.push(d);
    else out.push([d]);
  }
  return out;
}

/** Registers `diff` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('diff <a> <b>', 'Tell whether two seccomp filters decide alike on every input, or show counterexamples')
    .option('--arch <arch>', 'only differences on this architecture')
    .option('--json', 'one JSON object')
    .action((a: string, b: string, options: DiffCliOptions) => {
      const arch = archFilter(options.arch);
      const result = diff(readFilter(a, arch ?? 'x86_64'), readFilter(b, arch ?? 'x86_64'));
      const differences = result.differences.filter((d) => arch === undefined || d.arch === arch);
      const equivalent = differences.length === 0 && result.undecided === 0;
      if (options.json) {
        printJson(equivalent ? { equivalent } : { equivalent, differences: differences.map(differenceJson), ...(result.undecided > 0 && { undecided: result.undecided }) });
      } else if (equivalent) {
        process.stdout.write(`equivalent${arch === undefined ? '' : ` on ${arch}`}: the two filters decide alike on every input\n`);
      } else {
        process.stdout.write(`${differences.length} difference(s)${arch === undefined ? '' : ` on ${arch}`}:\n`);
        for (const g of groups(differences)) {
          const d = g[0]!;
          const last = g[g.length - 1]!;
          const one = (x: Difference) => `${x.name ?? 'nr'} ${x.data.nr}${x.to !== undefined ? `-${x.to}` : ''}`;
          const call = g.length === 1 ? one(d) : `${one(d)} .. ${one(last)} (${g.length} entries)`;
          const args = d.data.args.some((x) => x !== 0n) ? ` args ${d.data.args.map(hex).join(',')}` : '';
          const ip = d.data.instructionPointer !== 0n ? ` ip ${hex(d.data.instructionPointer)}` : '';
          process.stdout.write(`  ${d.arch ?? `arch ${hex(d.data.arch)}`} ${call}${args}${ip}: ${formatAction(d.a)} vs ${formatAction(d.b)}\n`);
        }
        if (result.undecided > 0) process.stdout.write(`  ${result.undecided} range(s) undecided by the bounded search\n`);
      }
      return equivalent ? EXIT_OK : EXIT_REJECTED;
    });
}
