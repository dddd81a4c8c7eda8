/**
 * `ea-bpf filter FILE CAPTURE`: counts the packets of a pcap/pcapng capture that a
 * socket filter accepts, with libpcap's meaning of "accepts" (a non-zero return),
 * so the count can be compared with `tcpdump -r CAPTURE EXPR`.
 */
import { readProgram } from '@ea/bpf';
import { type PacketContext, prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { type Capture, LINKTYPE_ETHERNET, networkOffset, readCapture } from '@ea/pcap';
import { type VerifiedProgram, verify } from '@ea/verifier';
import type { CAC } from 'cac';
import { printJson, readInput, UsageError } from '../output.js';

interface FilterOptions {
  readonly engine?: string;
  readonly json?: boolean;
}

/** A filter ready to run over packet contexts. */
type PacketRunner = (ctx: PacketContext) => number;

/** Captures at least this large get a progress bar (when stderr is a terminal). */
const PROGRESS_THRESHOLD = 50_000;

/** Registers `filter` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('filter <file> <capture>', 'Count the packets of a pcap/pcapng capture that a socket filter accepts')
    .option('--engine <engine>', 'interp or jit', { default: 'interp' })
    .option('--json', 'print {"matched": n, "total": m}')
    .action(async (file: string, capturePath: string, options: FilterOptions) => {
      const engine = options.engine ?? 'interp';
      if (engine !== 'interp' && engine !== 'jit') throw new UsageError(`unknown engine ${engine} (interp or jit)`);
      const { insns } = readProgram(readInput(file));
      // Offline filtering never attaches to a socket, so the kernel's conversion-time memory
      // limits (optmem_max) do not apply; libpcap would run such a program too.
      const program = verify(insns, { profile: 'socket', skipSocketLimits: true });
      const capture = readCapture(readInput(capturePath));
      const run = engine === 'jit' ? jitRunner(program) : interpreterRunner(program);
      const matched = countMatches(capture, run);
      if (options.json) printJson({ matched, total: capture.count });
      else process.stdout.write(`${matched} of ${capture.count} packets matched\n`);
      return 0;
    });
}

function interpreterRunner(program: VerifiedProgram): PacketRunner {
  const interpreter = prepare(program);
  return (ctx) => interpreter.runPacket(ctx);
}

function jitRunner(program: VerifiedProgram): PacketRunner {
  const compiled = compile(program);
  const run = compiled.run;
  return (ctx) => run(ctx);
}

/** Runs the filter over every packet; libpcap counts a packet when the filter returns non-zero. */
function countMatches(capture: Capture, run: PacketRunner): number {
  const { data, offsets, capLengths, wireLengths, linkTypes } = capture;
  const progress = process.stderr.isTTY && capture.count >= PROGRESS_THRESHOLD ? new Progress(capture.count) : null;
  // One view over the whole capture and one context, moved packet by packet (offset/length):
  // a DataView per packet would cost more than the filter.
  const ctx: PacketContext = {
    data: new DataView(data.buffer, data.byteOffset, data.byteLength),
    offset: 0,
    length: 0,
    wireLength: 0,
    networkOffset: 0,
    protocol: 0,
  };
  let matched = 0;
  for (let i = 0; i < capture.count; i++) {
    const start = offsets[i]!;
    const length = capLengths[i]!;
    const linkType = linkTypes[i]!;
    ctx.offset = start;
    ctx.length = length;
    ctx.wireLength = wireLengths[i]!;
    ctx.networkOffset = networkOffset(linkType, data, start, length);
    if (linkType === LINKTYPE_ETHERNET) {
      ctx.linkOffset = 0;
      // skb->protocol: the EtherType after any VLAN tags (0 when the frame is too short to say).
      const at = start + ctx.networkOffset - 2;
      ctx.protocol = ctx.networkOffset >= 14 ? (data[at]! << 8) | data[at + 1]! : 0;
    } else {
      ctx.linkOffset = undefined;
      ctx.protocol = 0;
    }
    if (run(ctx) !== 0) matched++;
    progress?.update(i + 1);
  }
  progress?.done();
  return matched;
}

/** A one-line progress bar on stderr, redrawn at most once per percent. */
class Progress {
  private shown = -1;
  constructor(private readonly total: number) {}
  update(done: number): void {
    const percent = Math.floor((done * 100) / this.total);
    if (percent === this.shown) return;
    this.shown = percent;
    const width = 30;
    const filled = Math.round((percent * width) / 100);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${done}/${this.total}`);
  }
  done(): void {
    process.stderr.write('\r\x1b[K');
  }
}
