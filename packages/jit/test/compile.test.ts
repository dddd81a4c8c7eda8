/**
 * compile()'s contract: the fallback paths (accelerate: false, no `new Function`, tiering),
 * short seccomp views, standalone modules imported from a temp file and run, golden snapshots
 * of the generated source, and libseccomp-generated policies run against the interpreter.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AUDIT_ARCH_X86_64, assemble, readProgram, readTcpdumpD } from '@ea/bpf';
import { packetContext, prepare } from '@ea/interpreter';
import type { Profile } from '@ea/verifier';
import { compile, type RunBatch, toModule } from '@ea/jit';
import { COMMITTED_DIR } from '@ea/testkit';
import { EDGES, Rng, genEaInput, genPacket, genProgram, genSeccompInput } from '@ea/testkit';
import { outcome } from './support/outcome.js';
import { verified } from './support/verified.js';

const here = resolve(import.meta.dirname);

const TCP_PORT_80 = `(000) ldh      [12]
(001) jeq      #0x800           jt 2	jf 12
(002) ldb      [23]
(003) jeq      #0x6             jt 4	jf 12
(004) ldh      [20]
(005) jset     #0x1fff          jt 12	jf 6
(006) ldxb     4*([14]&0xf)
(007) ldh      [x + 14]
(008) jeq      #0x50            jt 11	jf 9
(009) ldh      [x + 16]
(010) jeq      #0x50            jt 11	jf 12
(011) ret      #262144
(012) ret      #0
`;

const GOLDEN: Record<string, { profile: Profile; text: string }> = {
  'tcp-port-80': { profile: 'socket', text: '' },
  'seccomp-allowlist': {
    profile: 'seccomp',
    text: `ld [4]
jne #0xc000003e, kill
ld [0]
jeq #0, allow
jeq #1, allow
jeq #2, allow
jeq #3, allow
jeq #60, allow
jeq #231, allow
jeq #9, errno
jeq #10, errno
ret #0x50026
allow: ret #0x7fff0000
errno: ret #0x50001
kill: ret #0x80000000
`,
  },
  'ea-clone3-flags': {
    profile: 'ea',
    text: `ld [0]
jne #435, allow
ldtz #88
jeq #0, deny
ld [72]
tax
ld [x + 0]
jset #0x10000, deny
allow: ret #0x7fff0000
deny: ret #0x50001
`,
  },
  'arith-scratch': {
    profile: 'socket',
    text: `ld #6
st M[0]
ld #7
ldx M[0]
mul x
st M[1]
ldx #len
ld #1000
div x
ldx M[1]
add x
st M[2]
st M[3]
ld M[2]
ret a
`,
  },
  'diamond-labels': {
    profile: 'seccomp',
    text: `ld [16]
jgt #10, big, small
big: ldx #1
ja join
small: ldx #2
join: ld [20]
jset x, yes, no
yes: ret a
no: ret #0
`,
  },
};

function goldenProgram(name: string) {
  const g = GOLDEN[name] as { profile: Profile; text: string };
  const insns = name === 'tcp-port-80' ? readTcpdumpD(TCP_PORT_80) : assemble(g.text);
  return verified(insns, g.profile);
}

describe('golden generated source', () => {
  for (const name of Object.keys(GOLDEN)) {
    it(name, async () => {
      const c = compile(goldenProgram(name));
      expect(c.accelerated).toBe(true);
      await expect(c.source).toMatchFileSnapshot(`./__snapshots__/${name}.js.txt`);
    });
  }

  it('tcp-port-80 as a batch loop (runBatch)', async () => {
    const c = compile(goldenProgram('tcp-port-80'));
    const data = new DataView(new Uint8Array(60).buffer);
    c.runBatch({ data, offsets: new Int32Array([0]), lengths: new Int32Array([60]) });
    await expect(c.batchSource).toMatchFileSnapshot('./__snapshots__/tcp-port-80.batch.js.txt');
  });

  it('tcp port 80 checks the packet length once, at entry', () => {
    const { source } = compile(goldenProgram('tcp-port-80'));
    expect(source.match(/len </g)?.length).toBe(1);
    expect(source).toContain('if (len < 24)');
    const run = compile(goldenProgram('tcp-port-80')).run;
    const pkt = new Uint8Array(60);
    pkt.set([0x08, 0x00], 12);
    pkt[14] = 0x45;
    pkt[23] = 6;
    pkt.set([0, 80], 36);
    expect(run(packetContext(pkt))).toBe(262144);
    expect(run(packetContext(pkt.subarray(0, 23)))).toBe(0);
  });

  it('libseccomp-style chains become a table dispatch below 4096, range tests above', () => {
    const { source } = compile(goldenProgram('seccomp-allowlist'));
    expect(source).toMatch(/switch \(t0\[A\]\)/);
    const few = compile(goldenProgram('seccomp-allowlist'), { minSwitch: 2 });
    expect(few.source).toContain('switch (t0[A])');
    const high = assemble(
      ['ld [0]', ...[5000, 5001, 5002, 7000, 9000].map((k) => `jeq #${k}, allow`), 'ret #0', 'allow: ret #0x7fff0000'].join('\n'),
    );
    const ranges = compile(verified(high, 'seccomp')).source;
    expect(ranges).not.toContain('switch');
    expect(ranges).toContain('A >= 0x1388 && A <= 0x138a');
  });
});

describe('fallbacks', () => {
  const program = goldenProgram('seccomp-allowlist');
  const data = new DataView(new ArrayBuffer(64));
  data.setUint32(4, AUDIT_ARCH_X86_64, true);
  data.setUint32(0, 60, true);

  it('accelerate: false runs the interpreter', () => {
    const c = compile(program, { accelerate: false });
    expect(c.accelerated).toBe(false);
    expect(c.source).toBe('');
    expect(c.run(data)).toBe(0x7fff0000);
  });

  it('without new Function (Content-Security-Policy) runs the interpreter', () => {
    const saved = globalThis.Function;
    globalThis.Function = function blocked() {
      throw new EvalError('Code generation from strings disallowed for this context');
    } as unknown as FunctionConstructor;
    let c: ReturnType<typeof compile>;
    try {
      c = compile(program);
    } finally {
      globalThis.Function = saved;
    }
    expect(c.accelerated).toBe(false);
    expect(c.reason).toMatch(/EvalError/);
    expect(c.run(data)).toBe(0x7fff0000);
  });

  it('tierAfter interprets the first runs, then compiles', () => {
    const c = compile(program, { tierAfter: 3 });
    expect(c.accelerated).toBe(false);
    expect(c.run(data)).toBe(0x7fff0000);
    expect(c.run(data)).toBe(0x7fff0000);
    expect(c.accelerated).toBe(false);
    expect(c.run(data)).toBe(0x7fff0000);
    expect(c.accelerated).toBe(false);
    expect(c.run(data)).toBe(0x7fff0000);
    expect(c.accelerated).toBe(true);
    expect(c.source).toContain('function run(view)');
    expect(c.run(data)).toBe(0x7fff0000);
    expect(() => compile(program, { tierAfter: -1 })).toThrow(RangeError);
    expect(() => compile(program, { minSwitch: 1 })).toThrow(RangeError);
  });

  it('a short seccomp view is BAD_INPUT from the interpreter, a packet context gets its typed error', () => {
    const c = compile(program);
    expect(c.accelerated).toBe(true);
    const short = new DataView(new ArrayBuffer(4));
    short.setUint32(0, 60, true);
    expect(() => c.run(short)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => c.run(packetContext(new Uint8Array(64)))).toThrow(/does not run over/);
  });
});

describe('standalone modules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ea-jit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const runtime = pathToFileURL(join(here, '../src/runtime.ts')).href;

  for (const profile of ['seccomp', 'socket', 'ea'] as Profile[]) {
    it(`${profile}: written to a file, imported and run like the interpreter`, async () => {
      for (let seed = 1; seed <= 8; seed++) {
        const r = new Rng(seed * 31 + profile.length);
        const program = verified(genProgram(r, profile, 40, EDGES), profile);
        const file = join(dir, `${profile}-${seed}.mjs`);
        writeFileSync(file, toModule(program, { runtime }));
        const mod = (await import(pathToFileURL(file).href)) as { run: (input: never) => number };
        const interp = prepare(program);
        for (let i = 0; i < 300; i++) {
          const input =
            profile === 'socket' ? genPacket(r, EDGES) : profile === 'seccomp' ? genSeccompInput(r, EDGES, true) : genEaInput(r, EDGES, true);
          const want = outcome(() => interp.run(input));
          expect(outcome(() => mod.run(input as never))).toBe(want);
        }
      }
    });
  }

  it('seccomp: an allow-list of 600 tests, each returning its own ERRNO, keeps a 16-bit table in the module', async () => {
    const lines = ['ld [0]'];
    for (let i = 0; i < 600; i++) lines.push(`jne #${2 * i}, next${i}`, `ret #${0x50000 + i}`, `next${i}:`);
    lines.push('ret #0x7fff0000');
    const program = verified(assemble(lines.join('\n').replace(/:\n/g, ': ')), 'seccomp');
    const text = toModule(program, { runtime });
    expect(text).toMatch(/const t0 = table\(\[/);
    const file = join(dir, 'own-errno.mjs');
    writeFileSync(file, text);
    const mod = (await import(pathToFileURL(file).href)) as { run: (view: DataView) => number };
    const fast = compile(program);
    const interp = prepare(program);
    const view = new DataView(new ArrayBuffer(64));
    for (let nr = 0; nr < 1300; nr++) {
      view.setUint32(0, nr, true);
      const want = interp.run(view);
      expect(mod.run(view)).toBe(want);
      expect(fast.run(view)).toBe(want);
    }
  });

  it('socket: the module exports runBatch, which agrees with the interpreter and checks the batch', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const r = new Rng(seed * 97);
      const program = verified(genProgram(r, 'socket', 40, EDGES), 'socket');
      const file = join(dir, `batch-${seed}.mjs`);
      writeFileSync(file, toModule(program, { runtime }));
      const mod = (await import(pathToFileURL(file).href)) as { runBatch: RunBatch };
      const bytes = new Uint8Array(2000).map(() => r.int(256));
      const offsets = new Int32Array(100).map(() => r.int(1900));
      const lengths = new Int32Array(100).map(() => r.int(100));
      const batch = { data: new DataView(bytes.buffer), offsets, lengths };
      const got = new Uint32Array(100);
      const want = new Uint32Array(100);
      expect(mod.runBatch(batch, got)).toBe(prepare(program).runBatch(batch, want));
      expect(got).toEqual(want);
      expect(() => mod.runBatch({ ...batch, lengths: new Int32Array(3) })).toThrow(/lengths has 3 entries/);
    }
  });

  it('refuses a runtime specifier that could break out of the import', () => {
    expect(() => toModule(goldenProgram('seccomp-allowlist'), { runtime: 'x"; import("y' })).toThrow(RangeError);
  });
});

const POLICIES = COMMITTED_DIR;
const policyFiles = existsSync(POLICIES) ? readdirSync(POLICIES).filter((f) => f.endsWith('.bpf')) : [];

describe.skipIf(policyFiles.length === 0)('libseccomp-generated policies (@ea/testkit libseccomp/bpf missing: skipped)', () => {
  for (const f of policyFiles) {
    it(`${f}: jit == interpreter on 20,000 syscalls`, () => {
      const { insns } = readProgram(readFileSync(join(POLICIES, f)), {});
      const program = verified(insns, 'seccomp');
      const c = compile(program);
      expect(c.accelerated).toBe(true);
      const interp = prepare(program);
      const r = new Rng(f.length);
      const view = new DataView(new ArrayBuffer(64));
      const arches = [AUDIT_ARCH_X86_64, AUDIT_ARCH_X86_64, AUDIT_ARCH_X86_64, 0x40000003, 0xc00000b7, r.u32()];
      for (let i = 0; i < 20_000; i++) {
        view.setUint32(0, r.chance(0.9) ? r.int(460) : r.pick([0x40000000 + r.int(600), 0xffffffff, r.u32()]), true);
        view.setUint32(4, r.pick(arches), true);
        for (let a = 16; a < 64; a += 4) view.setUint32(a, r.chance(0.5) ? r.int(8) : r.pick(EDGES), true);
        const want = interp.run(view);
        if (c.run(view) !== want) throw new Error(`${f}: input ${i}`);
      }
    });
  }
});

describe('README example', () => {
  it('runs as written', () => {
    const program = verified(
      assemble(`
  ld [4]
  jne #0xc000003e, kill
  ld [0]
  jeq #39, allow      ; getpid
  jeq #60, allow      ; exit
  ret #0x50001        ; ERRNO(1)
allow: ret #0x7fff0000
kill: ret #0x80000000
`),
      'seccomp',
    );
    const { run, source, accelerated } = compile(program);
    const data = new DataView(new ArrayBuffer(64));
    data.setUint32(0, 39, true);
    data.setUint32(4, 0xc000003e, true);
    expect(accelerated).toBe(true);
    expect(run(data).toString(16)).toBe('7fff0000');
    expect(source).toContain('// 3: jeq #0x27, L6');
  });
});

describe('wrong input kind', () => {
  it('a socket filter given a DataView throws the interpreter typed error', () => {
    const c = compile(goldenProgram('tcp-port-80'));
    expect(c.accelerated).toBe(true);
    expect(() => c.run(new DataView(new ArrayBuffer(64)))).toThrow(/does not run over/);
  });
});
