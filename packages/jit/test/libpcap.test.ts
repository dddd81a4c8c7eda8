/**
 * The libpcap profile against libpcap itself: every program runs through libpcap's bpf_filter
 * (@ea/oracle's run_libpcap, the function tcpdump -r calls) and through the interpreter, the
 * JIT's `run` and both engines' `runBatch`, packet by packet. Programs: tcpdump's own for a set
 * of expressions including `ip6 protochain` (backward jumps), hand-written ones for each place
 * where libpcap's userland semantics differ from the kernel's (shifts by X >= 32, X + k past
 * 2^32, negative and ancillary offsets, division by zero, loops), and random programs.
 */
import { execFileSync } from 'node:child_process';
import { assemble, type SockFilter, readProgram } from '@ea/bpf';
import { InterpreterError, prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { libpcapUnavailable, runLibpcap } from '@ea/oracle';
import { type Capture, captureBatch, captureFromPackets, generateCapture, readCapture, writePcap } from '@ea/pcap';
import { check, type VerifiedProgram, verify } from '@ea/verifier';
import { describe, expect, it } from 'vitest';
import { EDGES, genPacket, genProgram, Rng } from '@ea/testkit';

const SCALE = process.env['EA_FUZZ'] ? 20 : 1;

function tcpdumpMissing(): string | null {
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'tcpdump is not installed (apt-get install tcpdump; .ci/run installs it)';
  }
}

/** IPv6 frames whose extension-header chains make `ip6 protochain` loop, some cut short. */
function ipv6Chains(r: Rng, count: number): Capture {
  const list: { data: Uint8Array; wireLength: number }[] = [];
  const extensions = [0, 43, 44, 60, 51];
  for (let i = 0; i < count; i++) {
    const headers: number[] = [];
    for (let n = r.int(7); n > 0; n--) headers.push(r.pick(extensions));
    const last = r.pick([6, 17, 58, 59, 6]);
    const bytes: number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x86, 0xdd];
    bytes.push(0x60, 0, 0, 0, 0, 0, headers[0] ?? last, 64, ...new Array<number>(32).fill(1));
    headers.forEach((h, j) => {
      const next = headers[j + 1] ?? last;
      // AH counts its length in 4-byte units minus 2, the others in 8-byte units minus 1.
      const units = r.int(3);
      const length = h === 51 ? 8 + 4 * units : 8 + 8 * units;
      bytes.push(next, h === 51 ? units : units, ...new Array<number>(length - 2).fill(r.int(256)));
      if (h === 44) bytes[bytes.length - length + 1] = 0;
    });
    bytes.push(...new Array<number>(20).fill(0));
    const cut = r.chance(0.2) ? r.int(bytes.length) : bytes.length;
    list.push({ data: Uint8Array.from(bytes.slice(0, cut)), wireLength: bytes.length });
  }
  return captureFromPackets(list);
}

const rng = new Rng(17);
const generated = generateCapture({ count: 1500, seed: 11 });
const chains = ipv6Chains(rng, 500);
/** Both captures in one pcap file, read back as libpcap reads it. */
const pcapBytes = writePcap(
  captureFromPackets([
    ...Array.from({ length: generated.count }, (_, i) => ({
      data: generated.data.subarray(generated.offsets[i]!, generated.offsets[i]! + generated.capLengths[i]!),
      wireLength: generated.wireLengths[i]!,
    })),
    ...Array.from({ length: chains.count }, (_, i) => ({
      data: chains.data.subarray(chains.offsets[i]!, chains.offsets[i]! + chains.capLengths[i]!),
      wireLength: chains.wireLengths[i]!,
    })),
  ]),
);
const capture = readCapture(pcapBytes);

