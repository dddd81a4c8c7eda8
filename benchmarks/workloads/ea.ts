/**
 * The EA workload: flatten + filter for clone3 and openat2 calls (the calls and
 * policies of examples/ea-clone3-set-tid.ts and examples/ea-openat2.ts), for both
 * flattening strategies. @ea/layout's Flattener writes each call into its reusable
 * image and the filter runs over the Flattener's own view, so neither step
 * allocates per call. No native peer exists for this workload (libpcap has no EA
 * loads), so only our two engines are compared.
 */
import { Flattener } from '@ea/layout';
import { buildFilter, type Check, layoutPlacement, needsOf, type Strategy, version } from '@ea/policy';
import type { DemoCase } from '@ea/workbench';
import { ARCHES } from '@ea/seccomp';
import { verify } from '@ea/verifier';
import { CASES as CLONE3_CASES } from '../../examples/ea-clone3-set-tid.js';
import { CASES as OPENAT2_CASES, CHECKS as OPENAT2_CHECKS } from '../../examples/ea-openat2.js';
import type { JsEngine } from '../engines.js';
import { type TimingOptions, timePass } from '../measure.js';

export interface EaRow {
  readonly name: string;
  readonly insns: number;
  /** ns per call. */
  readonly flatten: number;
  readonly interpreter: number | null;
  readonly jit: number | null;
  readonly interpreterTotal: number | null;
  readonly jitTotal: number | null;
  readonly mismatch: string | null;
}

interface Spec {
  readonly name: string;
  readonly syscall: 'clone3' | 'openat2';
  readonly checks: readonly Check[];
  readonly cases: readonly DemoCase[];
}

const SPECS: readonly Spec[] = [
  {
    name: 'clone3: set_tid[0] == 34',
    syscall: 'clone3',
    checks: [{ path: 'set_tid[0]', test: { op: 'eq', value: 34n } }],
    cases: CLONE3_CASES,
  },
  { name: 'openat2: BENEATH|NO_SYMLINKS, no O_CREAT', syscall: 'openat2', checks: OPENAT2_CHECKS, cases: OPENAT2_CASES },
];

const STRATEGIES: readonly Strategy[] = ['jump-table', 'fixed-window'];

/** Runs the EA workload with the available engines. */
export function runEaWorkload(engines: readonly JsEngine[], calls: number, timing: TimingOptions): EaRow[] {
  const x86 = ARCHES.x86_64;
  const rows: EaRow[] = [];
  for (const spec of SPECS) {
    const v = version(spec.syscall);
    const needs = needsOf(v.struct, spec.checks);
    for (const strategy of STRATEGIES) {
      const built = buildFilter({
        arch: x86,
        nr: v.sys.nr,
        struct: v.struct,
        placement: layoutPlacement(v.sys, strategy, needs),
        checks: spec.checks,
        guard: 'tailzero',
      });
      const program = verify(built.insns, { profile: 'ea' });
      const f = new Flattener(v.sys, { root: needs.root, pointees: needs.pointees }, { strategy });
      // The example's few calls, repeated to `calls` in a fixed order.
      const regs = Array.from({ length: calls }, (_, i) => spec.cases[i % spec.cases.length]!.call);
      const flattenPass = (): number => {
        let n = 0;
        for (const c of regs) n += f.flatten(c.regs, c.memory);
        return n;
      };
      const results: Partial<Record<'interpreter' | 'jit', { filter: number; total: number; hash: number }>> = {};
      for (const engine of engines) {
        if (engine.missing !== null) continue;
        const run = engine.seccomp(program);
        // Filter alone: over images flattened beforehand (one copy per distinct case).
        const images = spec.cases.map((c) => {
          f.flatten(c.call.regs, c.call.memory);
          return new DataView(f.image.slice().buffer);
        });
        const filterPass = (): number => {
          let h = 0;
          for (let i = 0; i < calls; i++) h = (Math.imul(h, 31) + run(images[i % images.length]!)) >>> 0;
          return h;
        };
        const totalPass = (): number => {
          let h = 0;
          for (const c of regs) {
            f.flatten(c.regs, c.memory);
            h = (Math.imul(h, 31) + run(f.view)) >>> 0;
          }
          return h;
        };
        const hash = totalPass();
        if (filterPass() !== hash) throw new Error(`${spec.name}: running over the live view and over copies disagree`);
        results[engine.name] = {
          filter: timePass(`${engine.name} ${spec.name}`, filterPass, calls, timing),
          total: timePass(`${engine.name} ${spec.name} total`, totalPass, calls, timing),
          hash,
        };
      }
      const i = results.interpreter;
      const j = results.jit;
      rows.push({
        name: `${spec.name} (${strategy})`,
        insns: built.insns.length,
        flatten: timePass(`flatten ${spec.name}`, flattenPass, calls, timing),
        interpreter: i?.filter ?? null,
        jit: j?.filter ?? null,
        interpreterTotal: i?.total ?? null,
        jitTotal: j?.total ?? null,
        mismatch: i !== undefined && j !== undefined && i.hash !== j.hash ? `interpreter hash ${i.hash}, JIT hash ${j.hash}` : null,
      });
    }
  }
  return rows;
}
