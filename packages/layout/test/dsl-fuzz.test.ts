/**
 * Random struct descriptions: every one is either laid out consistently or refused with a
 * LayoutError (never another exception), and random valid ones match gcc's layout.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AddressSpace,
  type CType,
  Flattener,
  LayoutError,
  type MemberSpec,
  type StructType,
  array,
  cDeclaration,
  cLayoutProbe,
  fieldOf,
  leafPaths,
  pad,
  s16,
  s32,
  s64,
  s8,
  struct,
  u16,
  u32,
  u64,
  u8,
  union,
  aligned_u64,
} from '@ea/layout';

const RUNS = process.env['EA_FUZZ'] ? 2000 : 200;
const scalars = [u8, u16, u32, u64, s8, s16, s32, s64, aligned_u64];

/** A random (valid) type tree, depth-limited. */
const typeArb: fc.Memo<CType> = fc.memo((n) =>
  n <= 1
    ? fc.constantFrom(...scalars)
    : fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...scalars) },
        { weight: 1, arbitrary: fc.tuple(typeArb(n - 1), fc.integer({ min: 1, max: 5 })).map(([t, c]) => array(t, c)) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }).map((k) => pad(k)) },
        { weight: 1, arbitrary: structArb(n - 1) },
      ),
);
let counter = 0;
const structArb = (n: number): fc.Arbitrary<StructType> =>
  fc.tuple(fc.array(typeArb(n), { minLength: 1, maxLength: 6 }), fc.boolean()).map(([types, isUnion]) => {
    const specs: MemberSpec[] = types.map((t, i) => [t.kind === 'pad' ? null : `m${i}`, t]);
    if (isUnion && specs.every(([, t]) => t.kind !== 'pad')) return union(`u${counter++}`, specs);
    return struct(`s${counter++}`, specs);
  });

function checkInvariants(s: StructType): void {
  expect(s.size % s.align).toBe(0);
  for (const m of s.members) {
    expect(m.offset % m.type.align).toBe(0);
    expect(m.offset + m.type.size).toBeLessThanOrEqual(s.size);
    if (s.union) expect(m.offset).toBe(0);
  }
  if (!s.union) {
    for (let i = 1; i < s.members.length; i++) {
      const a = s.members[i - 1]!;
      expect(s.members[i]!.offset).toBeGreaterThanOrEqual(a.offset + a.type.size);
    }
  }
}

describe('struct DSL under random input', () => {
  it('lays out every random struct consistently', () => {
    fc.assert(fc.property(structArb(4), (s) => checkInvariants(s)), { numRuns: RUNS });
  });

  it('refuses garbage with LayoutError only', () => {
    const junk = fc.oneof(
      fc.constant(Number.NaN),
      fc.constant(-1),
      fc.constant(1.5),
      fc.constant(2 ** 40),
      fc.constant(Number.POSITIVE_INFINITY),
      fc.integer(),
    );
    fc.assert(
      fc.property(junk, fc.string(), (n, name) => {
        for (const f of [
          () => array(u8, n),
          () => pad(n),
          () => struct(name, [[name, u8]]),
          () => new Flattener('clone3', { root: n }),
          () => new Flattener('clone3', { pointees: { [name]: n } }),
          () => new Flattener('clone3', {}, { maxDepth: n }),
          () => new Flattener('clone3').flatten({ args: [n, n] }, new AddressSpace()),
          () => new Flattener('sched_setattr').flatten({ args: [0, n], ip: n }, new AddressSpace()),
          () => new AddressSpace().map(n, 8),
          () => new AddressSpace().map(0, n),
        ]) {
          try {
            f();
          } catch (e) {
            expect(e).toBeInstanceOf(LayoutError);
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(() => new Flattener('clone3').flatten({} as never, new AddressSpace())).toThrow(LayoutError);
  });
});

function gccMissing(): string | null {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'gcc is not installed';
  }
}
const skip = gccMissing();

describe.skipIf(skip !== null)(`random structs against gcc${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('matches gcc offsetof/sizeof for 40 random nested structs', () => {
    const samples = fc.sample(structArb(4), { numRuns: process.env['EA_FUZZ'] ? 400 : 40, seed: 2020 });
    const dir = mkdtempSync(join(tmpdir(), 'ea-dsl-'));
    let decls = '';
    let body = '';
    samples.forEach((s, i) => {
      const tag = `r${i}`;
      decls += cDeclaration(s, tag);
      const probe = cLayoutProbe('', tag, leafPaths(s), s.union);
      const main = probe.slice(probe.indexOf('int main(void) {') + 'int main(void) {'.length, probe.lastIndexOf('return 0;'));
      body += main.replace(/printf\("/g, `printf("${tag} `);
    });
    const c = join(dir, 'r.c');
    writeFileSync(c, `#include <stddef.h>\n#include <stdio.h>\n#include <linux/types.h>\n${decls}\nint main(void) {\n${body}\nreturn 0;\n}\n`);
    execFileSync('gcc', ['-std=gnu11', '-o', join(dir, 'r'), c], { stdio: 'pipe' });
    const out = execFileSync(join(dir, 'r'), { encoding: 'utf8' }).trim().split('\n');
    let compared = 0;
    for (const line of out) {
      const [tag, path, a, b] = line.split(' ');
      const s = samples[Number(tag!.slice(1))]!;
      if (path === 'sizeof') expect(Number(a), `${tag} sizeof`).toBe(s.size);
      else {
        const f = fieldOf(s, path!);
        expect([Number(a), Number(b)], `${tag}.${path}`).toEqual([f.offset, f.type.size]);
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });
});
