import { runCli } from '@ea/cli';
import { afterEach, describe, expect, it, vi } from 'vitest';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await runCli(args), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ea-bpf layout', () => {
  it('prints the pahole layout and the jump-table image of clone3 with set_tid', async () => {
    const r = await cli(['layout', 'clone3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('struct clone_args {');
    expect(r.stdout).toMatch(/set_tid;\s+\/\*\s+64\s+8 in -> __s32\[set_tid_size\] \*\//);
    expect(r.stdout).toContain('image (jump tables): 272 bytes, usize 88');
    expect(r.stdout).toContain('slot +64 (set_tid): data 256');
    expect(r.stdout).toContain('copied from user memory: 100 bytes');
  });

  it('takes --version as an index or a name, and the window strategy', async () => {
    const v1 = await cli(['layout', 'clone3', '--version', '1']);
    expect(v1.stdout).toContain('/* size: 80, cachelines: 2, members: 10 */');
    expect(v1.stdout).toContain('usize 80');
    const v0 = await cli(['layout', 'clone3', '--version=VER0']);
    expect(v0.stdout).toContain('members: 8');
    const w = await cli(['layout', 'clone3', '--strategy', 'window']);
    expect(w.stdout).toContain('set_tid header: length 12, status 0');
    expect(w.stdout).toContain('image (fixed windows): 192 bytes, usize 88');
  });

  it("draws the seed's nested open_how as SVG and JSON", async () => {
    const svg = await cli(['layout', 'openat2_nested', '--svg']);
    expect(svg.code).toBe(0);
    expect(svg.stdout.startsWith('<svg')).toBe(true);
    expect(svg.stdout).toContain('bar-&gt;barbaz');
    expect(svg.stdout.match(/marker-end/g)?.length).toBe(4); // foo, bar, bar->barbaz, baz
    const json = await cli(['layout', 'openat2_nested', '--json']);
    const out = JSON.parse(json.stdout) as { image: { copied: number; regions: { label: string }[] } };
    expect(out.image.copied).toBe(120);
    expect(out.image.regions.map((x) => x.label)).toContain('bar->barbaz');
  });

  it('refuses unknown syscalls, versions and strategies with exit 2', async () => {
    expect((await cli(['layout', 'nope'])).code).toBe(2);
    const bad = await cli(['layout', 'clone3', '--version', '9']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('VER2');
    expect((await cli(['layout', 'clone3', '--strategy', 'x'])).code).toBe(2);
  });
});
