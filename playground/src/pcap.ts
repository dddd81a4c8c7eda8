/**
 * The pcap view: a capture (pcap or pcapng, dropped in; or @ea/pcap's generated one) run through
 * the page's packet filter by both engines, counting the packets each accepts.
 */
import { prepare, packetContext } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { type Capture, generateCapture, packetAt, readCapture } from '@ea/pcap';
import { readProgram, type ProgramFormat } from '@ea/bpf';
import { verify } from '@ea/verifier';
import { type Input, type Progress, type Settings, type ShownError, shownError } from './analyze.js';

/** Packets and seed of the generated capture used when no file is given. */
export const GENERATED = { count: 400, seed: 2020 } as const;

/** How many packets each engine accepted, or the typed error. */
export type PcapAnswer =
  | { readonly ok: true; readonly source: string; readonly total: number; readonly interpreter: number; readonly jit: number; readonly accelerated: boolean; readonly first: readonly number[] }
  | { readonly ok: false; readonly error: ShownError };

/** Runs the input (a socket or libpcap filter) over a capture; never throws for bad input. */
export function countPcap(input: Input, settings: Settings, capture: Uint8Array | null, progress: Progress = () => {}): PcapAnswer {
  try {
    if (settings.profile !== 'socket' && settings.profile !== 'libpcap') {
      throw new RangeError(`a capture runs packet filters; choose the socket or libpcap profile (this input is verified as ${settings.profile})`);
    }
    const raw = 'text' in input ? input.text : input.bytes;
    const { insns } = readProgram(raw, settings.format === 'auto' || settings.format === 'profile' ? {} : { format: settings.format as ProgramFormat });
    const program = verify(insns, { profile: settings.profile });
    const cap: Capture = capture === null ? generateCapture(GENERATED) : readCapture(capture);
    const interp = prepare(program);
    const compiled = compile(program);
    let a = 0;
    let b = 0;
    const first: number[] = [];
    for (let i = 0; i < cap.count; i++) {
      if (i % 65536 === 0 && i > 0) progress(`packet ${i} of ${cap.count}`);
      const p = packetAt(cap, i);
      const ctx = packetContext(p.data, { wireLength: p.wireLength });
      if (interp.run(ctx) !== 0) {
        a++;
        if (first.length < 20) first.push(i);
      }
      if (compiled.run(ctx) !== 0) b++;
    }
    const source = capture === null ? `generated capture (${GENERATED.count} packets, seed ${GENERATED.seed})` : `capture file (${capture.length} bytes)`;
    return { ok: true, source, total: cap.count, interpreter: a, jit: b, accelerated: compiled.accelerated, first };
  } catch (error) {
    return { ok: false, error: shownError(error) };
  }
}
