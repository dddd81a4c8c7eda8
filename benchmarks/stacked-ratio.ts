/**
 * compileChain against the sum of its filters alone, in one process with tight loops (issue 19):
 * the first N policies of the stacked workload's pool over 20,000 calls of the seccomp mix, each
 * filter's own loop and the compiled chain's, median ns/call of 41 passes, three rounds.
 *
 *   npx tsx benchmarks/stacked-ratio.ts [N]      (default 2)
 *
 * `EA_BENCH_ONLY=stacked pnpm bench` measures the same through benchmark.js beside runChain.
 */
import { loadavg } from 'node:os';
import { compile, compileChain } from '@ea/jit';
import { prepareSeccompWorkload, seccompHash, seccompPass } from './workloads/seccomp.js';
import { stackPool } from './workloads/stacked.js';

const workload = prepareSeccompWorkload('benchmarks/.cache/stacked-ratio', 20_000);
const pool = stackPool(workload.programs);
const views = workload.views;
const n = Number(process.argv[2] ?? 2);
if (!Number.isInteger(n) || n < 1 || n > pool.length) throw new RangeError(`N must be 1..${pool.length}`);

function nsPerCall(pass: () => number): number {
  for (let i = 0; i < 10; i++) pass();
  const times: number[] = [];
  for (let i = 0; i < 41; i++) {
    const t0 = process.hrtime.bigint();
    pass();
    times.push(Number(process.hrtime.bigint() - t0) / views.length);
  }
  return [...times].sort((a, b) => a - b)[times.length >> 1] as number;
}

const chosen = pool.slice(0, n);
const alone = chosen.map((p) => seccompPass(views, compile(p.program).run as (view: DataView) => number));
const chain = compileChain(chosen.map((p) => p.program));
if (!chain.accelerated) throw new Error(`compileChain fell back: ${chain.reason ?? '?'}`);
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${chosen.map((p) => p.name.split(':')[0]).join(', ')}; chain hash ${seccompHash(views, chain.run)}`);
const whole = seccompPass(views, chain.run);
for (let round = 0; round < 3; round++) {
  const each = alone.map(nsPerCall);
  const sum = each.reduce((s, x) => s + x, 0);
  const c = nsPerCall(whole);
  console.log(`alone ${each.map((x) => x.toFixed(2)).join(' + ')} = ${sum.toFixed(2)} ns; compileChain ${c.toFixed(2)} ns; ratio ${(c / sum).toFixed(2)}`);
}
