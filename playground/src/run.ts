/**
 * The eBPF run view: packets (hex lines, or a dropped pcap/pcapng capture) through one program by
 * both engines, each with its own copy of the object (so its maps carry state from packet to
 * packet, as in the kernel, without one engine seeing the other's updates): r0 per packet, and
 * every map's and global section's contents after the last packet.
 */
import { conformanceHelpers, EbpfRunError, interpret, parseHex, toHex } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';
import { type BpfObject, findProgram, loadObject, ObjectRunner, XDP_ACTIONS } from '@ea/ebpf-object';
import { readCapture } from '@ea/pcap';
import type { Input, Progress, ShownError } from './analyze.js';
import { shownError } from './analyze.js';
import { checkedProgram, detectEbpf, type EbpfSource, inputBytes, readEbpf } from './ebpf.js';

/** Rows of packets shown at most (the summary counts all of them). */
export const MAX_RUN_ROWS = 200;
/** Packets a run takes at most. */
export const MAX_PACKETS = 100_000;

/** What one engine made of one packet: r0 in hex (and its XDP action), or the run error. */
export interface Outcome {
  readonly r0: string | null;
  readonly action: string | null;
  readonly error: string | null;
}

/** One map (or global data section) after the run, as each engine left it. */
export interface MapDump {
  readonly name: string;
  readonly type: string;
  /** key (hex) → value (hex), per engine; keys in the map's iteration order. */
  readonly interpreter: readonly (readonly [string, string])[];
  readonly jit: readonly (readonly [string, string])[];
}

/** The run, or the typed error that stopped it before the first packet. */
export type RunAnswer =
  | {
      readonly ok: true;
      readonly source: string;
      readonly total: number;
      readonly accelerated: boolean;
      readonly rows: readonly { readonly index: number; readonly length: number; readonly interpreter: Outcome; readonly jit: Outcome }[];
      /** How many packets both engines answered alike (r0, or the same error). */
      readonly agreed: number;
      readonly maps: readonly MapDump[];
      /** bpf_trace_printk lines of the interpreter's run (the first 100). */
      readonly printed: readonly string[];
    }
  | { readonly ok: false; readonly error: ShownError };

/** Reads hex lines (one packet each; `-` an empty one; `#` starts a comment); throws a RangeError naming the line. */
export function parsePackets(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const bytes = line === '-' ? new Uint8Array(0) : parseHex(line.replace(/\s+/g, ''));
    if (bytes === null) throw new RangeError(`packets, line ${i + 1}: a packet is hex bytes (or - for an empty one)`);
    out.push(bytes);
  });
  return out;
}

function packetsOf(text: string, capture: Uint8Array | null): Uint8Array[] {
  if (capture === null) return parsePackets(text);
  const c = readCapture(capture);
  return Array.from({ length: c.count }, (_, i) => c.data.subarray(c.offsets[i]!, c.offsets[i]! + c.capLengths[i]!));
}

type Engine = (packet: Uint8Array) => bigint;

function outcome(run: Engine, packet: Uint8Array, xdp: boolean): Outcome {
  try {
    const r0 = run(packet);
    return { r0: `0x${r0.toString(16)}`, action: xdp ? (XDP_ACTIONS[Number(r0)] ?? null) : null, error: null };
  } catch (error) {
    if (!(error instanceof EbpfRunError)) throw error;
    return { r0: null, action: null, error: `${error.reason}@${error.pc}` };
  }
}

function dump(object: BpfObject | null): { name: string; type: string; entries: [string, string][] }[] {
  if (object === null) return [];
  return [
    ...object.maps.map((m) => ({ name: m.def.name, type: m.typeName, entries: m.keys().map((k): [string, string] => [toHex(k), toHex(m.lookup(k) ?? new Uint8Array(0))]) })),
    ...object.globals.map((g) => ({ name: g.section, type: 'global', entries: [['00000000', toHex(g.bytes)] as [string, string]] })),
  ];
}

/** Runs packets through the input's program with both engines; never throws for bad input. */
export function runPackets(input: Input, source: EbpfSource | null, section: string, packetsText: string, capture: Uint8Array | null, progress: Progress = () => {}): RunAnswer {
  try {
    const kind = source ?? detectEbpf(input);
    if (kind === null) throw new RangeError('the run view takes an eBPF program or object (the Capture tab runs classic packet filters)');
    const packets = packetsOf(packetsText, capture);
    if (packets.length > MAX_PACKETS) throw new RangeError(`${packets.length} packets; the page runs at most ${MAX_PACKETS}`);
    const printed: string[] = [];
    let interp: Engine;
    let jit: Engine;
    let accelerated: boolean;
    let xdp = false;
    let objects: [BpfObject | null, BpfObject | null] = [null, null];
    if (kind === 'object') {
      // Two loads of the same bytes: each engine's maps and globals are its own.
      const a = loadObject(inputBytes(input));
      const b = loadObject(inputBytes(input));
      const name = section === '' ? undefined : section;
      const print = (line: string): void => {
        if (printed.length < 100) printed.push(line.replace(/\n$/, ''));
      };
      const ra = new ObjectRunner(a, findProgram(a, name), { engine: 'interp', print, now: () => 0n, random: () => 0 });
      const rb = new ObjectRunner(b, findProgram(b, name), { engine: 'jit', now: () => 0n, random: () => 0 });
      xdp = ra.context === 'xdp';
      interp = (p) => ra.run(p);
      jit = (p) => rb.run(p);
      accelerated = compile(ra.program).accelerated;
      objects = [a, b];
    } else {
      const read = readEbpf(input, kind, section);
      const program = checkedProgram(read);
      const helpers = conformanceHelpers();
      const compiled = compile(program, { helpers });
      interp = (p) => interpret(program, p, { helpers });
      jit = (p) => compiled.run(p);
      accelerated = compiled.accelerated;
    }
    const rows: { index: number; length: number; interpreter: Outcome; jit: Outcome }[] = [];
    let agreed = 0;
    packets.forEach((packet, index) => {
      if (index % 16384 === 0 && index > 0) progress(`packet ${index} of ${packets.length}`);
      // Each engine gets its own copy: a program may write its packet.
      const x = outcome(interp, packet.slice(), xdp);
      const y = outcome(jit, packet.slice(), xdp);
      if (x.r0 === y.r0 && x.error === y.error) agreed++;
      if (rows.length < MAX_RUN_ROWS) rows.push({ index, length: packet.length, interpreter: x, jit: y });
    });
    const [da, db] = [dump(objects[0]), dump(objects[1])];
    const maps = da.map((m, i) => ({ name: m.name, type: m.type, interpreter: m.entries, jit: db[i]!.entries }));
    const from = capture === null ? `${packets.length} hex packet${packets.length === 1 ? '' : 's'}` : `capture file (${capture.length} bytes)`;
    return { ok: true, source: from, total: packets.length, accelerated, rows, agreed, maps, printed };
  } catch (error) {
    return { ok: false, error: shownError(error) };
  }
}
