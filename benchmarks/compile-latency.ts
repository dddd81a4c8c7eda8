/**
 * Compile latency as a user meets it (issue 19): verify + JIT compile + first run of long
 * seccomp allow-lists, and where the time goes (the JIT's own passes, V8's parse and compile of
 * the generated function), wall and CPU time, median and minimum of many runs.
 *
 *   npx tsx benchmarks/compile-latency.ts [sizes] [shapes]          the TypeScript sources
 *   pnpm build && EA_LATENCY_DIST=1 npx tsx benchmarks/compile-latency.ts    the built dist/
 *
 * sizes: comma-separated instruction counts (default 300,1000,4096); shapes (default
 * allow,distinct): `allow` is the `pnpm bench` compile workload (`ld [0]`, then `jne #nr, +1;
 * ret ALLOW` pairs, nr 0, 3, 6, ...), `distinct` the same pairs each returning its own
 * ERRNO(n) (nr 0, 7, 14, ...: no two tests share a target). CPU time counts every thread of
 * the process (V8's concurrent GC too); wall time counts waiting for a core, so on a shared
 * machine read the minimum and the CPU median. Prints the load average first.
 */
import { loadavg } from 'node:os';
import { BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, type Insn, jump, stmt } from '@ea/bpf';
import type * as Jit from '@ea/jit';
import type * as Verifier from '@ea/verifier';
import { linearFilter } from './workloads/compile.js';

type Api = { compile: typeof Jit.compile; factorySource: typeof Jit.factorySource; verify: typeof Verifier.verify };

async function load(): Promise<Api> {
  if (process.env['EA_LATENCY_DIST'] !== '1') {
    const [jit, verifier] = await Promise.all([import('@ea/jit'), import('@ea/verifier')]);
    return { compile: jit.compile, factorySource: jit.factorySource, verify: verifier.verify };
  }
  const dist = (p: string): string => new URL(`../packages/${p}/dist/index.js`, import.meta.url).href;
  const [jit, verifier] = (await Promise.all([import(dist('jit')), import(dist('verifier'))])) as [typeof Jit, typeof Verifier];
  return { compile: jit.compile, factorySource: jit.factorySource, verify: verifier.verify };
}

/** `ld [0]`, then `jne #nr, +1; ret ERRNO(i)` pairs (nr 0, 7, 14, ...), then `ret ERRNO(1)`. */
function distinctFilter(size: number): Insn[] {
  const out: Insn[] = [stmt(BPF_LD | BPF_W | BPF_ABS, 0)];
  for (let i = 0; out.length + 2 <= size - 1; i++) {
    out.push(jump(BPF_JMP | BPF_JEQ | BPF_K, 7 * i, 0, 1), stmt(BPF_RET | BPF_K, 0x50000 | (i & 0xfff)));
  }
  while (out.length < size - 1) out.push(stmt(BPF_RET | BPF_K, 0x7fff0000));
  out.push(stmt(BPF_RET | BPF_K, 0x50001));
  return out;
}

const SHAPES: Record<string, (size: number) => Insn[]> = { allow: linearFilter, distinct: distinctFilter };

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

/** Wall and CPU milliseconds of f(). */
function time(f: () => void): [number, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1000];
}

const api = await load();
const sizes = (process.argv[2] ?? '300,1000,4096').split(',').map(Number);
const shapes = (process.argv[3] ?? 'allow,distinct').split(',');
const view = new DataView(new ArrayBuffer(64));
view.setUint32(0, 0xffff, true); // no rule matches: the whole filter decides
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${process.env['EA_LATENCY_DIST'] === '1' ? 'dist/' : 'sources'}`);
console.log('ms: total = verify + compile + first run (wall median / min, CPU median); then wall medians of the parts');
for (const shape of shapes) {
  const make = SHAPES[shape];
  if (make === undefined) throw new Error(`unknown shape ${shape} (${Object.keys(SHAPES).join(', ')})`);
  for (const size of sizes) {
    const insns = make(size);
    const reps = size >= 1000 ? 41 : 151;
    const wall: number[] = [];
    const cpu: number[] = [];
    const parts = { verify: [] as number[], compile: [] as number[], run: [] as number[], generate: [] as number[], v8: [] as number[] };
    let length = 0;
    for (let r = -5; r < reps; r++) {
      const [w, c] = time(() => {
        const t0 = performance.now();
        const program = api.verify(insns, { profile: 'seccomp' });
        const t1 = performance.now();
        const { run } = api.compile(program);
        const t2 = performance.now();
        run(view);
        const t3 = performance.now();
        if (r < 0) return;
        parts.verify.push(t1 - t0);
        parts.compile.push(t2 - t1);
        parts.run.push(t3 - t2);
      });
      if (r < 0) continue;
      wall.push(w);
      cpu.push(c);
      // The parts of compile: generating the source, then V8 alone (parse, instantiate, first call).
      const program = api.verify(insns, { profile: 'seccomp' });
      const t0 = performance.now();
      const f = api.factorySource(program);
      const t1 = performance.now();
      const make = new Function(...f.helpers, ...f.tables.map((t) => t.name), f.source) as (...a: unknown[]) => (v: DataView) => number;
      make(...f.helpers.map(() => () => 0), ...f.tables.map((t) => t.slots))(view);
      const t2 = performance.now();
      parts.generate.push(t1 - t0);
      parts.v8.push(t2 - t1);
      length = f.source.length;
    }
    const m = (xs: number[]): string => median(xs).toFixed(3);
    console.log(
      `${shape.padEnd(8)} ${String(size).padStart(5)}: total ${m(wall)} / ${Math.min(...wall).toFixed(3)}, CPU ${m(cpu)}` +
        ` | verify ${m(parts.verify)} compile ${m(parts.compile)} first run ${m(parts.run)}` +
        ` | source ${m(parts.generate)} V8 ${m(parts.v8)} (${(length / 1024).toFixed(1)} KiB)`,
    );
  }
}
