/**
 * Ahead-of-time JIT output for places where `new Function` is forbidden (a page whose
 * Content-Security-Policy has no 'unsafe-eval', a locked-down worker): @ea/jit's toModule turns
 * a verified seccomp filter (the allow-list of seccomp-allowlist.ts) into a standalone ES module.
 * The example writes it to a temporary directory and imports it in a child Node started with
 * --disallow-code-generation-from-strings, the process-wide equivalent of such a policy: there
 * `new Function` throws, and the module still runs, with the same answers as the interpreter.
 *
 * Run: npx tsx examples/standalone-csp.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '@ea/bpf';
import { prepare } from '@ea/interpreter';
import { toModule } from '@ea/jit';
import { ARCHES, callData, formatAction, writeSeccompData } from '@ea/seccomp';
import { verify } from '@ea/verifier';
import { allowlistSource } from './seccomp-allowlist.js';

/** The calls run through the module: [label, arch, syscall, args]. */
export const CALLS: readonly (readonly [string, 'x86_64' | 'x32', string, readonly number[]])[] = [
  ['write(1, buf, 5)', 'x86_64', 'write', [1, 0x1000, 5]],
  ['socket(AF_UNIX, SOCK_STREAM, 0)', 'x86_64', 'socket', [1, 1, 0]],
  ['socket(AF_INET, SOCK_STREAM, 0)', 'x86_64', 'socket', [2, 1, 0]],
  ['execve("/bin/sh", ...)', 'x86_64', 'execve', [0x2000, 0, 0]],
  ['write via the x32 ABI', 'x32', 'write', [1, 0x1000, 5]],
];

/**
 * The child's script: prove that code generation from strings is off, then import the module
 * and run it over the seccomp_data the parent passes as hex. Plain JavaScript, no imports of ours.
 */
const CHILD = `
let blocked = false;
try { new Function('return 1'); } catch (e) { blocked = e instanceof EvalError; }
const { run } = await import(process.argv[2]);
const results = JSON.parse(process.argv[3]).map((hex) => {
  const bytes = Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));
  return run(new DataView(bytes.buffer)) >>> 0;
});
process.stdout.write(JSON.stringify({ blocked, results }));
`;

/** One call: what the module returned in the restricted child, and what the interpreter says. */
export interface CspRow {
  readonly label: string;
  readonly module: string;
  readonly interpreter: string;
}

/** What the example computes, and the report it prints. */
export interface CspResult {
  readonly moduleText: string;
  /** Whether `new Function` threw EvalError in the child (it must). */
  readonly newFunctionBlocked: boolean;
  readonly rows: readonly CspRow[];
  readonly text: string;
}

/** How many lines of the generated module the report shows. */
export const HEAD_LINES = 14;

/** Runs the example: toModule, write, import under a no-eval policy, compare with the interpreter. */
export function runStandaloneCsp(): CspResult {
  const program = verify(assemble(allowlistSource()), { profile: 'seccomp' });
  // The module imports its few helpers (here the zero-fill load for short inputs) from the
  // runtime; point it at this checkout's source file so it resolves from a temporary directory
  // (an installed @ea/jit would leave the default, '@ea/jit/runtime').
  const runtime = new URL('../packages/jit/src/runtime.ts', import.meta.url).href;
  const moduleText = toModule(program, { runtime });
  const interpreter = prepare(program);
  const inputs = CALLS.map(([, arch, name, args]) => {
    const bytes = new Uint8Array(64);
    writeSeccompData(new DataView(bytes.buffer), callData(arch, name, args), ARCHES[arch].endian);
    return bytes;
  });

  const dir = mkdtempSync(join(tmpdir(), 'ea-standalone-'));
  try {
    const modulePath = join(dir, 'filter.mjs');
    const childPath = join(dir, 'child.mjs');
    writeFileSync(modulePath, moduleText);
    writeFileSync(childPath, CHILD);
    const hex = inputs.map((b) => Buffer.from(b).toString('hex'));
    // tsx is needed only because the runtime helpers are TypeScript in this checkout; a
    // published build imports '@ea/jit/runtime' as plain JavaScript.
    const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
    const child = spawnSync(
      process.execPath,
      ['--disallow-code-generation-from-strings', '--import', 'tsx', childPath, `file://${modulePath}`, JSON.stringify(hex)],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    if (child.status !== 0) throw new Error(`the restricted child failed: ${child.stderr}`);
    const { blocked, results } = JSON.parse(child.stdout) as { blocked: boolean; results: number[] };
    const rows = CALLS.map(([label], i) => ({
      label,
      module: formatAction(results[i]!),
      interpreter: formatAction(interpreter.runSeccomp(new DataView(inputs[i]!.buffer))),
    }));
    const head = moduleText.split('\n').slice(0, HEAD_LINES);
    const lines = [
      '== standalone ES module for a seccomp filter (CSP-safe, ahead of time) ==',
      `toModule: ${moduleText.length} characters, ${moduleText.split('\n').length} lines; the first ${HEAD_LINES}:`,
      ...head.map((l) => `  | ${l}`),
      '  | ...',
      `written to a temporary directory and imported by: node --disallow-code-generation-from-strings`,
      `in that process new Function('return 1') ${blocked ? 'throws EvalError' : 'WORKS (the restriction did not apply)'}; the module runs anyway:`,
      ...rows.map((r) => `  ${r.label.padEnd(34)} module ${r.module.padEnd(14)} interpreter ${r.interpreter}`),
      '',
    ];
    return { moduleText, newFunctionBlocked: blocked, rows, text: lines.join('\n') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(runStandaloneCsp().text);
}
