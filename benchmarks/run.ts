/**
 * `pnpm bench`: runs every workload with every engine and writes
 * benchmarks/RESULTS.md. `EA_BENCH_SMOKE=1` runs each workload once on small
 * inputs and writes to benchmarks/.cache/RESULTS.smoke.md instead.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine } from './machine.js';
import { renderResults } from './report.js';
import { runSuite } from './suite.js';
import { CACHE_DIR } from './native/build.js';

const smoke = process.env['EA_BENCH_SMOKE'] === '1';
const results = await runSuite({ smoke });
const text = renderResults(results, describeMachine(), new Date());
const target = smoke ? join(CACHE_DIR, 'RESULTS.smoke.md') : join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
writeFileSync(target, text);
process.stderr.write(`[bench] wrote ${target}\n`);
const ea = typeof results.ea === 'string' ? [] : results.ea;
const mismatches = [...results.packets, ...results.seccomp, ...ea].filter((r) => r.mismatch !== null);
if (mismatches.length > 0) {
  process.stderr.write(`[bench] !!! ${mismatches.length} workloads where the engines DISAGREE; see ${target}\n`);
  process.exitCode = 1;
}
