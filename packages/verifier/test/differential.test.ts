/**
 * The verifier against the running kernel: random and mutated programs (test/gen.ts) are loaded
 * as socket filters (SO_ATTACH_FILTER) and as seccomp filters (forked child), and the kernel's
 * errno must equal ours for every one. EA_FUZZ=1 scales the counts up; EA_SEED replays a run.
 */
import { disassemble, type SockFilter } from '@ea/bpf';
import { kernelVerdicts, oracleUnavailable } from '@ea/oracle';
import { check } from '@ea/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyProgram, longProgram } from '@ea/testkit';

const unavailable = oracleUnavailable();
const SCALE = process.env['EA_FUZZ'] ? 10 : 1;
const SEED = process.env['EA_SEED'] === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(process.env['EA_SEED']);
/** Per profile; the default run loads 2 x 10,000 programs into the kernel. */
const COUNT = 10_000 * SCALE;

function ours(p: readonly SockFilter[], profile: 'socket' | 'seccomp'): number {
  const r = check(p, { profile });
  return r.ok ? 0 : r.error.errnoNumber;
}

function explain(p: readonly SockFilter[], profile: 'socket' | 'seccomp', kernel: number | undefined): string {
  const r = check(p, { profile });
  const mine = r.ok ? 'accepted' : `${r.error.reason}@${r.error.pc} ${r.error.errno}`;
  const text = p.length > 40 ? `${disassemble(p.slice(0, 40))}  ... (${p.length} instructions)\n` : disassemble(p);
  return `${profile}: kernel errno ${kernel}, ours ${mine} (EA_SEED=${SEED})\n${text}`;
}

function differential(profile: 'socket' | 'seccomp', programs: SockFilter[][]): void {
  const kernel = kernelVerdicts(programs, profile);
  const bad: string[] = [];
  programs.forEach((p, i) => {
    if (bad.length < 5 && ours(p, profile) !== kernel[i]) bad.push(explain(p, profile, kernel[i]));
  });
  expect(bad.join('\n')).toBe('');
  // The mix must exercise both sides, or the comparison says little.
  const accepted = kernel.filter((e) => e === 0).length;
  expect(accepted).toBeGreaterThan(programs.length / 20);
  expect(accepted).toBeLessThan(programs.length - programs.length / 20);
}

describe.skipIf(unavailable !== null)(`verdicts equal the kernel's ${unavailable ?? ''}`, () => {
  const programs = fc.sample(anyProgram, { numRuns: COUNT, seed: SEED });
  it(`socket filters: ${COUNT} programs (seed ${SEED})`, () => differential('socket', programs));
  it(`seccomp filters: ${COUNT} programs (seed ${SEED})`, () => differential('seccomp', programs));
  it('long programs (4095..4097 instructions) on both profiles', () => {
    const long = fc.sample(longProgram, { numRuns: 40 * SCALE, seed: SEED });
    for (const profile of ['socket', 'seccomp'] as const) {
      const kernel = kernelVerdicts(long, profile);
      const bad = long.flatMap((p, i) => (ours(p, profile) === kernel[i] ? [] : [explain(p, profile, kernel[i])]));
      expect(bad.slice(0, 3).join('\n')).toBe('');
    }
  });
});

describe('the ea profile extends seccomp', () => {
  it('accepts every program seccomp accepts', () => {
    fc.assert(
      fc.property(anyProgram, (p) => !check(p, { profile: 'seccomp' }).ok || check(p, { profile: 'ea' }).ok),
      { numRuns: 2000 * SCALE },
    );
  });
});
