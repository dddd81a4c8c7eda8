/**
 * JIT benchmark: compile latency (verify + compile, CPU time, median of many runs) on
 * libseccomp-shaped linear filters and on tcpdump's `tcp port 80`, and the run speed of the
 * generated `tcp port 80` over 50,000 generated packets (contexts built once, median of passes,
 * the method of examples/tour.ts section 6).
 *
 *   npx tsx packages/jit/bench/bench.ts [compile|run]
 *
 * The machine may be shared: compare numbers printed by one run of this script, not across runs.
 * To compare with an older version in the same run, extract its sources inside this package (so
 * its imports resolve) and name the directory holding its src/:
 *
 *   git archive <commit> packages/jit/src | tar -x --strip-components=2 -C packages/jit/bench/base
 *   EA_JIT_BASE=./base npx tsx packages/jit/bench/bench.ts compile
 *
 * Then each compile of the base and of the current code alternate, and their sources must match.
 */
import { BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, type Insn, jump, readProgram, stmt } from '@ea/bpf';
import type { PacketContext } from '@ea/interpreter';
import { LINKTYPE_ETHERNET, generateCapture, networkOffset } from '@ea/pcap';
import { verify } from '@ea/verifier';
import { compile } from '../src/index.js';

const TCP_PORT_80 = `20
40 0 0 12
21 0 6 34525
48 0 0 20
21 0 15 6
40 0 0 54
21 12 0 80
40 0 0 56
21 10 11 80
21 0 10 2048
48 0 0 23
21 0 8 6
40 0 0 20
69 6 0 8191
177 0 0 14
72 0 0 14
21 2 0 80
72 0 0 16
21 0 1 80
6 0 0 262144
6 0 0 0
`;

/** libseccomp's linear shape (benchmarks/workloads/compile.ts): `ld [0]`, then `jeq nr / ret` pairs. */
function linearFilter(size: number): Insn[] {
  const out: Insn[] = [stmt(BPF_LD | BPF_W | BPF_ABS, 0)];
  let nr = 0;
  while (out.length + 2 <= size - 1) {
    out.push(jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1), stmt(BPF_RET | BPF_K, 0x7fff0000));
    nr += 3;
  }
  while (out.length < size - 1) out.push(stmt(BPF_RET | BPF_K, 0x7fff0000));
  out.push(stmt(BPF_RET | BPF_K, 0x50001));
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** CPU milliseconds of one call (user + system, so time the process waits for a core is excluded). */
function cpuMs(f: () => void): number {
  const t = process.cpuUsage();
  f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

type CompileFn = typeof compile;

async function loadBase(): Promise<CompileFn | undefined> {
  const dir = process.env['EA_JIT_BASE'];
  if (dir === undefined || dir === '') return undefined;
  const mod = (await import(new URL(`${dir}/src/index.ts`, import.meta.url).href)) as { compile: CompileFn };
  return mod.compile;
}

function compileBench(base: CompileFn | undefined): void {
  const cases: [string, Insn[], 'seccomp' | 'socket'][] = [
    ...[100, 300, 1000, 4096].map((n) => [`linear ${n}`, linearFilter(n), 'seccomp'] as [string, Insn[], 'seccomp']),
    ['tcp port 80', readProgram(TCP_PORT_80).insns as Insn[], 'socket'],
  ];
  console.log('compile latency, verify + compile, CPU ms (median; min)');
  for (const [name, insns, profile] of cases) {
    const reps = insns.length >= 4000 ? 25 : insns.length >= 1000 ? 60 : 200;
    for (let i = 0; i < 5; i++) compile(verify(insns, { profile }));
    const vt: number[] = [];
    const ct: number[] = [];
    for (let i = 0; i < reps; i++) {
      let p: ReturnType<typeof verify> | undefined;
      vt.push(cpuMs(() => { p = verify(insns, { profile }); }));
      ct.push(cpuMs(() => { compile(p!); }));
    }
    const tot = vt.map((v, i) => v + ct[i]!);
    let vsBase = '';
    if (base !== undefined) {
      const p = verify(insns, { profile });
      if (base(p).source !== compile(p).source) throw new Error(`${name}: generated source differs from the base`);
      const bt: number[] = [];
      const nt: number[] = [];
      for (let i = 0; i < reps; i++) {
        bt.push(cpuMs(() => { base(p); }));
        nt.push(cpuMs(() => { compile(p); }));
      }
      vsBase = `  | alternating: base compile ${median(bt).toFixed(3)} vs current ${median(nt).toFixed(3)}`;
    }
    console.log(
      `  ${name.padEnd(12)} verify ${median(vt).toFixed(3)}  compile ${median(ct).toFixed(3)}  total ${median(tot).toFixed(3)} (min ${Math.min(...tot).toFixed(3)})${vsBase}`,
    );
  }
}

function runBench(): void {
  const capture = generateCapture({ count: 50_000, seed: 2020 });
  const packets: PacketContext[] = [];
  for (let i = 0; i < capture.count; i++) {
    const start = capture.offsets[i]!;
    const length = capture.capLengths[i]!;
    const ctx: PacketContext = {
      data: new DataView(capture.data.buffer, capture.data.byteOffset + start, length),
      wireLength: capture.wireLengths[i]!,
      networkOffset: networkOffset(capture.linkTypes[i]!, capture.data, start, length),
    };
    if (capture.linkTypes[i] === LINKTYPE_ETHERNET) ctx.linkOffset = 0;
    packets.push(ctx);
  }
  const program = verify(readProgram(TCP_PORT_80).insns, { profile: 'socket' });
  const { run } = compile(program);
  const pass = (): number => {
    let matched = 0;
    for (let i = 0; i < packets.length; i++) if (run(packets[i]!) !== 0) matched++;
    return matched;
  };
  const matched = pass();
  const ns: number[] = [];
  for (let rep = 0; rep < 31; rep++) {
    const start = process.hrtime.bigint();
    pass();
    ns.push(Number(process.hrtime.bigint() - start) / packets.length);
  }
  console.log(`run 'tcp port 80' over ${packets.length} packets (${matched} match): ns/pkt median ${median(ns).toFixed(1)} min ${Math.min(...ns).toFixed(1)}`);
}

const what = process.argv[2];
if (what !== 'run') compileBench(await loadBase());
if (what !== 'compile') runBench();
