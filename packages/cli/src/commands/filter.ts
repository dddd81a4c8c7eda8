/**
 * `ea-bpf filter FILE CAPTURE`: counts the packets of a pcap/pcapng capture that a
 * filter accepts, run as libpcap runs it in userland (the libpcap profile) with libpcap's
 * meaning of "accepts" (a non-zero return), so the count is `tcpdump --count -r CAPTURE EXPR`'s.
 */
import { readProgram } from '@ea/bpf';
import { type PacketBatch, prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { type Capture, CaptureError, captureBatch, isPcap, isPcapng, readCapture } from '@ea/pcap';
import { type VerifiedProgram, verify } from '@ea/verifier';
import type { CAC } from 'cac';
import { EXIT_REJECTED, printJson, readInput, STDIN_ARGUMENT, UsageError } from '../output.js';

interface FilterOptions {
  readonly engine?: string;
  readonly json?: boolean;
}

/** A filter ready to run over a batch of packets. */
type BatchRunner = (batch: PacketBatch) => number;

/** Captures at least this large get a progress bar (when stderr is a terminal). */
const PROGRESS_THRESHOLD = 50_000;
/** Packets per runBatch call when a progress bar is shown. */
const CHUNK = 16_384;

/** Registers `filter` on the CLI. */
export function register(cli: CAC): void {
  cli
    .command('filter <file> <capture>', 'Count the packets of a pcap/pcapng capture that a socket filter accepts')
    .option('--engine <engine>', 'jit or interp', { default: 'jit' })
    .option('--json', 'print {"matched": n, "total": m}')
    .action(async (file: string, capturePath: string, options: FilterOptions) => {
      const engine = options.engine ?? 'jit';
      if (engine !== 'interp' && engine !== 'jit') throw new UsageError(`unknown engine ${engine} (jit or interp)`);
      const source = readInput(file);
      if (isPcap(source) || isPcapng(source)) {
        throw new UsageError(
          `${displayName(file)} is a ${isPcap(source) ? 'pcap' : 'pcapng'} capture, not a program: the program comes first (ea-bpf filter PROGRAM CAPTURE)`,
        );
      }
      const { insns } = readProgram(source);
      // Offline filtering is what tcpdump -r does: libpcap's userland rules (bpf_validate,
      // backward ja for `ip6 protochain`, shifts and offsets as pcap_filter computes them), not
      // the kernel's; `run --profile socket` keeps the kernel's.
      const program = verify(insns, { profile: 'libpcap' });
      const { capture, damage } = readDamaged(readInput(capturePath), capturePath);
      const run = batchRunner(program, engine);
      const matched = countMatches(capture, run);
      if (options.json) {
        const where = damage === null ? {} : { damage: { code: damage.code, offset: damage.offset, message: damage.detail } };
        printJson({ matched, total: capture.count, ...where });
      } else process.stdout.write(`${matched} of ${capture.count} packets matched\n`);
      if (damage === null) return 0;
      // tcpdump's way: the packets before the damage are counted, then the error, and exit 1.
      process.stderr.write(
        `ea-bpf: warning: ${displayName(capturePath)}: ${damage.message}; counted the ${capture.count} packets before it\n`,
      );
      return EXIT_REJECTED;
    });
}

/** Names a file argument in messages (`-` is standard input). */
function displayName(file: string): string {
  return file === '-' || file === STDIN_ARGUMENT ? 'standard input' : file;
}

/**
 * Reads a capture; damage after the first packets leaves those packets and the error (as
 * tcpdump counts them), any other capture error names the file.
 */
function readDamaged(bytes: Uint8Array, path: string): { capture: Capture; damage: CaptureError | null } {
  try {
    return { capture: readCapture(bytes), damage: null };
  } catch (error) {
    if (!(error instanceof CaptureError)) throw error;
    if (error.partial !== null) return { capture: error.partial, damage: error };
    throw new CaptureFileError(displayName(path), error);
  }
}

/** A capture that cannot be read at all, with the file's name in the message. */
class CaptureFileError extends Error {
  override readonly name = 'CaptureFileError';
  constructor(
    readonly file: string,
    readonly error: CaptureError,
  ) {
    super(`${file}: ${error.message}`);
  }
}

/** Returns the engine's batch runner: one call over many packets. */
function batchRunner(program: VerifiedProgram, engine: 'interp' | 'jit'): BatchRunner {
  if (engine === 'jit') return compile(program).runBatch;
  const interpreter = prepare(program);
  return (batch) => interpreter.runBatch(batch);
}

/**
 * Runs the filter over every packet (runBatch: one view over the capture, the loop inside the
 * engine); libpcap counts a packet when the filter returns non-zero. Large captures go in
 * chunks (subarrays of the same arrays, nothing copied) so the progress bar can move.
 */
function countMatches(capture: Capture, run: BatchRunner): number {
  const batch = captureBatch(capture);
  const progress = process.stderr.isTTY && capture.count >= PROGRESS_THRESHOLD ? new Progress(capture.count) : null;
  if (progress === null) return run(batch);
  let matched = 0;
  for (let from = 0; from < capture.count; from += CHUNK) {
    const to = Math.min(capture.count, from + CHUNK);
    matched += run({
      data: batch.data,
      offsets: batch.offsets.subarray(from, to),
      lengths: batch.lengths.subarray(from, to),
      wireLengths: batch.wireLengths.subarray(from, to),
      networkOffsets: batch.networkOffsets.subarray(from, to),
      linkOffsets: batch.linkOffsets.subarray(from, to),
      protocols: batch.protocols.subarray(from, to),
    });
    progress.update(to);
  }
  progress.done();
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
