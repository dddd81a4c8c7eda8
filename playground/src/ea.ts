/**
 * The EA view: for an EA syscall of the workbench's scenarios, the struct (pahole style), the
 * flattened image of a demo call (@ea/layout, the same text `ea-bpf layout` prints) and the
 * fail-safe compatibility matrix (@ea/workbench, as `ea-bpf compat` prints it).
 */
import { demoCall, eaSyscall, Flattener, pahole, renderImageText, versionSize } from '@ea/layout';
import type { Strategy } from '@ea/policy';
import { compatMatrix, defaultEngine, formatMatrix, SCENARIOS } from '@ea/workbench';
import { type ShownError, shownError } from './analyze.js';

/** What the EA view shows, or the typed error. */
export type EaAnswer =
  | { readonly ok: true; readonly layout: string; readonly matrix: string; readonly allFailSafe: boolean }
  | { readonly ok: false; readonly error: ShownError };

/** Renders the layout and the matrix of one scenario; never throws for a bad name. */
export function eaAnswer(syscall: string, strategy: Strategy): EaAnswer {
  try {
    const scenario = SCENARIOS[syscall];
    if (scenario === undefined) throw new RangeError(`no EA scenario named ${JSON.stringify(syscall.slice(0, 40))} (known: ${Object.keys(SCENARIOS).join(', ')})`);
    const sys = eaSyscall(syscall);
    const usize = versionSize(sys, undefined);
    const demo = demoCall(sys, usize);
    const f = new Flattener(sys, strategy === 'fixed-window' ? demo.needs : { root: usize }, { strategy });
    f.flatten(demo.registers, demo.memory);
    const matrix = compatMatrix(scenario, defaultEngine(), { guard: 'tailzero', strategy });
    return { ok: true, layout: `${pahole(sys.struct)}\n\n${renderImageText(f)}\n`, matrix: formatMatrix(matrix), allFailSafe: matrix.allFailSafe };
  } catch (error) {
    return { ok: false, error: shownError(error) };
  }
}
