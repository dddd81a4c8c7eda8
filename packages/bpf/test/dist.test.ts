/**
 * The published form: build @ea/bpf's dist/ with the real build script, then load it from plain
 * `node --conditions=ea-dist` (no tsx, no vitest transform) and assemble/disassemble a program.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble, disassemble, encodeProgram } from '../src/index.js';

const root = join(import.meta.dirname, '../../..');

describe('dist/ loads in plain node', () => {
  it('builds @ea/bpf and runs it without tsx', () => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '@ea/bpf'], { cwd: root, encoding: 'utf8' });
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    const run = spawnSync(process.execPath, ['--conditions=ea-dist', 'packages/bpf/test/fixtures/dist-smoke.mjs'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { resolved: string; bytes: number[]; same: boolean; format: string; text: string };
    expect(result.resolved).toMatch(/packages\/bpf\/dist\/index\.js$/);
    expect(result.same).toBe(true);
    expect(result.format).toBe('bin');
    // The built code agrees with the source it was built from.
    const program = assemble(result.text);
    expect(result.bytes).toEqual([...encodeProgram(program)]);
    expect(result.text).toBe(disassemble(program));
    expect(result.text).toContain('jne #0xc000003e, L5');
  });
});
