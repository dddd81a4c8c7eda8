/**
 * The kernel-release model of @ea/seccomp against the running kernel: if its release is one we
 * model, the constant-action cache's bitmap ends where the kernel's syscall table does, so the
 * last number below syscallCount is implemented and syscallCount itself answers ENOSYS.
 */
import { execFileSync } from 'node:child_process';
import { release } from 'node:os';
import { kernelRelease, syscallCount, SeccompError } from '@ea/seccomp';
import { describe, expect, it } from 'vitest';
import { buildHelper, oracleUnavailable } from '../src/index.js';

const ENOSYS = 38;

function modelled(): string | null {
  try {
    return kernelRelease(release()).release;
  } catch (error) {
    if (error instanceof SeccompError) return null;
    throw error;
  }
}

const kernel = modelled();
const why = oracleUnavailable() ?? (kernel === null ? `the running kernel ${release()} is not a release we model` : null);

describe.skipIf(why !== null)(`syscallCount matches the running kernel${why === null ? '' : ` (skipped: ${why})`}`, () => {
  it('implements count-1 and not count on x86_64', () => {
    const count = syscallCount('x86_64', kernel ?? undefined);
    const out = execFileSync(buildHelper('nr_probe'), [String(count - 1), String(count), String(count + 1)], { encoding: 'utf8' });
    const errnos = out.trim().split('\n').map((line) => line.split(' '));
    expect(errnos[0]?.[0]).toBe(String(count - 1));
    expect(errnos[0]?.[1]).not.toBe(String(ENOSYS));
    expect(errnos[1]).toEqual([String(count), String(ENOSYS)]);
    expect(errnos[2]).toEqual([String(count + 1), String(ENOSYS)]);
  });
});
