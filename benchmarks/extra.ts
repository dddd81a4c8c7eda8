/**
 * The workloads of issue 19, each runnable alone: `resident` (the first 2,000 packets x 50
 * passes), `cold` (one pass over the capture, caches evicted first, both sides) and `stacked`
 * (chains of 2-8 seccomp filters: runChain, compileChain, N call sites, the filters alone, one
 * call site over many filters). Rendered as the Markdown sections RESULTS.md appends.
 */
import { join } from 'node:path';
import { compile } from '@ea/jit';
import { loadEngines } from './engines.js';
import { CACHE_DIR } from './native/build.js';
import { geomean } from './report.js';
import { preparePacketWorkload } from './workloads/packets.js';
import { type ResidencyResults, runResidencyWorkload } from './workloads/residency.js';
import { prepareSeccompWorkload } from './workloads/seccomp.js';
import { runStackedWorkload, type StackedResults, stackPool } from './workloads/stacked.js';

export const EXTRA_WORKLOADS = ['resident', 'cold', 'stacked'] as const;
export type ExtraWorkload = (typeof EXTRA_WORKLOADS)[number];

export interface ExtraOptions {
  readonly smoke: boolean;
  readonly only: ReadonlySet<string>;
  /** Packet programs whose expression matches (EA_BENCH_PROGRAMS), all when null. */
  readonly programs: RegExp | null;
  readonly log: (line: string) => void;
}

const f = (n: number | null): string => (n === null ? '–' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const r = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : a / b);

function residencyTable(title: string, res: ResidencyResults, how: string): string[] {
  const out = [
    `## ${title}`,
    '',
    how,
    '',
    '| workload | insns | interpreter batch ns/pkt | JIT batch ns/pkt | libpcap ns/pkt | gcc -O2 ns/pkt | JIT/libpcap | JIT/gcc | JIT/JS floor | interp/libpcap | check |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of res.rows) {
    out.push(
      `| \`${row.name.replaceAll('|', '\\|')}\` | ${row.insns} | ${f(row.interpreter)} | ${f(row.jit)} | ${f(row.libpcap)} | ${f(row.native)} | ` +
        `${f(r(row.jit, row.libpcap))} | ${f(r(row.jit, row.native))} | ${f(r(row.jit, res.floor))} | ${f(r(row.interpreter, row.libpcap))} | ${row.agree ? 'agree' : '**MISMATCH**'} |`,
    );
  }
  const mean = (pick: (row: ResidencyResults['rows'][number]) => number | null, rows = res.rows): string => f(geomean(rows.map(pick)));
  const small = res.rows.filter((row) => row.insns <= 8);
  out.push(
    `| **geometric mean** | | | | | | ${mean((x) => r(x.jit, x.libpcap))} | ${mean((x) => r(x.jit, x.native))} | ${mean((x) => r(x.jit, res.floor))} | ${mean((x) => r(x.interpreter, x.libpcap))} | |`,
    `| **geometric mean, filters of up to 8 instructions** | | | | | | ${mean((x) => r(x.jit, x.libpcap), small)} | ${mean((x) => r(x.jit, x.native), small)} | ${mean((x) => r(x.jit, res.floor), small)} | ${mean((x) => r(x.interpreter, x.libpcap), small)} | |`,
    `| JS floor (each packet's EtherType read through one DataView, nothing else) | | | ${f(res.floor)} | | | | | 1.00 | | |`,
    `| JS floor, the batch given as arguments (as to runBatch) | | | ${f(res.floorArgs)} | | | | | ${f(r(res.floorArgs, res.floor))} | | |`,
    `| JS floor, the batch as arguments and each packet's range checked (as runBatch must) | | | ${f(res.floorChecked)} | | | | | ${f(r(res.floorChecked, res.floor))} | | |`,
    `| **geometric mean JIT / checked floor**, all filters; up to 8 instructions | | | | | | | | ${mean((x) => r(x.jit, res.floorChecked))}; ${mean((x) => r(x.jit, res.floorChecked), small)} | | |`,
  );
  out.push(
    '',
    'The first floor captures the batch in its closure, and V8 compiles that closure for those very objects: in its machine code ' +
      'the offsets array is read at a constant address without a map or bounds check and the view\'s length is a constant. A runBatch is given the batch as ' +
      'arguments, whose maps, lengths and data pointers V8 loads and checks on every iteration (it does not hoist them out of ' +
      'the loop); the second floor is that loop, the third adds the range check runBatch must make before any read.',
  );
  if (res.note !== null) out.push('', `C peers: ${res.note}`);
  return out;
}

