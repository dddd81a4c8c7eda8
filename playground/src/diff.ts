/**
 * The diff view: two seccomp filters (programs or profiles) compared over every input by
 * @ea/explain's diff(), each difference a call both engines were run on.
 */
import { diff } from '@ea/explain';
import { formatAction } from '@ea/seccomp';
import { type Input, isJson, type Settings, type ShownError, shownError } from './analyze.js';
import { seccompProgram } from './call.js';

/** Rows shown at most (the count says how many there are). */
export const MAX_DIFF_ROWS = 200;

/** One input on which the filters differ. */
export interface DiffRow {
  readonly arch: string;
  readonly nr: string;
  readonly name: string;
  readonly args: string;
  readonly a: string;
  readonly b: string;
}

/** The comparison, or the typed error of the side that could not be read. */
export type DiffAnswer =
  | { readonly ok: true; readonly equivalent: boolean; readonly undecided: number; readonly total: number; readonly rows: readonly DiffRow[] }
  | { readonly ok: false; readonly side: 'first' | 'second'; readonly error: ShownError };

function side(input: Input, settings: Settings): ReturnType<typeof seccompProgram> {
  const asProfile = settings.format === 'profile' || (settings.format === 'auto' && isJson(input));
  return seccompProgram(input, settings, asProfile);
}

/** Compares the page's input (first) with a second one; never throws for bad input. */
export function diffInputs(first: Input, second: Input, settings: Settings): DiffAnswer {
  let a: ReturnType<typeof seccompProgram>;
  try {
    a = side(first, settings);
  } catch (error) {
    return { ok: false, side: 'first', error: shownError(error) };
  }
  let b: ReturnType<typeof seccompProgram>;
  try {
    // The second filter is pasted without a format choice: it is always detected.
    b = side(second, { ...settings, format: 'auto' });
  } catch (error) {
    return { ok: false, side: 'second', error: shownError(error) };
  }
  try {
    const r = diff(a, b);
    const rows = r.differences.slice(0, MAX_DIFF_ROWS).map((d) => ({
      arch: d.arch ?? `0x${d.data.arch.toString(16)}`,
      nr: d.to === undefined ? String(d.data.nr) : `${d.data.nr}–${d.to}`,
      name: d.name ?? '',
      args: d.data.args.every((x) => x === 0n) ? '' : d.data.args.map((x) => (x < 10n ? x.toString() : `0x${x.toString(16)}`)).join(', '),
      a: formatAction(d.a),
      b: formatAction(d.b),
    }));
    return { ok: true, equivalent: r.equivalent, undecided: r.undecided, total: r.differences.length, rows };
  } catch (error) {
    return { ok: false, side: 'first', error: shownError(error) };
  }
}
