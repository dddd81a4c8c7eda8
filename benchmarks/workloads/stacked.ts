/**
 * Stacked seccomp filters, as a process under a runtime's filter plus its own meets them: for a
 * chain of N policies (N = 2..8, distinct policies, oldest first) over the seccomp workload's
 * calls, per call:
 * - `runChain` (@ea/seccomp) over the JIT-compiled filters: one generic loop, one call site for
 *   every filter;
 * - `compileChain` (@ea/jit): the whole chain as one generated function;
 * - N call sites: a loop of its own calling each filter from its own call site, the precedence
 *   rule written out between them (what a hand-written chain would cost);
 * - the sum of each filter alone (each timed with its own loop): the target.
 * And "one call site over many filters": a loop that calls filter `i % N` for call `i` from one
 * call site (a sandbox dispatching to per-tenant filters), against the mean of the filters alone.
 * Every way's hash of all return values is compared with runChain's.
 */
import { compileChain } from '@ea/jit';
import { runChain, type FilterFn } from '@ea/seccomp';
import type { VerifiedProgram } from '@ea/verifier';
import { verify } from '@ea/verifier';
import { ownLoop } from '../loop.js';
import { timePass, type TimingOptions } from '../measure.js';
import { handPolicies } from './handpolicies.js';
import { seccompHash, seccompPass } from './seccomp.js';

export interface StackedRow {
  readonly n: number;
  readonly names: readonly string[];
  /** ns per call of each way; the sum of the filters timed alone. */
  readonly runChain: number;
  readonly compiled: number;
  readonly sites: number;
  readonly sumAlone: number;
  /** false when a way's results differ from runChain's. */
  readonly agree: boolean;
}

export interface DispatchRow {
  readonly n: number;
  /** ns per call through one call site over N filters, and the mean of the N filters alone. */
  readonly oneSite: number;
  readonly meanAlone: number;
}

export interface StackedResults {
  readonly rows: readonly StackedRow[];
  readonly dispatch: readonly DispatchRow[];
}

type Run = (view: DataView) => number;

/** A loop of its own with one call site per filter, the kernel's precedence written between them. */
function sitesPass(views: readonly DataView[], filters: readonly Run[]): { pass: () => number; run: Run } {
  const n = filters.length;
  const params = filters.map((_, i) => `f${i}`);
  // Newest first; a strictly lower signed action replaces the running result (seccomp_run_filters).
  const steps = params
    .map((_, j) => `r = f${n - 1 - j}(v) >>> 0; if ((r & 0xffff0000) < (best & 0xffff0000)) best = r;`)
    .join('\n');
  const body = `const one = (v) => { if (v.getUint32(4, true) === 0xc000003e) { const nr = v.getUint32(0, true); if (nr === 335 || nr === 336) return 0x7fff0000; }
    let r = 0, best = 0x7fff0000;
    ${steps}
    return best; };
    const loop = (views) => { const n = views.length; let nonzero = 0; for (let i = 0; i < n; i++) if (one(views[i]) !== 0) nonzero++; return nonzero; };
    return { one, loop };`;
  const made = ownLoop<(...f: Run[]) => { one: Run; loop: (views: readonly DataView[]) => number }>(params, body)(...filters);
  return { pass: () => made.loop(views), run: made.one };
}

/** One call site calling filter i % N for call i. */
function oneSitePass(views: readonly DataView[], filters: readonly Run[]): () => number {
  const loop = ownLoop<(views: readonly DataView[], filters: readonly Run[]) => number>(
    ['views', 'filters'],
    `const n = views.length, m = filters.length;
    let nonzero = 0;
    for (let i = 0; i < n; i++) if (filters[i % m](views[i]) !== 0) nonzero++;
    return nonzero;`,
  );
  return () => loop(views, filters);
}

/** The policies a chain draws from: the seccomp workload's, then the hand-assembled ones. */
export function stackPool(programs: readonly { readonly name: string; readonly program: VerifiedProgram }[]): { name: string; program: VerifiedProgram }[] {
  const pool = programs.map((p) => ({ name: p.name, program: p.program }));
  for (const h of handPolicies()) pool.push({ name: h.name, program: verify(h.insns, { profile: 'seccomp' }) });
  return pool;
}

/** Runs the stacked workload: `jit` compiles one filter (the JIT engine's seccomp()). */
export function runStackedWorkload(
  pool: readonly { readonly name: string; readonly program: VerifiedProgram }[],
  views: readonly DataView[],
  jit: (program: VerifiedProgram) => Run,
  timing: TimingOptions,
  sizes: readonly number[] = [2, 4, 6, 8],
  log: (line: string) => void = () => {},
): StackedResults {
  const alone = new Map<number, number>();
  const filters = pool.map((p) => jit(p.program));
  const aloneNs = (i: number): number => {
    let ns = alone.get(i);
    if (ns === undefined) {
      ns = timePass(`alone ${pool[i]!.name}`, seccompPass(views, filters[i]!), views.length, timing);
      alone.set(i, ns);
    }
    return ns;
  };
  const rows: StackedRow[] = [];
  const dispatch: DispatchRow[] = [];
  for (const n of sizes) {
    const idx = Array.from({ length: Math.min(n, pool.length) }, (_, i) => i);
    const chainFilters: FilterFn[] = idx.map((i) => filters[i]!);
    log(`stacked: ${n} filters`);
    const call = { arch: 0, nr: 0 };
    const viaRunChain: Run = (view) => {
      call.arch = view.getUint32(4, true);
      call.nr = view.getUint32(0, true);
      return runChain(chainFilters, view, call);
    };
    const compiled = compileChain(idx.map((i) => pool[i]!.program));
    const sites = sitesPass(views, chainFilters);
    const want = seccompHash(views, viaRunChain);
    const agree = seccompHash(views, compiled.run) === want && seccompHash(views, sites.run) === want && compiled.accelerated;
    rows.push({
      n: idx.length,
      names: idx.map((i) => pool[i]!.name),
      runChain: timePass(`runChain ${n}`, seccompPass(views, viaRunChain), views.length, timing),
      compiled: timePass(`compileChain ${n}`, seccompPass(views, compiled.run), views.length, timing),
      sites: timePass(`${n} call sites`, sites.pass, views.length, timing),
      sumAlone: idx.reduce((s, i) => s + aloneNs(i), 0),
      agree,
    });
    const oneSite = timePass(`one call site over ${n}`, oneSitePass(views, chainFilters), views.length, timing);
    dispatch.push({ n: idx.length, oneSite, meanAlone: idx.reduce((s, i) => s + aloneNs(i), 0) / idx.length });
  }
  return { rows, dispatch };
}
