/**
 * The passes' switches over instruction kinds are exhaustive: this test plants a new kind in
 * @ea/bpf's OpShape (in memory, through the TypeScript compiler API) and type-checks the JIT
 * against it. Every switch that ends in assertNever then fails to compile; one that guessed with
 * a default would not, and its file would be missing from the errors.
 */
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const TABLE = join(ROOT, 'packages', 'bpf', 'src', 'table.ts');
const LAST_SHAPE = "| { readonly kind: 'txa' }; // A = X";

/** Type-checks @ea/jit (and what it imports) with `table.ts` replaced by `tableText`; returns the errors by file. */
function typeErrors(tableText: string): Map<string, string[]> {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, ...rest) =>
    file === TABLE ? ts.createSourceFile(file, tableText, language) : read(file, language, ...rest);
  const program = ts.createProgram([join(ROOT, 'packages', 'jit', 'src', 'index.ts')], options, host);
  const out = new Map<string, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file === undefined ? '(none)' : relative(ROOT, d.file.fileName);
    out.set(file, [...(out.get(file) ?? []), ts.flattenDiagnosticMessageText(d.messageText, '\n')]);
  }
  return out;
}

describe('switches over instruction kinds', () => {
  it('a planted instruction kind is a type error in every pass that switches over kinds', () => {
    const table = ts.sys.readFile(TABLE) as string;
    expect(table).toContain(LAST_SHAPE);
    // Unplanted, the tree type-checks (`pnpm typecheck`): every error below is the plant's.
    const planted = table.replace(LAST_SHAPE, "| { readonly kind: 'txa' } // A = X\n  | { readonly kind: 'planted' };");
    const errors = typeErrors(planted);
    if (process.env['EA_SHOW_PLANT']) console.log(errors);
    // Each file's switches over kinds, by count: one that stopped ending in assertNever is missed.
    const switches: Record<string, number> = {
      'packages/bpf/src/effects.ts': 4, // loadWidth, successors, regsRead, regsWritten
      'packages/jit/src/flow.ts': 2, // transfer, isPure
      'packages/jit/src/ifconvert.ts': 2, // convertible, ifConvert
      'packages/jit/src/emit.ts': 2, // insn, constantResult
      'packages/jit/src/comment.ts': 1, // fastText
      'packages/interpreter/src/decode.ts': 1, // decodeOp
    };
    for (const [file, count] of Object.entries(switches)) {
      const messages = errors.get(file) ?? [];
      expect(messages, file).toHaveLength(count);
      for (const m of messages) expect(m, file).toMatch(/"planted".*'never'/);
    }
  });
});
