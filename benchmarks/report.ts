/**
 * Turns suite results into RESULTS.md: the machine, then one table per workload
 * with ns/op per engine and the ratios JIT/interpreter, JIT/libpcap and
 * JIT/native (JIT time divided by the other engine's time: below 1 means the JIT is faster).
 */
import type { Machine } from './machine.js';
import type { EngineName, EngineResult, Results, Row } from './suite.js';

const fmt = (ns: number | null | undefined): string => (ns === null || ns === undefined ? 'n/a' : ns.toFixed(ns < 10 ? 2 : 1));
const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : a / b);
const fmtRatio = (r: number | null): string => (r === null ? 'n/a' : r.toFixed(2));

/** Returns the geometric mean of the non-null values, or null if there are none. */
export function geomean(values: readonly (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null && v > 0);
  if (xs.length === 0) return null;
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

function ns(row: Row, e: EngineName): number | null {
  return row.engines[e].ns;
}

/** A ratio column: its heading and the two engines whose times it divides. */
type RatioColumn = readonly [string, EngineName, EngineName];

const PER_CALL_RATIOS: readonly RatioColumn[] = [
  ['JIT/interp', 'jit', 'interpreter'],
  ['JIT/libpcap', 'jit', 'libpcap'],
  ['JIT/gcc', 'jit', 'native'],
  ['interp/libpcap', 'interpreter', 'libpcap'],
];

const BATCH_RATIOS: readonly RatioColumn[] = [
  ['JIT batch/libpcap', 'jitBatch', 'libpcap'],
  ['JIT batch/gcc', 'jitBatch', 'native'],
  ['JIT/libpcap', 'jit', 'libpcap'],
  ['JIT batch/interp batch', 'jitBatch', 'interpreterBatch'],
  ['interp batch/libpcap', 'interpreterBatch', 'libpcap'],
];

function table(rows: readonly Row[], unit: string, batch: boolean): string[] {
  const engines: readonly [string, EngineName][] = batch
    ? [['interpreter', 'interpreter'], ['JIT', 'jit'], ['interpreter batch', 'interpreterBatch'], ['JIT batch', 'jitBatch'], ['libpcap', 'libpcap'], ['gcc -O2', 'native']]
    : [['interpreter', 'interpreter'], ['JIT', 'jit'], ['libpcap', 'libpcap'], ['gcc -O2', 'native']];
  const ratios = batch ? BATCH_RATIOS : PER_CALL_RATIOS;
  const out = [
    `| workload | insns | ${engines.map(([h]) => `${h} ${unit}`).join(' | ')} | ${ratios.map(([h]) => h).join(' | ')} | check |`,
    `|---|---:|${'---:|'.repeat(engines.length + ratios.length)}---|`,
  ];
  for (const r of rows) {
    const times = engines.map(([, e]) => fmt(ns(r, e)));
    const rs = ratios.map(([, a, b]) => fmtRatio(ratio(ns(r, a), ns(r, b))));
    out.push(
      `| \`${r.name.replaceAll('|', '\\|')}\` | ${r.insns} | ${times.join(' | ')} | ${rs.join(' | ')} | ${r.mismatch === null ? 'agree' : '**MISMATCH**'} |`,
    );
  }
  const means = ratios.map(([, a, b]) => fmtRatio(geomean(rows.map((r) => ratio(ns(r, a), ns(r, b))))));
  out.push(`| **geometric mean** | |${' |'.repeat(engines.length)} ${means.join(' | ')} | |`);
  return out;
}

function notes(rows: readonly Row[]): string[] {
  const seen = new Map<string, string>();
  for (const r of rows) {
    for (const [e, res] of Object.entries(r.engines) as [EngineName, EngineResult][]) {
      if (res.note !== undefined && !seen.has(e)) seen.set(e, res.note);
    }
  }
  const out = [...seen].map(([e, n]) => `- ${e}: ${n}`);
  for (const r of rows) if (r.mismatch !== null) out.push(`- **MISMATCH** \`${r.name}\`: ${r.mismatch}`);
  return out;
}

function allocation(rows: readonly Row[]): string[] {
  const out: string[] = [];
  for (const e of ['interpreter', 'jit', 'interpreterBatch', 'jitBatch'] as const) {
    const measured = rows.flatMap((r) => {
      const a = r.engines[e].allocation;
      return a === undefined || a === null ? [] : [{ name: r.name, a }];
    });
    if (measured.length === 0) {
      out.push(`- ${e}: not measured (engine missing, or node started without --expose-gc)`);
      continue;
    }
    const worst = measured.reduce((w, m) => (m.a.bytesPerOp > w.a.bytesPerOp ? m : w));
    const zero = measured.filter((m) => m.a.bytesPerOp < 0.5).length;
    const retained = Math.max(...measured.map((m) => m.a.retained));
    out.push(
      `- ${e}: ${zero} of ${measured.length} workloads grow the heap by less than 0.5 bytes per run; the most is ` +
        `${worst.a.bytesPerOp.toFixed(2)} bytes per run (\`${worst.name}\`), the median heap growth over 5 single passes with no GC in between; ` +
        `at most ${retained} bytes retained after 5 more passes and a full GC (negative: the heap shrank)`,
    );
  }
  return out;
}

function eaTable(results: Results): string[] {
  if (typeof results.ea === 'string') return [results.ea];
  const out = [
    '| policy (strategy) | insns | flatten | interpreter filter | JIT filter | interpreter flatten+filter | JIT flatten+filter | JIT/interp (filter) | check |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of results.ea) {
    out.push(
      `| ${r.name} | ${r.insns} | ${fmt(r.flatten)} | ${fmt(r.interpreter)} | ${fmt(r.jit)} | ${fmt(r.interpreterTotal)} | ${fmt(r.jitTotal)} | ${fmtRatio(ratio(r.jit, r.interpreter))} | ${r.mismatch === null ? 'agree' : '**MISMATCH**'} |`,
    );
  }
  out.push('', 'No native peer: libpcap and the C translation have no EA loads.');
  return out;
}

/** Renders RESULTS.md. */
export function renderResults(results: Results, machine: Machine, date: Date): string {
  const lines = [
    '# Benchmark results',
    '',
    `Generated by \`pnpm bench\` on ${date.toISOString()}${results.smoke ? ' (SMOKE MODE: one pass, not meaningful numbers)' : ''}.`,
    '',
    '## Machine',
    '',
    `- CPU: ${machine.cpu} (${machine.cores} logical cores)`,
    `- kernel: ${machine.kernel}`,
    `- node: ${machine.node} (V8 ${machine.v8})`,
    `- gcc: ${machine.gcc}`,
    `- libpcap: ${machine.libpcap}`,
    `- tcpdump: ${machine.tcpdump}`,
    `- load average (1 min) at the end of the run: ${machine.load.toFixed(2)} on ${machine.cores} cores`,
    '',
    '## How to read this',
    '',
    'Every number is the median over repeated runs: benchmark.js samples for the JavaScript engines, ' +
      'repeated timed loops in a child process for libpcap\'s `bpf_filter` and the gcc -O2 translation ' +
      '(`benchmarks/native/`), each timing only the filter loop over the same in-memory packets; a program\'s C loops ' +
      'run in two halves, right before and right after its JavaScript engines, so the machine\'s drift over a run ' +
      'does not fall on one side of a ratio. ' +
      'Ratios are JIT time / other time: 0.33 means the JIT takes a third of the time (3x faster). ' +
      'The per-call columns call `run(ctx)` once per packet from a JavaScript loop; the batch columns make one ' +
      '`runBatch(batch)` call per pass over the capture (`PacketBatch`: one view, per-packet offsets and lengths), ' +
      'the loop inside the engine, as the C harnesses loop over `bpf_filter` / the translated function ' +
      '(one indirect call per packet, not inlined). ' +
      '"check" says whether all engines that ran agree on the match count and on a hash of every return value.',
    '',
    `## Packet filters (${results.packetCount} generated packets, programs from \`tcpdump -ddd\`)`,
    '',
    ...table(results.packets, 'ns/pkt', true),
    '',
    `Harness floor: the same JavaScript loop calling a function that reads nothing costs ${fmt(results.packetFloor)} ns/pkt ` +
      `(included in the interpreter and JIT columns); a function that reads one 16-bit word through the packet's DataView ` +
      `(\`PacketContext.data\`, one DataView per packet) costs ${fmt(results.packetReadFloor)} ns/pkt; the same read through ` +
      `one DataView over the whole capture at each packet's offset costs ${fmt(results.packetFlatFloor)} ns/pkt.`,
    '',
    ...notes(results.packets),
    '',
    `## Seccomp policies (${results.seccompCount} calls of a realistic x86_64 mix)`,
    '',
    `Policies: ${results.seccompSource}. libpcap runs them over the same records with every word byte-swapped (its loads are big-endian).`,
    '',
    ...table(results.seccomp, 'ns/call', false),
    '',
    `Harness floor: the same loop calling a function that reads one word of seccomp_data costs ${fmt(results.seccompFloor)} ns/call. ` +
      'Each engine and program gets a timing loop compiled from its own text (`benchmarks/loop.ts`), so its call site sees one ' +
      'function, as the C harness calls each filter through its own pointer; small filters may then be inlined into it.',
    '',
    ...notes(results.seccomp),
    '',
    '## Compile latency (seccomp filters in libseccomp\'s linear shape; milliseconds, medians)',
    '',
    '| insns | verify | interpreter prepare | interpreter first run | JIT compile | JIT first run | verify + JIT |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...results.compile.map((c) => {
      const f = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(3));
      return `| ${c.size} | ${f(c.verify)} | ${f(c.interpreterPrepare)} | ${f(c.interpreterFirstRun)} | ${f(c.jitCompile)} | ${f(c.jitFirstRun)} | ${f(c.jitCompile === null ? null : c.verify + c.jitCompile)} |${c.note ? ` ${c.note}` : ''}`;
    }),
    '',
    '## Allocation per run',
    '',
    ...allocation([...results.packets, ...results.seccomp]),
    '',
    `## EA: flatten + filter (${results.eaCalls} clone3 / openat2 calls from the examples; ns/call, medians)`,
    '',
    ...eaTable(results),
    '',
  ];
  return lines.join('\n');
}
