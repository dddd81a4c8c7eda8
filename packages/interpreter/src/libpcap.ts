/**
 * The libpcap profile: classic BPF as libpcap's pcap_filter (bpf_filter.c) runs it in userland
 * for `tcpdump -r`, which differs from the kernel's converted program. It runs in the one run
 * loop (loop.ts); what differs is settled at decode time (decode.ts) and here:
 * - `ja` adds k as a signed offset (decode.ts resolves it), so a run may loop; runs are bounded
 *   by an instruction budget, checked when a backward jump is taken (only those can make a run
 *   longer than the program), and exhausting it is InterpreterError 'BUDGET_EXHAUSTED'. The
 *   count is the step hook below, so kernel-profile runs pay nothing for it;
 * - every load offset is a plain packet offset, compared with buflen without wrapping: k, or
 *   X + k as a mathematical sum, plus the load size must fit the captured length, else the
 *   program returns 0 (no SKF_NET_OFF/SKF_LL_OFF regions, no ancillary fields, no 32-bit wrap
 *   of X + k, kernel-observed items 7 and 8): decode.ts gives these loads PCAP_* operations;
 * - shifts by X of 32 or more give 0 (the kernel uses X & 31, kernel-observed item 5): PCAP_LSH_X
 *   and PCAP_RSH_X;
 * - division and modulo by X == 0 return 0 from the program, as in the kernel (shared cases).
 */
import type { StepHook } from './context.js';
import { type DecodedProgram, OPS } from './decode.js';
import { InterpreterError } from './errors.js';

/** The default instruction budget of a libpcap-profile run (EngineOptions.budget). */
export const DEFAULT_BUDGET = 1 << 24;

/**
 * Counts one libpcap run's executed instructions through the run loop's step hook and stops the
 * run at a backward jump taken once more than `budget` instructions have run (the caller's own
 * hook, if any, is called first). One counter per interpreter is reused run after run; `begin`
 * returns null while it is in use (a hook that runs the same interpreter again), and the caller
 * then makes a fresh one, so a nested run can never reset an outer run's count.
 */
export class PcapBudget {
  private steps = 0;
  private user: StepHook | null = null;
  private busy = false;
  private readonly hook: StepHook;

  constructor(
    readonly budget: number,
    /** 1 at every pc holding a backward `ja`. */
    private readonly backward: Uint8Array,
  ) {
    this.hook = (pc, a, x) => {
      if (this.user !== null) this.user(pc, a, x);
      if (++this.steps > this.budget && this.backward[pc] === 1) throw exhausted(this.budget, pc);
    };
  }

  /** Marks which pcs hold a backward `ja` (decode.ts resolved its target into jt). */
  static backwardJumps(d: DecodedProgram): Uint8Array {
    const out = new Uint8Array(d.op.length);
    for (let pc = 0; pc < d.op.length; pc++) if (d.op[pc] === OPS.JA && d.jt[pc]! <= pc) out[pc] = 1;
    return out;
  }

  /** Starts a run: returns the hook to pass to the run loop, or null while a run is in progress. */
  begin(user: StepHook | null): StepHook | null {
    if (this.busy) return null;
    this.busy = true;
    this.steps = 0;
    this.user = user;
    return this.hook;
  }

  /** Ends the run `begin` started (also when it threw). */
  end(): void {
    this.busy = false;
    this.user = null;
  }
}

function exhausted(budget: number, pc: number): InterpreterError {
  return new InterpreterError(
    'BUDGET_EXHAUSTED',
    `the run executed more than its budget of ${budget} instructions (backward jump at pc ${pc}); libpcap would still be looping`,
  );
}
