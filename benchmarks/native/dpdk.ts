/**
 * Builds and runs native/dpdk-harness.c, DPDK's librte_bpf (Debian librte-bpf23, dpdk-dev) as
 * the eBPF peer: its JIT (rte_bpf_get_jit) and its interpreter (rte_bpf_exec).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE_DIR } from './build.js';

const HARNESS = join(dirname(fileURLToPath(import.meta.url)), 'dpdk-harness.c');
const INCLUDE = '/usr/include/dpdk';

/** Returns why the DPDK peer cannot be built here, or null when it can. */
export function dpdkUnavailable(): string | null {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'gcc is not installed (apt-get install gcc)';
  }
  if (!existsSync(join(INCLUDE, 'rte_bpf.h'))) return 'DPDK is not installed (apt-get install dpdk-dev librte-bpf23)';
  return null;
}

/** Builds (or reuses) the harness; the binary is keyed by the harness source. */
export function buildDpdkHarness(): string {
  const key = createHash('sha256').update(readFileSync(HARNESS)).digest('hex').slice(0, 16);
  mkdirSync(CACHE_DIR, { recursive: true });
  const binary = join(CACHE_DIR, `harness-dpdk-${key}`);
  if (existsSync(binary)) return binary;
  const tmp = `${binary}.${process.pid}.tmp`;
  const includes = [INCLUDE, `/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/dpdk`].map((d) => `-I${d}`);
  execFileSync('gcc', ['-O2', '-Wall', ...includes, '-o', tmp, HARNESS, '-lrte_bpf', '-lrte_eal'], { stdio: 'pipe' });
  renameSync(tmp, binary);
  return binary;
}

/** One program's line from the harness. */
export interface DpdkResult {
  readonly index: number;
  /** r0 from rte_bpf_exec and from the JIT, hex. */
  readonly r0?: string;
  readonly jit_r0?: string;
  /** ns per run of each repetition; jit is null where librte_bpf has no JIT. */
  readonly jit?: readonly number[] | null;
  readonly interpreter?: readonly number[];
  /** Why rte_bpf_load refused the program. */
  readonly error: string | null;
}

/** Runs the harness on one input and several programs (paths of raw eBPF instructions). */
export function runDpdkHarness(binary: string, input: string, iterations: number, reps: number, programs: readonly string[]): DpdkResult[] {
  const out = execFileSync(binary, [input, String(iterations), String(reps), ...programs], { maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'pipe'] });
  return out
    .toString()
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as DpdkResult);
}
