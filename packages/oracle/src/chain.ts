/**
 * The kernel side of the filter-chain differential test: `c/chain.c` stacks seccomp filters in
 * a forked child and reports what happened to one probe syscall (see the comment at the top of
 * chain.c for the protocol and for why the probes are harmless).
 */
import { spawnSync } from 'node:child_process';
import { SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ERRNO, X86_64_HARDWIRED_ALLOW } from '@ea/bpf';
import { buildHelper } from './build.js';

/** One stacked filter: a constant result, or a result that depends on the syscall number. */
export type ChainFilterSpec =
  | { readonly kind: 'const'; readonly ret: number }
  /** nr == eq ? eqRet : nr >= ge ? geRet : elseRet (unsigned compares, like JEQ/JGE). */
  | {
      readonly kind: 'nr';
      readonly eq: number;
      readonly eqRet: number;
      readonly ge: number;
      readonly geRet: number;
      readonly elseRet: number;
    }
  /** A whole program from a file (raw sock_filter array, host byte order), e.g. a libseccomp policy. */
  | { readonly kind: 'file'; readonly path: string };

/** One probe: filters oldest first, the index of the filter that gets a listener (or -1), the nr. */
export interface ChainCase {
  readonly nr: number;
  readonly listener: number;
  readonly filters: readonly ChainFilterSpec[];
  /**
   * Six u64 arguments for the probe. Such probes are for calls that must never run: chain.c does
   * not measure their baseline, and runKernelChains requires the oldest filter to be a constant
   * ERRNO (so an ALLOW shows up as that errno) and refuses the bypassing numbers 335 and 336.
   */
  readonly args?: readonly bigint[];
  /** Trace the child with PTRACE_O_TRACESECCOMP, continuing every seccomp stop unchanged. */
  readonly trace?: boolean;
}

/** What the kernel did to the probe. */
export type ChainObservation =
  | { readonly kind: 'signal'; readonly signal: number }
  | { readonly kind: 'thread_killed' }
  | { readonly kind: 'trap'; readonly code: number; readonly data: number }
  /** The tracer saw PTRACE_EVENT_SECCOMP with this message; the call then ran and returned `value`. */
  | { readonly kind: 'traced'; readonly message: number; readonly value: number; readonly baseline: number }
  /** The syscall returned `value`; `baseline` is what it returned with no filter installed. */
  | { readonly kind: 'returned'; readonly value: number; readonly baseline: number };

/** The value chain.c's listener answers every USER_NOTIF with. */
export const CHAIN_NOTIF_VALUE = 0x5eed;

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

function specText(spec: ChainFilterSpec): string {
  switch (spec.kind) {
    case 'const':
      return `k:${hex(spec.ret)}`;
    case 'nr':
      return `n:${hex(spec.eq)}:${hex(spec.eqRet)}:${hex(spec.ge)}:${hex(spec.geRet)}:${hex(spec.elseRet)}`;
    case 'file':
      if (!/^[\w./-]+$/.test(spec.path)) throw new RangeError(`chain.c cannot take the path ${JSON.stringify(spec.path)}`);
      return `f:${spec.path}`;
  }
}

/** Formats one case as a line of chain.c's input. */
export function chainCaseLine(c: ChainCase): string {
  const args = c.args === undefined ? '' : ` a:${c.args.map((a) => `0x${a.toString(16)}`).join(':')}`;
  const trace = c.trace === true ? ' trace' : '';
  return `${hex(c.nr)} ${c.listener} ${c.filters.length} ${c.filters.map(specText).join(' ')}${trace}${args}`;
}

function checkCase(c: ChainCase): void {
  if (c.filters.length < 1 || c.filters.length > 16 || c.listener < -1 || c.listener >= c.filters.length) {
    throw new RangeError(`chain case needs 1..16 filters and a listener index in -1..count-1: ${chainCaseLine(c)}`);
  }
  if (c.args === undefined) return;
  const oldest = c.filters[0]!;
  const errnoGuard = oldest.kind === 'const' && (oldest.ret & SECCOMP_RET_ACTION_FULL) >>> 0 === SECCOMP_RET_ERRNO;
  if (!errnoGuard || X86_64_HARDWIRED_ALLOW.includes(c.nr) || c.args.length !== 6) {
    throw new RangeError(`a probe with arguments needs six args, an ERRNO filter first and no bypass nr: ${chainCaseLine(c)}`);
  }
  for (const a of c.args) if (a < 0n || a >= 1n << 64n) throw new RangeError(`argument ${a} is not a u64`);
}

function parseLine(line: string, c: ChainCase): ChainObservation {
  const signal = /^signal (\d+)$/.exec(line);
  if (signal !== null) return { kind: 'signal', signal: Number(signal[1]) };
  const m = /^base (-?\d+) ret (-?\d+) trap ([01]) code (-?\d+) data (-?\d+) killed ([01]) traced ([01]) msg (\d+)$/.exec(line);
  if (m === null) throw new Error(`chain helper: unexpected output ${JSON.stringify(line)} for ${chainCaseLine(c)}`);
  if (m[6] === '1') return { kind: 'thread_killed' };
  if (m[3] === '1') return { kind: 'trap', code: Number(m[4]), data: Number(m[5]) };
  if (m[7] === '1') return { kind: 'traced', message: Number(m[8]), value: Number(m[2]), baseline: Number(m[1]) };
  return { kind: 'returned', value: Number(m[2]), baseline: Number(m[1]) };
}

/** Runs every case on the kernel (one forked child each) and returns what it observed. */
export function runKernelChains(cases: readonly ChainCase[]): ChainObservation[] {
  for (const c of cases) checkCase(c);
  const binary = buildHelper('chain', ['-lpthread']);
  const input = cases.map((c) => `${chainCaseLine(c)}\n`).join('');
  const run = spawnSync(binary, [], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`chain helper failed (${run.status ?? run.signal}): ${run.stderr}`);
  const lines = run.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== cases.length) throw new Error(`chain helper answered ${lines.length} of ${cases.length} cases`);
  return lines.map((line, i) => parseLine(line, cases[i]!));
}
