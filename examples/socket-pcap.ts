/**
 * A socket filter over a pcap file: generate a small deterministic Ethernet capture with
 * @ea/pcap, write it to a temporary .pcap, read it back, and count the packets that
 * `tcp port 80` accepts with the interpreter (one call per packet) and with the JIT (one
 * runBatch call over the whole capture). The program is tcpdump's own
 * (`tcpdump -ddd 'tcp port 80'`), embedded below so the example needs nothing but Node; when
 * tcpdump is installed the example also compiles the expression live, shows that libpcap still
 * produces the same program, and lets tcpdump count the same file. Set EA_NO_TCPDUMP=1 to skip
 * that part.
 *
 * Run: npx tsx examples/socket-pcap.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SockFilter, disassemble, readProgram, writeProgram } from '@ea/bpf';
import { type PacketContext, prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { type Capture, captureBatch, generateCapture, readCapture, writePcap } from '@ea/pcap';
import { verify } from '@ea/verifier';

/** The expression the embedded program was compiled from. */
export const EXPRESSION = 'tcp port 80';

/** `tcpdump -ddd 'tcp port 80'` on Ethernet (libpcap 1.10): the count, then `code jt jf k`. */
export const TCP_PORT_80_DDD = `20
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

/** Packets in the generated capture and the generator's seed (same seed, same bytes). */
export const PACKETS = 400;
export const SEED = 2020;

/** What tcpdump said, when it is installed and not switched off. */
export interface TcpdumpCheck {
  /** Whether `tcpdump -ddd EXPRESSION` printed exactly the embedded program. */
  readonly sameProgram: boolean;
  /** How many packets `tcpdump -r FILE EXPRESSION` printed. */
  readonly matched: number;
}

/** What the example computes, and the report it prints. */
export interface SocketPcapResult {
  readonly total: number;
  readonly fileBytes: number;
  readonly interpreterMatched: number;
  readonly jitMatched: number;
  /** Whether the JIT ran generated code (run and runBatch). */
  readonly accelerated: boolean;
  /** Indices of the accepted packets (interpreter). */
  readonly matches: readonly number[];
  readonly tcpdump: TcpdumpCheck | null;
  readonly text: string;
}

/**
 * Counts the packets the filter accepts (libpcap's meaning: a non-zero return), one `run` call
 * per packet: one view over the whole capture and one context moved from packet to packet, with
 * what a packet socket would set (from captureBatch): the network header after any VLAN tags,
 * the MAC header at 0 for Ethernet.
 */
function countOneByOne(capture: Capture, run: (ctx: PacketContext) => number, matches: number[]): number {
  const batch = captureBatch(capture);
  const ctx: PacketContext = { data: batch.data, offset: 0, length: 0, wireLength: 0, networkOffset: 0, linkOffset: 0 };
  let matched = 0;
  for (let i = 0; i < capture.count; i++) {
    ctx.offset = batch.offsets[i]!;
    ctx.length = batch.lengths[i]!;
    ctx.wireLength = batch.wireLengths[i]!;
    ctx.networkOffset = batch.networkOffsets[i]!;
    ctx.linkOffset = batch.linkOffsets[i]! < 0 ? undefined : batch.linkOffsets[i]!;
    if (run(ctx) !== 0) {
      matched++;
      matches.push(i);
    }
  }
  return matched;
}

function tcpdumpWanted(): boolean {
  if (process.env['EA_NO_TCPDUMP'] === '1') return false;
  return spawnSync('tcpdump', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** Asks the installed tcpdump for its program and its count; null when it is not available. */
function askTcpdump(embedded: readonly SockFilter[], file: string): TcpdumpCheck | null {
  if (!tcpdumpWanted()) return null;
  // -y EN10MB: compile for Ethernet without opening an interface (no root needed).
  const live = spawnSync('tcpdump', ['-y', 'EN10MB', '-ddd', EXPRESSION], { encoding: 'utf8' });
  const read = spawnSync('tcpdump', ['-nn', '-r', file, EXPRESSION], { encoding: 'utf8' });
  if (live.status !== 0 || read.status !== 0) return null;
  const sameProgram = writeProgram(readProgram(live.stdout).insns, 'ddd') === writeProgram(embedded, 'ddd');
  const matched = read.stdout.split('\n').filter((l) => l.trim() !== '').length;
  return { sameProgram, matched };
}

/** Runs the example: generate, write, read back, filter with both engines, cross-check with tcpdump. */
export function runSocketPcap(): SocketPcapResult {
  const dir = mkdtempSync(join(tmpdir(), 'ea-socket-pcap-'));
  try {
    const file = join(dir, 'generated.pcap');
    const bytes = writePcap(generateCapture({ count: PACKETS, seed: SEED }));
    writeFileSync(file, bytes);
    const capture = readCapture(readFileSync(file));

    const { insns, format } = readProgram(TCP_PORT_80_DDD);
    const program = verify(insns, { profile: 'socket' });
    const interpreter = prepare(program);
    const jit = compile(program);
    const matches: number[] = [];
    const interpreterMatched = countOneByOne(capture, (ctx) => interpreter.runPacket(ctx), matches);
    // The JIT over the whole capture in one call: the loop runs inside the generated code,
    // each packet's return value lands in `results`.
    const results = new Uint32Array(capture.count);
    const jitMatched = jit.runBatch(captureBatch(capture), results);
    const jitMatches = results.reduce((n, r) => n + (r !== 0 ? 1 : 0), 0);
    if (jitMatches !== jitMatched) throw new Error('runBatch: the results and the count disagree');
    const tcpdump = askTcpdump(insns, file);

    const lines = [
      `== socket filter '${EXPRESSION}' over a generated capture ==`,
      `capture: ${capture.count} Ethernet packets (seed ${SEED}), ${bytes.length} bytes written to a temporary .pcap and read back`,
      `program: ${program.insns.length} instructions read as '${format}' (tcpdump -ddd), verified for SO_ATTACH_FILTER:`,
      disassemble(program.insns),
      `interpreter (run per packet): ${interpreterMatched} of ${capture.count} packets matched`,
      `JIT (one runBatch call):      ${jitMatched} of ${capture.count} packets matched${jit.batchSource !== '' ? '' : ' (fallback: the interpreter loop)'}`,
      `first matches: ${matches
        .slice(0, 8)
        .map((i) => `#${i} (${capture.wireLengths[i]} bytes)`)
        .join(', ')}`,
      tcpdump === null
        ? 'tcpdump: not installed (or EA_NO_TCPDUMP=1), skipped the optional live cross-check'
        : `tcpdump: live -ddd program ${tcpdump.sameProgram ? 'is identical to' : 'DIFFERS from'} the embedded one; tcpdump -r counted ${tcpdump.matched} packets`,
      '',
    ];
    return {
      total: capture.count,
      fileBytes: bytes.length,
      interpreterMatched,
      jitMatched,
      accelerated: jit.accelerated && jit.batchSource !== '',
      matches,
      tcpdump,
      text: lines.join('\n'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(runSocketPcap().text);
}
