/**
 * Builds and runs native/ubpf-harness.c against uBPF (github.com/iovisor/ubpf), the eBPF peer
 * issue 15 names beside DPDK: its JIT (ubpf_compile) and its interpreter (ubpf_exec). uBPF is not
 * packaged by Debian and nothing is fetched here: `EA_UBPF` names a checkout, which is built with
 * its own CMake project (the `ubpf` library target only, no submodules) in the system's temporary
 * directory, and the harness into the cache.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE_DIR } from './build.js';
import { type DpdkResult, runDpdkHarness } from './dpdk.js';

const HARNESS = join(dirname(fileURLToPath(import.meta.url)), 'ubpf-harness.c');

/** The uBPF checkout the bench builds, from `EA_UBPF`, or undefined. */
export function ubpfCheckout(): string | undefined {
  const dir = process.env.EA_UBPF;
  return dir === undefined || dir === '' ? undefined : resolve(dir);
}

/** Returns why the uBPF peer cannot be built here, or null when it can. */
export function ubpfUnavailable(): string | null {
  const dir = ubpfCheckout();
  if (dir === undefined) return 'not packaged; set EA_UBPF to a checkout of github.com/iovisor/ubpf to build and time it';
  if (!existsSync(join(dir, 'vm', 'inc', 'ubpf.h')) || !existsSync(join(dir, 'CMakeLists.txt'))) return `EA_UBPF=${dir} is not a uBPF checkout (no vm/inc/ubpf.h)`;
  for (const [tool, pkg] of [['gcc', 'gcc'], ['cmake', 'cmake']] as const) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (apt-get install ${pkg})`;
    }
  }
  return null;
}

/**
 * Builds uBPF's library from the checkout (CMake's own incremental build, so a changed checkout
 * is rebuilt) and the harness against it; returns the harness binary.
 */
export function buildUbpfHarness(): string {
  const dir = ubpfCheckout();
  if (dir === undefined) throw new Error('EA_UBPF is not set');
  // The CMake build tree goes outside the repository: CMake writes files named `*.ts` there
  // (compiler_depend.ts, a timestamp) that the repository's linter would try to parse.
  const build = join(tmpdir(), `ea-ubpf-build-${createHash('sha256').update(dir).digest('hex').slice(0, 16)}`);
  mkdirSync(CACHE_DIR, { recursive: true });
  if (!existsSync(join(build, 'CMakeCache.txt'))) {
    execFileSync(
      'cmake',
      ['-S', dir, '-B', build, '-DCMAKE_BUILD_TYPE=Release', '-DUBPF_SKIP_EXTERNAL=ON', '-DUBPF_ENABLE_TESTS=OFF', '-DUBPF_INSTALL_GIT_HOOKS=OFF'],
      { stdio: 'pipe' },
    );
  }
  execFileSync('cmake', ['--build', build, '--target', 'ubpf'], { stdio: 'pipe' });
  const library = join(build, 'lib', 'libubpf.a');
  const key = createHash('sha256').update(readFileSync(HARNESS)).update(readFileSync(library)).digest('hex').slice(0, 16);
  const binary = join(CACHE_DIR, `harness-ubpf-${key}`);
  if (existsSync(binary)) return binary;
  const tmp = `${binary}.${process.pid}.tmp`;
  execFileSync('gcc', ['-O2', '-Wall', `-I${join(dir, 'vm', 'inc')}`, `-I${join(build, 'vm')}`, '-o', tmp, HARNESS, library, '-lm'], { stdio: 'pipe' });
  renameSync(tmp, binary);
  return binary;
}

/** Runs the harness on one input and several programs; its lines have dpdk-harness.c's shape. */
export function runUbpfHarness(binary: string, input: string, iterations: number, reps: number, programs: readonly string[]): DpdkResult[] {
  return runDpdkHarness(binary, input, iterations, reps, programs);
}
