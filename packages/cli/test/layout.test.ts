import { describe, expect, it, } from 'vitest';
import { cli, } from './support/cli.js';

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
    const w = await cli(['layout', 'clone3', '--strategy', 'fixed-window']);
    expect(w.stdout).toContain('set_tid header: length 12, status 0');
    expect(w.stdout).toContain('image (fixed windows): 192 bytes, usize 88');
    // the short names layout took before the strategies had one spelling stay as aliases
    expect((await cli(['layout', 'clone3', '--strategy', 'window'])).stdout).toBe(w.stdout);
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
    expect((await cli(['layout', '437'])).stdout).toContain('openat2 (nr 437): pointer in args[2], size in args[3]');
    expect((await cli(['layout', '9999'])).code).toBe(2);
    const bad = await cli(['layout', 'clone3', '--version', '9']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('VER2');
    expect((await cli(['layout', 'clone3', '--strategy', 'x'])).code).toBe(2);
  });
});

describe('the documented filter recipes run on flattened images (docs/ea-image.md)', async () => {
  const { assemble } = await import('@ea/bpf');
  const { verify } = await import('@ea/verifier');
  const { interpret } = await import('@ea/interpreter');
  const { AddressSpace, Flattener, demoCall, eaSyscall } = await import('@ea/layout');
  const ALLOW = 0x7fff0000;
  const run = (text: string, f: InstanceType<typeof Flattener>): number =>
    interpret(verify(assemble(text), { profile: 'ea' }), new DataView(f.image.buffer, 0, f.length));

  function clone3(first: number, size: number, pointer = 0x20000): { regs: { args: number[] }; mem: InstanceType<typeof AddressSpace> } {
    const root = new Uint8Array(size);
    const v = new DataView(root.buffer);
    if (size >= 80) {
      v.setBigUint64(64, BigInt(pointer), true);
      v.setBigUint64(72, 2n, true);
    }
    const tids = new Uint8Array(8);
    new DataView(tids.buffer).setUint32(0, first, true);
    return { regs: { args: [0x10000, size] }, mem: new AddressSpace().map(0x10000, root).map(0x20000, tids) };
  }

  it('checks set_tid[0] through the jump table, failing safe when it is absent', () => {
    const recipe = `
      ld [144]
      jeq #0, deny
      tax
      ld [x + 0]
      jeq #34, allow, deny
    allow: ret #0x7fff0000
    deny: ret #0`;
    const f = new Flattener('clone3');
    for (const [first, size, pointer, want] of [
      [34, 88, 0x20000, ALLOW],
      [35, 88, 0x20000, 0],
      [34, 64, 0x20000, 0], // VER0 caller: no set_tid
      [34, 88, 0x99000, 0], // unmapped: slot 0
    ] as const) {
      const { regs, mem } = clone3(first, size, pointer);
      f.flatten(regs, mem);
      expect(run(recipe, f), `${first} ${size} ${pointer}`).toBe(want);
    }
  });

  it('checks set_tid[0] through a fixed window', () => {
    const recipe = `
      ld [84]
      jne #0, deny
      ld [88]
      jeq #34, allow, deny
    allow: ret #0x7fff0000
    deny: ret #0`;
    const f = new Flattener('clone3', { pointees: { set_tid: 4 } }, { strategy: 'fixed-window' });
    for (const [first, size, pointer, want] of [
      [34, 88, 0x20000, ALLOW],
      [33, 88, 0x20000, 0],
      [34, 72, 0x20000, 0],
      [34, 88, 0x99000, 0],
    ] as const) {
      const { regs, mem } = clone3(first, size, pointer);
      f.flatten(regs, mem);
      expect(run(recipe, f)).toBe(want);
    }
  });

  it("follows open_how->bar->barbaz with two table hops, and the tail-zero load sees the caller's tail", () => {
    const demo = demoCall(eaSyscall('openat2_nested'));
    const f = new Flattener('openat2_nested');
    f.flatten(demo.registers, demo.memory);
    const barbaz = `
      ld [124]
      jeq #0, deny
      tax
      ld [x + 8]
      jeq #0, deny
      tax
      ld [x + 0]
      ret a
    deny: ret #0`;
    expect(run(barbaz, f)).toBe(0x21); // the demo's barbaz value (depth 2, element 1)
    // tail zero beyond the known 72 bytes: true for the demo, false once the caller adds a byte
    const tz = 'ldtz #72\nret a';
    expect(run(tz, f)).toBe(1);
    const longer = demoCall(eaSyscall('openat2_nested'), 80);
    const root = Number((longer.registers.args as number[])[2]);
    longer.memory.write(root + 79, new Uint8Array([1]));
    f.flatten(longer.registers, longer.memory);
    expect(run(tz, f)).toBe(0);
    expect(run('ldtz #80\nret a', f)).toBe(1);
  });
});