/** Every engine's result per packet for a libpcap-profile program. */
function engines(program: VerifiedProgram, bytes: Uint8Array = pcapBytes): Record<string, number[]> {
  const c = bytes === pcapBytes ? capture : readCapture(bytes);
  const batch = captureBatch(c);
  const interp = prepare(program);
  const jit = compile(program);
  const perPacket = (run: (i: number) => number): number[] => Array.from({ length: c.count }, (_, i) => run(i));
  const context = (i: number) => ({
    data: batch.data,
    offset: c.offsets[i]!,
    length: c.capLengths[i]!,
    wireLength: c.wireLengths[i]!,
  });
  const interpBatch = new Uint32Array(c.count);
  const jitBatch = new Uint32Array(c.count);
  const interpMatched = interp.runBatch(batch, interpBatch);
  const jitMatched = jit.runBatch(batch, jitBatch);
  expect(jitMatched).toBe(interpMatched);
  // The JIT really generated both entries, except for loops (the interpreter's libpcap loop runs those).
  expect(jit.accelerated).toBe(!program.backwardJumps);
  expect(jit.batchSource !== '').toBe(!program.backwardJumps);
  return {
    interpreter: perPacket((i) => interp.run(context(i))),
    jit: perPacket((i) => jit.run(context(i))),
    'interpreter runBatch': Array.from(interpBatch),
    'jit runBatch': Array.from(jitBatch),
  };
}

/** Asserts that every engine gives libpcap's bpf_filter result on every packet. */
function agreeWithLibpcap(insns: readonly SockFilter[], bytes: Uint8Array = pcapBytes): number[] {
  const program = verify(insns, { profile: 'libpcap' });
  const report = runLibpcap(bytes, insns);
  expect(report.valid).toBe(true);
  expect(report.error).toBeNull();
  const want = report.packets.map((p) => p.result!);
  for (const [engine, got] of Object.entries(engines(program, bytes))) {
    const first = got.findIndex((v, i) => v !== want[i]);
    expect(first, `${engine}: packet ${first} gives ${got[first]}, libpcap ${want[first]}`).toBe(-1);
  }
  return want;
}

/** Replaces instruction `pc` (a `ja`) with a backward jump to `target`, as pcap_filter reads k. */
function jumpBack(insns: SockFilter[], pc: number, target: number): SockFilter[] {
  const out = insns.slice();
  out[pc] = { ...out[pc]!, k: (target - pc - 1) >>> 0 };
  return out;
}

const EXPRESSIONS = [
  'ip6 protochain 6',
  'ip6 protochain 17',
  'ip6 protochain 58',
  'ip protochain 6',
  'ip6 and not ip6 protochain 59',
  'tcp port 80',
  'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420',
  'udp port 53 or icmp6',
  'ip[2:2] > 100 and len < 300',
  'ether[12:2] = 0x8100 and vlan 10',
];

describe.skipIf(libpcapUnavailable() ?? tcpdumpMissing())('the libpcap profile runs tcpdump programs as libpcap does', () => {
  for (const expr of EXPRESSIONS) {
    it(expr, () => {
      const ddd = execFileSync('tcpdump', ['-ddd', '-y', 'EN10MB', expr], { stdio: ['ignore', 'pipe', 'ignore'] });
      const { insns } = readProgram(ddd);
      const results = agreeWithLibpcap(insns);
      // The comparison means something: the filter matches some packets and not others.
      expect(results.some((v) => v !== 0)).toBe(true);
      expect(results.some((v) => v === 0)).toBe(true);
    });
  }

  it('protochain really loops here, and the kernel rules refuse it', () => {
    const { insns } = readProgram(execFileSync('tcpdump', ['-ddd', '-y', 'EN10MB', 'ip6 protochain 6'], { stdio: ['ignore', 'pipe', 'ignore'] }));
    const program = verify(insns, { profile: 'libpcap' });
    expect(program.backwardJumps).toBe(true);
    const back = new Set(program.insns.flatMap((x, pc) => (x.kind === 'ja' && x.k >= 0x80000000 ? [pc] : [])));
    expect(back.size).toBeGreaterThan(0);
    let backward = 0;
    const interp = prepare(program);
    const data = captureBatch(capture).data;
    for (let i = 0; i < capture.count; i++) {
      interp.trace({ data, offset: capture.offsets[i]!, length: capture.capLengths[i]! }, (pc) => {
        if (back.has(pc)) backward++;
      });
    }
    expect(backward).toBeGreaterThan(100);
    expect(() => verify(insns, { profile: 'socket' })).toThrow(expect.objectContaining({ reason: 'JUMP_OUT_OF_RANGE' }));
  });
});

