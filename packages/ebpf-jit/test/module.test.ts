/**
 * toModule(): the standalone module is written to a file, imported, and compared with the
 * interpreter: the corpus, random wild programs (errors included: same reason, same pc, same bytes
 * left in memory, a quarter of the inputs run twice on the same object), and one module run by a
 * plain `node` outside vitest's loader, which proves it needs nothing but itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  assemble, type CheckedProgram, check, decodeBytes, EbpfLoadError, EbpfRunError, encode, interpret, load, parseDataCase,
} from '@ea/ebpf';
import { ModuleError, toModule } from '@ea/ebpf-jit';
import { EBPF_CORPUS_DIR, randomInputs, rng, wildProgram } from '@ea/testkit';
import { parse } from 'acorn';
import { afterAll, describe, expect, it } from 'vitest';

interface Standalone {
  run(input: Uint8Array, regions?: readonly Uint8Array[]): bigint;
  run32(input: Uint8Array, regions?: readonly Uint8Array[]): number;
  high(): number;
  EbpfRunError: new (...args: never[]) => Error;
}

const dir = mkdtempSync(join(tmpdir(), 'ea-ebpf-module-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;

/** Writes the module of `program` to a file and imports it. */
async function importModule(program: CheckedProgram, budget?: number): Promise<{ module: Standalone; text: string; file: string }> {
  const text = toModule(program, budget === undefined ? {} : { budget });
  const file = join(dir, `program-${serial++}.mjs`);
  writeFileSync(file, text);
  return { module: (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Standalone, text, file };
}

/** `0x<r0>` or `reason@pc`, for either engine (the module's own error class has reason and pc too). */
function outcome(run: () => bigint): string {
  try {
    return `0x${run().toString(16)}`;
  } catch (error) {
    const e = error as { name?: string; reason?: string; pc?: number };
    if (e.name === 'EbpfRunError') return `${e.reason}@${e.pc}`;
    throw error;
  }
}

const hasHelperCall = (program: CheckedProgram): boolean => program.insns.some((i) => i?.kind === 'call' || i?.kind === 'callx');

describe('toModule', () => {
  it('prints a module with no import of any kind', async () => {
    const { text, module } = await importModule(load(encode(assemble('ldxh %r0, [%r1+12]\nbe16 %r0\nexit'))));
    const ast = parse(text, { ecmaVersion: 2022, sourceType: 'module' });
    expect(ast.body.some((n) => n.type === 'ImportDeclaration')).toBe(false);
    expect(text).not.toMatch(/\bimport\s*\(|require\s*\(|__vi|__name|__private/);
    const packet = new Uint8Array(64);
    packet[12] = 0x08;
    expect(module.run(packet)).toBe(0x800n);
    expect([module.run32(packet), module.high()]).toEqual([0x800, 0]);
  });

  it('refuses a program that calls a helper, naming the pc', () => {
    const program = load(encode(assemble('mov %r0, 0\ncall 1\nexit')));
    expect(() => toModule(program)).toThrow(ModuleError);
    expect(() => toModule(program)).toThrow(/^pc 1: /);
  });

  it('runs every corpus case without helpers as the corpus says', async () => {
    const files = readdirSync(EBPF_CORPUS_DIR).filter((f) => f.endsWith('.data')).sort();
    let ran = 0;
    for (const name of files) {
      const c = parseDataCase(readFileSync(join(EBPF_CORPUS_DIR, name), 'utf8'));
      let program: CheckedProgram;
      try {
        program = check(decodeBytes(c.program));
      } catch (error) {
        if (error instanceof EbpfLoadError) continue; // a load-time case: no module to make
        throw error;
      }
      if (hasHelperCall(program)) continue;
      const { module } = await importModule(program, 1_000_000);
      const want = c.result !== undefined ? `0x${c.result.toString(16)}` : c.error;
      expect([name, outcome(() => module.run(c.mem.slice()))]).toEqual([name, want]);
      ran++;
    }
    expect(ran).toBeGreaterThanOrEqual(25);
  });

  it('agrees with the interpreter on wild programs, errors and memory included', async () => {
    const next = rng(0x5eed);
    let compared = 0;
    for (let p = 0; p < 120; p++) {
      let program: CheckedProgram;
      try {
        program = check(decodeBytes(encode(wildProgram(next, 4 + (next() % 18)))));
      } catch (error) {
        if (error instanceof EbpfLoadError) continue;
        throw error;
      }
      if (hasHelperCall(program)) continue;
      const { module } = await importModule(program, 100);
      let i = 0;
      for (const mem of randomInputs(next, next() % 72, 40)) {
        const a = mem.slice();
        const b = mem.slice();
        for (let round = 0; round < (i % 4 === 0 ? 2 : 1); round++) {
          const want = outcome(() => interpret(program, a, { budget: 100 }));
          const got = outcome(() => module.run(b));
          expect([p, round, got, Buffer.from(b).toString('hex')]).toEqual([p, round, want, Buffer.from(a).toString('hex')]);
          compared++;
        }
        i++;
      }
    }
    expect(compared).toBeGreaterThan(2000);
  });

  it('throws its own EbpfRunError with the reason and pc, and refuses a bad input', async () => {
    const { module } = await importModule(load(encode(assemble('mov %r0, 0\nldxw %r0, [%r1+2]\nexit'))));
    expect(() => module.run(new Uint8Array(4))).toThrow(module.EbpfRunError);
    expect(outcome(() => module.run(new Uint8Array(4)))).toBe('out_of_bounds@1');
    expect(outcome(() => module.run('x' as unknown as Uint8Array))).toBe('bad_input@-1');
    expect(outcome(() => module.run(new Uint8Array(6), [null as unknown as Uint8Array]))).toBe('bad_input@-1');
    expect(new module.EbpfRunError()).not.toBeInstanceOf(EbpfRunError);
  });

  it('runs under a plain node with nothing but itself', async () => {
    const { file } = await importModule(load(encode(assemble('lddw %r0, 0x1122334455667788\nldxb %r2, [%r1+0]\nadd %r0, %r2\nexit'))));
    const script = `import(${JSON.stringify(pathToFileURL(file).href)}).then((m) => console.log(m.run(Uint8Array.of(5)).toString(16)))`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
    expect(out.trim()).toBe('112233445566778d');
  });
});
