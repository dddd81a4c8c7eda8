import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemble, writeProgram } from '@ea/bpf';
import { describe, expect, it } from 'vitest';
import { BROKEN, explainRejects } from '../explain-reject.js';
import { runExample } from './support/run-example.js';

describe('examples/explain-reject.ts', () => {
  const { rejections, text } = explainRejects();

  it('names the kernel check each program fails, at the instruction it fails on', () => {
    expect(rejections.map((r) => [r.reason, r.pc, r.errno, r.errnoNumber])).toEqual([
      ['UNINIT_MEM_READ', 3, 'EINVAL', 22],
      ['SECCOMP_BAD_OPCODE', 1, 'EINVAL', 22],
      ['SECCOMP_BAD_OFFSET', 0, 'EINVAL', 22],
      ['JUMP_OUT_OF_RANGE', 1, 'EINVAL', 22],
      ['NO_RET_AT_END', 3, 'EINVAL', 22],
    ]);
    expect(rejections.map((r) => r.instruction)).toEqual(['ld M[0]', 'mod #3', 'ld [2]', 'jeq #0x3b, L7', 'ld [4]']);
  });

  it('marks the failing line of the listing, and only that line', () => {
    for (const [i, r] of rejections.entries()) {
      const lines = r.diagnostic.split('\n');
      expect(lines[0]).toContain(`broken-${i + 1}.bpf: pc ${r.pc}: error: ${r.reason} (${r.errno}): `);
      const marked = lines.filter((l) => l.startsWith('>'));
      expect(marked).toHaveLength(1);
      expect(marked[0]).toMatch(new RegExp(`^> +${r.pc} \\| ${r.instruction!.replace(/[[\]()#+*]/g, '\\$&')}$`));
      const caret = lines[lines.indexOf(marked[0]!) + 1]!;
      expect(caret).toMatch(new RegExp(`\\| \\^{${r.instruction!.length}} ${r.reason}$`));
    }
  });

  it('agrees with ea-bpf verify --batch on every program', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-explain-'));
    try {
      const batch = join(dir, 'broken.ddd');
      writeFileSync(batch, BROKEN.map((b) => writeProgram(assemble(b.source), 'ddd')).join('\n'));
      const root = join(import.meta.dirname, '..', '..');
      const r = spawnSync('npx', ['tsx', 'packages/cli/src/main.ts', 'verify', '--batch', batch, '--profile', 'seccomp'], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(r.status).toBe(1);
      const verdicts = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(verdicts.map((v) => [v['reason'], v['pc'], v['errno']])).toEqual(rejections.map((x) => [x.reason, x.pc, x.errno]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs as a script', () => {
    expect(runExample('explain-reject')).toBe(text);
  });
});
