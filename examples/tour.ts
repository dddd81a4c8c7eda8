/**
 * The tour (`pnpm start`): the library's main job on built-in data, in under a minute.
 *
 *   1. a seccomp policy with a deep-argument check on clone3 (the seed's set_tid[0] == 34),
 *   2. the verifier: the policy accepted by the `ea` profile, refused by plain seccomp, and a
 *      deliberately broken variant with the diagnostic Linux's rules produce,
 *   3. the policy run by the interpreter and by the JIT over flattened clone3 calls,
 *   4. the fail-safe compatibility matrix without and with the tail-zero guard,
 *   5. a tcpdump filter over a generated capture,
 *   6. a small speed table measured on the spot (JIT, interpreter, and libpcap when gcc and
 *      libpcap-dev are installed).
 *
 * Run: pnpm start   (or: npx tsx examples/tour.ts)
 */
import { BPF_LD, BPF_MEM, type Insn, disassemble, insn, readProgram } from '@ea/bpf';
import { type PacketContext, prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { type Capture, LINKTYPE_ETHERNET, generateCapture, networkOffset } from '@ea/pcap';
import { version } from '@ea/policy';
import { type DemoResult, SCENARIOS, compatMatrix, defaultEngine, formatMatrix, runDemo } from '@ea/workbench';
import { ARCHES } from '@ea/seccomp';
import { VerifyError, check, formatDiagnostic, verify } from '@ea/verifier';
import { CASES } from './ea-clone3-set-tid.js';
import { TCP_PORT_80_DDD } from './socket-pcap.js';

const out: string[] = [];
const say = (text = ''): void => {
  out.push(text);
};
const section = (title: string): void => say(`\n━━ ${title} ${'━'.repeat(Math.max(0, 74 - title.length))}`);

// ── 1 and 3. The policy, and the engines running it ──────────────────────────────────────────
function buildDemo(): DemoResult {
  return runDemo(defaultEngine(), {
    title: 'clone3: allow only when set_tid[0] == 34',
    arch: ARCHES.x86_64,
    version: version('clone3'),
    checks: [{ path: 'set_tid[0]', test: { op: 'eq', value: 34n } }],
    strategy: 'jump-table',
    cases: CASES,
  });
}

function policySection(demo: DemoResult): void {
  section('1. A clone3 policy that looks inside struct clone_args');
  say('seccomp filters see only registers: clone3(args, size) hides its flags and set_tid array');
  say('behind a pointer. ea flattens the struct (and the arrays it points to) into an image');
  say('[seccomp_data][ea_meta][jump table][clone_args][set_tid...] that an ordinary classic BPF');
  say('filter reads with word loads; a tail-zero guard keeps old filters safe against new structs.');
  say();
  say(`The filter (${demo.built.insns.length} instructions; ${demo.built.guardInsns} for the guard):`);
  for (const line of disassemble(demo.built.insns).trimEnd().split('\n')) say(`    ${line}`);
}

function runsSection(demo: DemoResult): void {
  section('3. Interpreter and JIT on flattened clone3 calls');
  for (const v of demo.verdicts) say(`  ${v.label.padEnd(36)} interpreter ${v.interpreter.padEnd(13)} JIT ${v.jit}`);
}

// ── 2. The verifier ──────────────────────────────────────────────────────────────────────────
function verifierSection(insns: readonly Insn[]): void {
  section('2. The verifier: Linux rules, named and located');
  const ea = verify(insns, { profile: 'ea' });
  say(`ea profile:      accepted (${ea.insns.length} instructions, reads up to image byte ${ea.maxLoadEnd})`);
  const plain = check(insns, { profile: 'seccomp' });
  if (!plain.ok) {
    say(`seccomp profile: refused as the kernel would (${plain.error.reason} at pc ${plain.error.pc}, ${plain.error.errno}):`);
    say('                 today\'s kernel lets filters read only the 64 bytes of seccomp_data.');
  }
  // A deliberately broken variant: read scratch memory that no path has written.
  const broken = [...insns.slice(0, 3), insn(BPF_LD | BPF_MEM, 0, 0, 3), ...insns.slice(3)].map((i, pc) =>
    // Jumps that cross the inserted instruction must reach one further.
    pc < 3 && i.kind === 'jmp' ? insn(i.code, i.jt + (pc + 1 + i.jt >= 3 ? 1 : 0), i.jf + (pc + 1 + i.jf >= 3 ? 1 : 0), i.k) : i,
  );
  try {
    verify(broken, { profile: 'ea' });
    say('broken variant: unexpectedly accepted');
  } catch (error) {
    if (!(error instanceof VerifyError)) throw error;
    say('A broken variant (an `ld M[3]` inserted at pc 3):');
    for (const line of formatDiagnostic('broken.bpf', broken, error).trimEnd().split('\n')) say(`    ${line}`);
  }
}

// ── 4. The compatibility matrix ──────────────────────────────────────────────────────────────
function matrixSection(): void {
  section('4. Every {old,new} filter x kernel x program, without and with the guard');
  const engine = defaultEngine();
  for (const guard of ['none', 'tailzero'] as const) {
    const m = compatMatrix(SCENARIOS['openat2']!, engine, { guard });
    say(guard === 'none' ? 'openat2, filter as written (no guard):' : 'openat2, with the automatic tail-zero guard:');
    for (const line of formatMatrix(m).trimEnd().split('\n')) say(`    ${line}`);
    say();
  }
}

// ── 5 and 6. A packet filter and a speed table ───────────────────────────────────────────────
/**
 * The capture as libpcap's bpf_filter(buffer, wirelen, buflen) sees it: ONE DataView over the
 * whole capture and one reused context whose offset/length/wireLength/networkOffset/linkOffset
 * are set per packet, from arrays built once. (A DataView per packet costs more than the filter
 * itself on V8, so a hot loop should never make or even hold one per packet.)
 */
interface Packets {
  readonly count: number;
  readonly ctx: PacketContext;
  readonly offsets: Int32Array;
  readonly lengths: Int32Array;
  readonly wireLengths: Uint32Array;
  readonly networkOffsets: Int32Array;
  /** 0 for Ethernet (the MAC header is the packet's first byte), -1 for no link header. */
  readonly linkOffsets: Int32Array;
}

function contexts(capture: Capture): Packets {
  const networkOffsets = new Int32Array(capture.count);
  const linkOffsets = new Int32Array(capture.count);
  for (let i = 0; i < capture.count; i++) {
    const start = capture.offsets[i]!;
    // What a packet socket would set: the network header after the link header and VLAN tags.
    networkOffsets[i] = networkOffset(capture.linkTypes[i]!, capture.data, start, capture.capLengths[i]!);
    linkOffsets[i] = capture.linkTypes[i] === LINKTYPE_ETHERNET ? 0 : -1;
  }
  const data = new DataView(capture.data.buffer, capture.data.byteOffset, capture.data.byteLength);
  return {
    count: capture.count,
    ctx: { data, offset: 0, length: 0, wireLength: 0, networkOffset: 0, linkOffset: 0 },
    offsets: capture.offsets,
    lengths: capture.capLengths,
    wireLengths: capture.wireLengths,
    networkOffsets,
    linkOffsets,
  };
}

function countMatches(packets: Packets, run: (ctx: PacketContext) => number): number {
  const { count, ctx, offsets, lengths, wireLengths, networkOffsets, linkOffsets } = packets;
  let matched = 0;
  for (let i = 0; i < count; i++) {
    ctx.offset = offsets[i]!;
    ctx.length = lengths[i]!;
    ctx.wireLength = wireLengths[i]!;
    ctx.networkOffset = networkOffsets[i]!;
    const link = linkOffsets[i]!;
    // Assigned rather than deleted, so the context keeps its shape (undefined: no MAC header).
    ctx.linkOffset = link < 0 ? undefined : link;
    if (run(ctx) !== 0) matched++;
  }
  return matched;
}

function nsPerPacket(packets: Packets, run: (ctx: PacketContext) => number): number {
  const times: number[] = [];
  for (let rep = 0; rep < 9; rep++) {
    const start = process.hrtime.bigint();
    countMatches(packets, run);
    times.push(Number(process.hrtime.bigint() - start) / packets.count);
  }
  times.sort((a, b) => a - b);
  return times[4]!;
}

function packetSection(): void {
  section('5. A tcpdump filter over a generated capture');
  const capture = generateCapture({ count: 50_000, seed: 2020 });
  const { insns } = readProgram(TCP_PORT_80_DDD);
  const program = verify(insns, { profile: 'socket' });
  const interpreter = prepare(program);
  const jit = compile(program);
  const packets = contexts(capture);
  const interpreted = countMatches(packets, (ctx) => interpreter.runPacket(ctx));
  const compiled = countMatches(packets, jit.run);
  say(`'tcp port 80' (tcpdump -ddd, ${insns.length} instructions) over ${capture.count} generated packets:`);
  say(`  interpreter matched ${interpreted}, JIT matched ${compiled}${jit.accelerated ? '' : ` (JIT fell back: ${jit.reason})`}`);

  section('6. Speed, measured now (ns per packet, median of 9 passes)');
  const rows: [string, string][] = [
    ['ea JIT', nsPerPacket(packets, jit.run).toFixed(1)],
    ['ea interpreter', nsPerPacket(packets, (ctx) => interpreter.runPacket(ctx)).toFixed(1)],
  ];
  for (const [name, ns] of rows) say(`  ${name.padEnd(24)} ${ns}`);
  say('  (a quick look on a possibly busy machine: `pnpm bench` times libpcap and gcc beside these)');
}

const started = Date.now();
const demo = buildDemo();
policySection(demo);
verifierSection(demo.built.insns);
runsSection(demo);
matrixSection();
packetSection();
say(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s. Next: examples/README.md, pnpm ea-bpf --help, pnpm test.`);
process.stdout.write(`${out.join('\n')}\n`);
