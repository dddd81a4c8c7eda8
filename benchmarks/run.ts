/**
 * `pnpm bench`: runs every workload with every engine and writes
 * benchmarks/RESULTS.md. `EA_BENCH_SMOKE=1` runs each workload once on small
 * inputs and writes to benchmarks/.cache/RESULTS.smoke.md instead.
 * `EA_BENCH_ONLY=main,resident,cold,stacked,ebpf,profile` (any subset) runs only those workloads ("main": the
 * packet, seccomp, compile and EA workloads; "ebpf": issue 15's eBPF programs beside DPDK; "profile": issue 13's
 * container profile, ours and libseccomp's) and writes benchmarks/.cache/RESULTS.only.md;
 * `EA_BENCH_PROGRAMS=regex` keeps the resident/cold packet filters whose expression matches.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXTRA_WORKLOADS, runExtra } from './extra.js';
import { describeMachine } from './machine.js';
import { renderResults } from './report.js';
import { runSuite } from './suite.js';
import { CACHE_DIR } from './native/build.js';
import { renderEbpf, runEbpfWorkload } from './workloads/ebpf.js';
import { renderProfile, runProfileWorkload } from './workloads/profile.js';

const smoke = process.env['EA_BENCH_SMOKE'] === '1';
const onlyEnv = process.env['EA_BENCH_ONLY'];
const only = new Set(onlyEnv === undefined ? ['main', ...EXTRA_WORKLOADS, 'ebpf', 'profile'] : onlyEnv.split(',').map((s) => s.trim()));
for (const w of only) {
  if (w !== 'main' && w !== 'ebpf' && w !== 'profile' && !(EXTRA_WORKLOADS as readonly string[]).includes(w)) throw new Error(`EA_BENCH_ONLY: unknown workload ${w}`);
}
const programsEnv = process.env['EA_BENCH_PROGRAMS'];
const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
let text = '';
let mismatches = 0;
if (only.has('main')) {
  const results = await runSuite({ smoke });
  text = renderResults(results, describeMachine(), new Date());
  const ea = typeof results.ea === 'string' ? [] : results.ea;
  mismatches += [...results.packets, ...results.seccomp, ...ea].filter((r) => r.mismatch !== null).length;
} else {
  text = `# Benchmark results (EA_BENCH_ONLY=${onlyEnv})\n\nGenerated on ${new Date().toISOString()}.\n`;
}
const extra = await runExtra({ smoke, only, programs: programsEnv === undefined ? null : new RegExp(programsEnv), log });
if (!extra.agree) mismatches += 1;
if (extra.lines.length > 0) text = `${text.trimEnd()}\n\n${extra.lines.join('\n')}`;
if (only.has('ebpf')) {
  let rows: ReturnType<typeof runEbpfWorkload> | string;
  try {
    rows = runEbpfWorkload(join(CACHE_DIR, smoke ? 'smoke' : 'full', 'ebpf'), { smoke }, log);
    mismatches += rows.filter((row) => row.mismatch !== null).length;
  } catch (error) {
    rows = `failed: ${(error as Error).message.split('\n')[0]}`;
    log(`eBPF workload ${rows}`);
  }
  text = `${text.trimEnd()}\n\n${renderEbpf(rows).join('\n')}\n\nLoad average at the end: ${describeMachine().load}.`;
}
if (only.has('profile')) {
  let res: ReturnType<typeof runProfileWorkload>;
  try {
    res = runProfileWorkload(join(CACHE_DIR, smoke ? 'smoke' : 'full'), smoke ? 2000 : 100_000, { smoke, maxTime: 1, reps: smoke ? 1 : 31 }, log);
    if (typeof res !== 'string' && (res.rows.some((r) => !r.agree) || res.differences > 0)) mismatches += 1;
  } catch (error) {
    res = `failed: ${(error as Error).message.split('\n')[0]}`;
    log(`profile workload ${res}`);
  }
  text = `${text.trimEnd()}\n\n${renderProfile(res).join('\n')}\n\nLoad average at the end: ${describeMachine().load}.`;
}
const where = smoke ? 'RESULTS.smoke.md' : onlyEnv !== undefined ? 'RESULTS.only.md' : null;
const target = where !== null ? join(CACHE_DIR, where) : join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
writeFileSync(target, `${text.trimEnd()}\n`);
log(`wrote ${target}`);
if (mismatches > 0) {
  log(`!!! ${mismatches} workloads where the engines DISAGREE; see ${target}`);
  process.exitCode = 1;
}