function stackedTable(res: StackedResults): string[] {
  const out = [
    '## Stacked seccomp filters (ns/call over the seccomp workload\'s calls)',
    '',
    'A chain of N distinct policies (the libseccomp ones, then the hand-assembled ones), oldest first. ' +
      '`runChain` calls the JIT-compiled filters from its one generic loop; `compileChain` is the chain as one generated function; ' +
      '"N call sites" is a loop of its own calling each filter from its own call site with the precedence rule written between them; ' +
      '"sum alone" adds up each filter timed alone with its own loop (the target). Every way\'s results are checked against runChain\'s.',
    '',
    '| filters | runChain | compileChain | N call sites | sum alone | runChain/sum | compileChain/sum | check |',
    '|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of res.rows) {
    out.push(
      `| ${row.n} | ${f(row.runChain)} | ${f(row.compiled)} | ${f(row.sites)} | ${f(row.sumAlone)} | ${f(r(row.runChain, row.sumAlone))} | ${f(r(row.compiled, row.sumAlone))} | ${row.agree ? 'agree' : '**MISMATCH**'} |`,
    );
  }
  out.push(
    '',
    'One call site over many filters (call i runs filter i mod N, as a sandbox dispatching to per-tenant filters), against the mean of the same filters alone:',
    '',
    '| filters | one call site ns/call | mean alone ns/call | ratio |',
    '|---:|---:|---:|---:|',
    ...res.dispatch.map((d) => `| ${d.n} | ${f(d.oneSite)} | ${f(d.meanAlone)} | ${f(r(d.oneSite, d.meanAlone))} |`),
  );
  return out;
}

/** Runs the selected extra workloads and returns their Markdown, and whether every check agreed. */
export async function runExtra(options: ExtraOptions): Promise<{ lines: string[]; agree: boolean }> {
  const { smoke, only, log } = options;
  const dir = join(CACHE_DIR, smoke ? 'smoke' : 'full');
  const timing = { smoke, maxTime: 1, reps: smoke ? 1 : 15 };
  const engines = await loadEngines();
  const lines: string[] = [];
  let agree = true;
  if (only.has('resident') || only.has('cold')) {
    const pw = preparePacketWorkload(dir, smoke ? 2000 : 100_000);
    const programs = pw.programs.filter((p) => options.programs === null || options.programs.test(p.name));
    if (only.has('resident')) {
      const res = runResidencyWorkload('resident', pw.capture, programs, engines, dir, timing, log);
      agree &&= res.rows.every((x) => x.agree);
      lines.push(
        ...residencyTable(
          `Cache-resident packets (the first ${res.packets} packets x ${res.passes} passes)`,
          res,
          'Each timed run is 50 passes over the same 2,000 packets (they stay in the caches), for the JavaScript engines (`runBatch`, benchmark.js) and the C harnesses (EA_HARNESS_PASSES=50, their loops in two halves around the JavaScript engines).',
        ),
        '',
      );
    }
    if (only.has('cold')) {
      const res = runResidencyWorkload('cold', pw.capture, programs, engines, dir, timing, log);
      agree &&= res.rows.every((x) => x.agree);
      lines.push(
        ...residencyTable(
          `Cold capture (${res.packets} packets, caches evicted before each pass)`,
          res,
          `Before each timed pass both sides write a ${256} MiB buffer (EA_HARNESS_EVICT in the C harness), so the packets come from memory; median of ${timing.reps} passes.`,
        ),
        '',
      );
    }
  }
  if (only.has('stacked')) {
    const sw = prepareSeccompWorkload(dir, smoke ? 2000 : 20_000);
    const pool = stackPool(sw.programs);
    const res = runStackedWorkload(pool, sw.views, (p) => compile(p).run as (view: DataView) => number, timing, smoke ? [2] : [2, 4, 6, 8], log);
    agree &&= res.rows.every((x) => x.agree);
    lines.push(...stackedTable(res), '');
  }
  return { lines, agree };
}