const HAND_WRITTEN: Record<string, () => SockFilter[]> = {
  // pcap_filter: X >= 32 gives 0; the kernel would use X & 31.
  'lsh x with X from the packet': () => assemble('ldb [14]\ntax\nld [26]\nlsh x\nret a'),
  'rsh x with X from the packet': () => assemble('ldb [15]\ntax\nld [26]\nrsh x\nret a'),
  // The same with X known at compile time: the JIT's constant folding must follow libpcap too.
  'lsh x with X = 40': () => assemble('ldx #40\nld [26]\nlsh x\nret a'),
  'rsh x with A and X constant': () => assemble('ld #0x12345678\nldx #33\nrsh x\njeq #0, yes, no\nyes: ret #5\nno: ret #6'),
  // X + k is not wrapped: past buflen it fails (the kernel would read byte 14, then 0x10).
  'ldb [x + 15] with X = 0xffffffff': () => assemble('ldx #0xffffffff\nldb [x + 15]\nret a'),
  'ld [x + 0x20] with X = 0xfffffff0': () => assemble('ldx #0xfffffff0\nld [x + 0x20]\nret a'),
  'ldh [x + 0x20] with X = 0xfffffff0': () => assemble('ldx #0xfffffff0\nldh [x + 0x20]\nret a'),
  // With a test after it, the JIT's branch-free form (ifconvert.ts) runs this load too.
  'ldb [x + k] past 2^32 before a jeq': () => assemble('ldb [14]\nadd #0xffffff00\ntax\nldb [x + 0x110]\njeq #0x45, yes, no\nyes: ret #1\nno: ret #2'),
  'ldh [x + k] with X from the packet': () => assemble('ldb [14]\ntax\nldh [x + 10]\nret a'),
  // Negative and ancillary offsets are plain offsets past buflen in userland.
  'ld at SKF_NET_OFF': () => assemble('ld [0xfff00000]\nret #1'),
  'ldb at SKF_AD_OFF + vlan tag present': () => assemble('ldb [0xfffff02c]\nret #1'),
  'ldh at SKF_AD_OFF + protocol': () => assemble('ldh [0xfffff000]\nret #7'),
  'ldxb 4*([0xfff00000]&0xf)': () => assemble('ldxb 4*([0xfff00000]&0xf)\ntxa\nret a'),
  'div x by a byte that is often 0': () => assemble('ldb [20]\ntax\nld [26]\ndiv x\nret a'),
  'mod x by a byte that is often 0': () => assemble('ldb [21]\ntax\nld [26]\nmod x\nret a'),
  'ld len and ldx len': () => assemble('ld len\nldx len\nadd x\nret a'),
  // A loop: the offset of the first zero byte from 14 on (or 0 when a load runs off the end).
  'a loop over the packet': () =>
    jumpBack(assemble('ldx #14\nldb [x + 0]\njeq #0, done, next\nnext: txa\nadd #1\ntax\nja done\ndone: txa\nret a'), 6, 1),
};

