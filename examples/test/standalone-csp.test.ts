import { describe, expect, it } from 'vitest';
import { CALLS, HEAD_LINES, runStandaloneCsp } from '../standalone-csp.js';

describe('examples/standalone-csp.ts', () => {
  const result = runStandaloneCsp();

  it('runs the module where new Function is forbidden, agreeing with the interpreter', () => {
    expect(result.newFunctionBlocked).toBe(true);
    expect(result.rows.map((r) => r.module)).toEqual(['ALLOW', 'ALLOW', 'ERRNO(1)', 'ERRNO(1)', 'KILL_PROCESS']);
    for (const r of result.rows) expect(r.module).toBe(r.interpreter);
    expect(result.rows.map((r) => r.label)).toEqual(CALLS.map((c) => c[0]));
  });

  it('produces a module that exports run and generates no code at run time', () => {
    expect(result.moduleText).toMatch(/^export function run\(view\)/m);
    expect(result.moduleText).not.toMatch(/\bnew Function\b|\beval\s*\(|\bFunction\s*\(/);
    expect(result.moduleText).toMatch(/^import \{[^}]*\} from "file:\/\/[^"]*runtime\.ts";$/m);
  });

  it('prints the first lines of the module', () => {
    const shown = result.text.split('\n').filter((l) => l.startsWith('  | ') && l !== '  | ...');
    expect(shown).toEqual(result.moduleText.split('\n').slice(0, HEAD_LINES).map((l) => `  | ${l}`));
    expect(result.text).toContain("new Function('return 1') throws EvalError");
  });
});
