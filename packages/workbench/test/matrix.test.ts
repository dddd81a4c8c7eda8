import { EA_META_ESIZE, EA_META_USIZE, EA_REGION_OFFSET } from '@ea/bpf';
import { Flattener } from '@ea/layout';
import { describe, expect, it } from 'vitest';
import { type GuardForm, type Strategy, pathFields, readField } from '@ea/policy';
import {
  type Cell, type Engine, type Scenario, SCENARIOS, compatMatrix, defaultEngine, formatMatrix, programBytes,
} from '../src/index.js';

const engine = defaultEngine();
const STRATEGIES: readonly Strategy[] = ['jump-table', 'fixed-window'];
const FORMS: readonly GuardForm[] = ['tailzero', 'esize'];

/**
 * The cells the seed warns about, predicted from the scenario alone: an old filter on a new
 * kernel, called by a program that sets a field only the new struct has.
 */
function predictedUnsafe(s: Scenario): string[] {
  const oldSize = s.versions.old.struct.size;
  return s.programs
    .filter((p) => {
      const bytes = programBytes(s, p);
      return pathFields(s.versions.new.struct).some(
        (f) => f.offset >= oldSize && readField(bytes, f.offset, f.size, s.arch.endian) !== 0n,
      );
    })
    .map((p) => `old/new/${p.name}`);
}

const key = (c: Cell): string => `${c.filter}/${c.kernel}/${c.program}`;

describe.each(Object.values(SCENARIOS))('compat matrix: $name', (scenario) => {
  it.each(STRATEGIES)('covers every filter x kernel x program combination (%s)', (strategy) => {
    const m = compatMatrix(scenario, engine, { guard: 'tailzero', strategy });
    expect(m.cells).toHaveLength(2 * 2 * scenario.programs.length);
    expect(new Set(m.cells.map(key)).size).toBe(m.cells.length);
    // The JIT agrees with the interpreter in every cell.
    for (const c of m.cells) expect(c.jitVerdict).toBe(c.verdict);
  });

  it.each(STRATEGIES)('without the guard shows exactly the unsafe cells the seed warns about (%s)', (strategy) => {
    const m = compatMatrix(scenario, engine, { guard: 'none', strategy });
    const unsafe = m.cells.filter((c) => !c.failSafe);
    const predicted = predictedUnsafe(scenario);
    expect(predicted.length).toBeGreaterThan(0);
    expect(unsafe.map(key).sort()).toEqual(predicted.sort());
    for (const c of unsafe) {
      expect(c.verdict).toBe('ALLOW');
      expect(c.syscall).toBe('ok');
      expect(c.unvetted.length).toBeGreaterThan(0);
    }
    expect(m.allFailSafe).toBe(false);
    expect(formatMatrix(m)).toMatch(/NOT fail-safe/);
  });

  for (const form of FORMS) {
    it.each(STRATEGIES)(`with the ${form} guard every cell is fail-safe (%s)`, (strategy) => {
      const m = compatMatrix(scenario, engine, { guard: form, strategy });
      expect(m.cells.filter((c) => !c.failSafe).map(key)).toEqual([]);
      expect(m.allFailSafe).toBe(true);
      // The guard turned the unsafe cells into denials, and left the rest as they were.
      const bare = compatMatrix(scenario, engine, { guard: 'none', strategy });
      const predicted = new Set(predictedUnsafe(scenario));
      m.cells.forEach((c, i) => {
        if (predicted.has(key(c))) expect(c.verdict).toBe('ERRNO(E2BIG)');
        // A caller that set nothing past what the filter knows never meets the guard.
        if (c.esize <= scenario.versions[c.filter].struct.size) expect(c.verdict).toBe(bare.cells[i]!.verdict);
        else expect(c.verdict).toBe('ERRNO(E2BIG)');
      });
    });
  }

  it('a bad struct pointer gets the same verdict in both strategies and both engines; the syscall faults', () => {
    const bad = scenario.programs.filter((p) => p.pointer === 'null' || p.pointer === 'unmapped').map((p) => p.name);
    expect(bad.length).toBe(2);
    for (const guard of ['none', ...FORMS] as const) {
      const [jump, window] = STRATEGIES.map((strategy) => compatMatrix(scenario, engine, { guard, strategy }));
      jump!.cells.forEach((c, i) => {
        const w = window!.cells[i]!;
        expect(key(w)).toBe(key(c));
        if (!bad.includes(c.program)) return;
        // Before: jump-table KILL_THREAD (ld [x + 0] past a 168-byte image), fixed-window ALLOW.
        expect(`${key(c)} ${guard}: ${c.verdict}`).toBe(`${key(c)} ${guard}: ${w.verdict}`);
        expect(c.jitVerdict).toBe(c.verdict);
        expect(w.jitVerdict).toBe(w.verdict);
        expect(c.syscall).toBe('EFAULT');
        expect(c.failSafe && w.failSafe).toBe(true);
        // The filter saw a zero struct: usize as passed (clamped to what fits), nothing set.
        expect(c.esize).toBe(0);
        expect(Object.values(c.seen).every((v) => v === '0' || v === '-')).toBe(true);
      });
    }
  });

  it('catches a broken guard: an image whose metadata hides the tail makes cells unsafe again', () => {
    // Mutant flattener: reports usize/esize as if the caller had passed only the old struct.
    const oldSize = scenario.versions.old.struct.size;
    const broken: Engine = {
      ...engine,
      image: (call, sys, strategy, needs) => {
        const img = engine.image(call, sys, strategy, needs);
        const v = img.view;
        v.setUint32(EA_META_ESIZE, Math.min(v.getUint32(EA_META_ESIZE, true), oldSize), true);
        v.setUint32(EA_META_USIZE, Math.min(v.getUint32(EA_META_USIZE, true), oldSize), true);
        return img;
      },
    };
    for (const form of FORMS) {
      const m = compatMatrix(scenario, broken, { guard: form, strategy: 'jump-table' });
      expect(m.allFailSafe).toBe(false);
    }
  });
});

describe('why jump-table filters read the root through ea_meta.root', () => {
  it('absolute root offsets taken from the old kernel misread on the new one (clone3)', () => {
    const scenario = SCENARIOS['clone3']!;
    // A naive author: the root offset of the kernel the filter was written on, baked in.
    const naive: Engine = {
      ...engine,
      placement: (sys, _strategy, needs) => ({
        strategy: 'jump-table',
        rootTable: EA_REGION_OFFSET,
        staticRoot: new Flattener(sys, needs, { strategy: 'jump-table' }).rootOffset,
      }),
    };
    const m = compatMatrix(scenario, naive, { guard: 'tailzero', strategy: 'jump-table' });
    const bad = m.cells.filter((c) => !c.failSafe);
    // VER0 has no pointers (root at 80), VER2 has set_tid (88-byte table, root at 168): the old
    // filter reads the new kernel's table as flags, the new filter reads past the old kernel's
    // root, and both let CLONE_NEWUSER through.
    expect(bad.map(key).sort()).toEqual(['new/old/VER0 NEWUSER', 'old/new/VER0 NEWUSER']);
    expect(compatMatrix(scenario, engine, { guard: 'tailzero', strategy: 'jump-table' }).allFailSafe).toBe(true);
  });
});
