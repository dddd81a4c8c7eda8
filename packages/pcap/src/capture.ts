/**
 * The in-memory capture: every packet's captured bytes in one buffer plus typed
 * arrays of offsets and lengths, so the hot path of a filter benchmark or of
 * `ea-bpf filter` walks packets without allocating anything per packet.
 */

/** A capture held as parallel arrays; packet i is data[offsets[i] .. offsets[i] + capLengths[i]). */
export interface Capture {
  /** Number of packets. */
  readonly count: number;
  /** Holds the captured bytes (for a file read from disk: the file itself). */
  readonly data: Uint8Array;
  readonly offsets: Int32Array;
  /** Bytes captured (caplen); never more than wireLengths[i] is not guaranteed (files may lie). */
  readonly capLengths: Int32Array;
  /** Length of the packet on the wire (the original length, what BPF's `len` is). */
  readonly wireLengths: Uint32Array;
  /** LINKTYPE_* per packet (pcapng interfaces may differ). */
  readonly linkTypes: Uint16Array;
  /** Whole seconds since the epoch. */
  readonly seconds: Float64Array;
  /** Nanoseconds within the second. */
  readonly nanoseconds: Uint32Array;
}

/** A packet as an object, for callers that do not need the allocation-free path. */
export interface Packet {
  /** Holds the captured bytes (a view into the capture's buffer). */
  readonly data: Uint8Array;
  readonly wireLength: number;
  readonly linkType: number;
  readonly timestamp: { readonly seconds: number; readonly nanoseconds: number };
}

/** Returns packet i of a capture as an object (allocates a view). */
export function packetAt(capture: Capture, i: number): Packet {
  const off = capture.offsets[i]!;
  return {
    data: capture.data.subarray(off, off + capture.capLengths[i]!),
    wireLength: capture.wireLengths[i]!,
    linkType: capture.linkTypes[i]!,
    timestamp: { seconds: capture.seconds[i]!, nanoseconds: capture.nanoseconds[i]! },
  };
}

/** Iterates the packets of a capture as objects. */
export function* packets(capture: Capture): Generator<Packet> {
  for (let i = 0; i < capture.count; i++) yield packetAt(capture, i);
}

/** A per-packet callback for `forEachPacket`: the capture's buffer, where the packet starts and its lengths. */
export type PacketVisitor = (
  data: Uint8Array,
  offset: number,
  capLength: number,
  wireLength: number,
  linkType: number,
  index: number,
) => void;

/** Calls `visit` for every packet without creating any per-packet object. */
export function forEachPacket(capture: Capture, visit: PacketVisitor): void {
  const { data, offsets, capLengths, wireLengths, linkTypes } = capture;
  for (let i = 0; i < capture.count; i++) {
    visit(data, offsets[i]!, capLengths[i]!, wireLengths[i]!, linkTypes[i]!, i);
  }
}

/**
 * Collects packets into a Capture, growing typed arrays geometrically so that
 * readers do one pass over the file and keep no per-packet objects.
 */
export class CaptureBuilder {
  private n = 0;
  private cap = 0;
  private offsets = new Int32Array(0);
  private capLengths = new Int32Array(0);
  private wireLengths = new Uint32Array(0);
  private linkTypes = new Uint16Array(0);
  private seconds = new Float64Array(0);
  private nanoseconds = new Uint32Array(0);

  constructor(private readonly data: Uint8Array) {}

  /** Appends a packet whose bytes are already in `data` at `offset`. */
  add(offset: number, capLength: number, wireLength: number, linkType: number, seconds: number, nanos: number): void {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.offsets[i] = offset;
    this.capLengths[i] = capLength;
    this.wireLengths[i] = wireLength;
    this.linkTypes[i] = linkType;
    this.seconds[i] = seconds;
    this.nanoseconds[i] = nanos;
  }

  /** Returns the finished capture (trimmed views of the grown arrays). */
  finish(): Capture {
    const n = this.n;
    return {
      count: n,
      data: this.data,
      offsets: this.offsets.subarray(0, n),
      capLengths: this.capLengths.subarray(0, n),
      wireLengths: this.wireLengths.subarray(0, n),
      linkTypes: this.linkTypes.subarray(0, n),
      seconds: this.seconds.subarray(0, n),
      nanoseconds: this.nanoseconds.subarray(0, n),
    };
  }

  private grow(): void {
    const cap = Math.max(64, this.cap * 2);
    const grow = <T extends Int32Array | Uint32Array | Uint16Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const next = make(cap);
      next.set(old as never);
      return next;
    };
    this.offsets = grow(this.offsets, (k) => new Int32Array(k));
    this.capLengths = grow(this.capLengths, (k) => new Int32Array(k));
    this.wireLengths = grow(this.wireLengths, (k) => new Uint32Array(k));
    this.linkTypes = grow(this.linkTypes, (k) => new Uint16Array(k));
    this.seconds = grow(this.seconds, (k) => new Float64Array(k));
    this.nanoseconds = grow(this.nanoseconds, (k) => new Uint32Array(k));
    this.cap = cap;
  }
}