describe.skipIf(libpcapUnavailable())('the libpcap profile follows pcap_filter where the kernel differs', () => {
  for (const [name, make] of Object.entries(HAND_WRITTEN)) {
    it(name, () => {
      agreeWithLibpcap(make());
    });
  }

  it('differs from the kernel rules on the same programs (the cases can tell them apart)', () => {
    let differ = 0;
    const data = captureBatch(capture).data;
    for (const make of Object.values(HAND_WRITTEN)) {
      const insns = make();
      const kernel = check(insns, { profile: 'socket', skipSocketLimits: true });
      if (!kernel.ok) continue;
      const k = prepare(kernel.program);
      const u = prepare(verify(insns, { profile: 'libpcap' }));
      for (let i = 0; i < capture.count; i++) {
        const ctx = { data, offset: capture.offsets[i]!, length: capture.capLengths[i]!, wireLength: capture.wireLengths[i]! };
        if (k.run(ctx) !== u.run(ctx)) {
          differ++;
          break;
        }
      }
    }
    expect(differ).toBeGreaterThanOrEqual(8);
  });

  it('random programs give bpf_filter results on random packets', () => {
    const r = new Rng(2024);
    const packets = Array.from({ length: 64 }, () => genPacket(r, EDGES));
    const bytes = writePcap(
      captureFromPackets(
        packets.map((p) => {
          const start = p.offset ?? 0;
          const len = p.length ?? p.data.byteLength - start;
          return {
            data: new Uint8Array(p.data.buffer, p.data.byteOffset + start, len),
            wireLength: p.wireLength ?? len,
          };
        }),
      ),
    );
    let checked = 0;
    for (let n = 0; n < 40 * SCALE; n++) {
      const insns = genProgram(r, 'socket', 24, EDGES);
      agreeWithLibpcap(insns, bytes);
      checked++;
    }
    expect(checked).toBe(40 * SCALE);
  });
});

describe('the libpcap profile bounds every run', () => {
  const spin = jumpBack(assemble('ld #1\nja next\nnext: ret a'), 1, 1);
  const loop = jumpBack(assemble('ldx #14\nldb [x + 0]\njeq #0, done, next\nnext: txa\nadd #1\ntax\nja done\ndone: txa\nret a'), 6, 1);

  it('accepts a jump to itself, as bpf_validate does, and stops it with BUDGET_EXHAUSTED in every engine', () => {
    const program = verify(spin, { profile: 'libpcap' });
    const packet = { data: new DataView(new ArrayBuffer(16)) };
    const batch = { data: packet.data, offsets: Int32Array.of(0, 4), lengths: Int32Array.of(4, 4) };
    const budget = { budget: 1000 };
    for (const run of [
      () => prepare(program, budget).run(packet),
      () => compile(program, budget).run(packet),
      () => prepare(program, budget).runBatch(batch),
      () => compile(program, budget).runBatch(batch),
    ]) {
      expect(run).toThrow(expect.objectContaining({ name: 'InterpreterError', code: 'BUDGET_EXHAUSTED' }));
    }
  });

  it('counts executed instructions exactly: a run needing N passes with budget N and fails with N - 1', () => {
    const program = verify(loop, { profile: 'libpcap' });
    const bytes = new Uint8Array(64).fill(7);
    bytes[40] = 0;
    const packet = { data: new DataView(bytes.buffer) };
    // Instructions executed up to the last backward jump taken: the budget this run needs.
    let steps = 0;
    let needed = 0;
    prepare(program).trace(packet, (pc) => {
      steps++;
      if (pc === 6) needed = steps;
    });
    expect(needed).toBeGreaterThan(100);
    for (const make of [(b: number) => prepare(program, { budget: b }), (b: number) => compile(program, { budget: b })]) {
      expect(make(needed).run(packet)).toBe(40);
      expect(() => make(needed - 1).run(packet)).toThrow(InterpreterError);
    }
  });

  it('refuses a bad budget', () => {
    const program = verify(loop, { profile: 'libpcap' });
    for (const budget of [0, -1, 1.5, Number.NaN]) expect(() => prepare(program, { budget })).toThrow(RangeError);
  });
});
