/**
 * Times the path from instructions to a first answer for filters of growing size:
 * verify, interpreter preparation, JIT compilation, and the first run of each.
 * Medians over repeated runs (each repetition starts again from the instructions).
 */
import { verify } from '@ea/verifier';
import type { JsEngine } from '../engines.js';
import { median } from '../measure.js';
import { COMPILE_SIZES, linearFilter } from './compile.js';

export interface CompileRow {
  readonly size: number;
  /** Milliseconds, medians. */
  readonly verify: number;
  readonly interpreterPrepare: number | null;
  readonly interpreterFirstRun: number | null;
  readonly jitCompile: number | null;
  readonly jitFirstRun: number | null;
  readonly note?: string;
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/** Runs the compile-latency workload with the available engines. */
export function runCompileWorkload(engines: readonly JsEngine[], smoke: boolean): CompileRow[] {
  const view = new DataView(new ArrayBuffer(64));
  view.setUint32(0, 0xffff, true); // a syscall number no rule matches: the whole chain runs
  const interp = engines.find((e) => e.name === 'interpreter' && e.missing === null);
  const jit = engines.find((e) => e.name === 'jit' && e.missing === null);
  return COMPILE_SIZES.map((size): CompileRow => {
    const insns = linearFilter(size);
    const reps = smoke ? 1 : size >= 1000 ? 21 : 51;
    const times = { verify: [] as number[], ip: [] as number[], ir: [] as number[], jc: [] as number[], jr: [] as number[] };
    let note: string | undefined;
    for (let r = 0; r < reps; r++) {
      let t = process.hrtime.bigint();
      const program = verify(insns, { profile: 'seccomp' });
      times.verify.push(ms(t));
      if (interp !== undefined) {
        t = process.hrtime.bigint();
        const run = interp.seccomp(program);
        times.ip.push(ms(t));
        t = process.hrtime.bigint();
        run(view);
        times.ir.push(ms(t));
      }
      if (jit !== undefined) {
        try {
          t = process.hrtime.bigint();
          const run = jit.seccomp(program);
          times.jc.push(ms(t));
          t = process.hrtime.bigint();
          run(view);
          times.jr.push(ms(t));
        } catch (error) {
          note = `jit failed: ${(error as Error).message.split('\n')[0]}`;
        }
      }
    }
    const m = (list: number[]): number | null => (list.length === 0 ? null : median(list));
    return {
      size,
      verify: median(times.verify),
      interpreterPrepare: m(times.ip),
      interpreterFirstRun: m(times.ir),
      jitCompile: m(times.jc),
      jitFirstRun: m(times.jr),
      ...(note === undefined ? {} : { note }),
    };
  });
}
