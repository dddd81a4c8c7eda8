/**
 * pcapng files (draft-ietf-opsawg-pcapng): a sequence of blocks, each
 * `type, total length, body, total length`, in the byte order its Section Header
 * Block announces. We read SHB, IDB (link type and timestamp resolution per
 * interface), EPB, SPB and the obsolete PB, and skip every other block type.
 */
import { type Capture, CaptureBuilder } from './capture.js';
import { CaptureError } from './errors.js';
import { isSupportedLinkType } from './linktype.js';
import { adjustSnapLength } from './pcap.js';

/** Identifies a Section Header Block (its block type). */
export const BLOCK_SHB = 0x0a0d0d0a;
/** Identifies an Interface Description Block (its block type). */
export const BLOCK_IDB = 0x00000001;
/** Identifies an obsolete Packet Block (its block type). */
export const BLOCK_PB = 0x00000002;
/** Identifies a Simple Packet Block (its block type). */
export const BLOCK_SPB = 0x00000003;
/** Identifies an Enhanced Packet Block (its block type). */
export const BLOCK_EPB = 0x00000006;
/** Tells the section's byte order (the SHB field that reads 0x1a2b3c4d in the right one). */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

interface Interface {
  readonly linkType: number;
  /** The IDB's snap length as libpcap reads it (adjustSnapLength: 0 means the maximum). */
  readonly snapLength: number;
  /** Timestamp units per second (10^6 unless if_tsresol says otherwise). */
  readonly unitsPerSecond: bigint;
  readonly offsetSeconds: bigint;
}

/** Tells whether the bytes start with a pcapng Section Header Block. */
export function isPcapng(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a;
}

/**
 * Reads a pcapng file as libpcap's sf-pcapng.c does; throws CaptureError naming the offset of
 * anything corrupt or truncated, carrying the packets read before it (`partial`) once an
 * interface was described (before that, libpcap fails to open the file). A packet whose
 * captured length exceeds its interface's snap length is corrupt (pcap_ng_next_packet).
 */
export function readPcapng(bytes: Uint8Array): Capture {
  const builder = new CaptureBuilder(bytes);
  const progress = { described: false };
  try {
    return readBlocks(bytes, builder, progress);
  } catch (error) {
    if (error instanceof CaptureError && progress.described) throw error.withPartial(builder.finish());
    throw error;
  }
}

function readBlocks(bytes: Uint8Array, builder: CaptureBuilder, progress: { described: boolean }): Capture {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let little = true;
  let interfaces: Interface[] = [];
  let off = 0;
  let sawSection = false;
  while (off < bytes.length) {
    if (off + 12 > bytes.length) {
      throw new CaptureError('TRUNCATED', `truncated block header: ${bytes.length - off} bytes left`, off);
    }
    const rawType = view.getUint32(off, little);
    if (rawType === BLOCK_SHB) {
      const magic = view.getUint32(off + 8, true);
      if (magic === BYTE_ORDER_MAGIC) little = true;
      else if (view.getUint32(off + 8, false) === BYTE_ORDER_MAGIC) little = false;
      else throw new CaptureError('BAD_MAGIC', `bad byte-order magic 0x${magic.toString(16)}`, off + 8);
      interfaces = [];
      sawSection = true;
    } else if (!sawSection) {
      throw new CaptureError('BAD_MAGIC', 'pcapng file does not start with a Section Header Block', off);
    }
    const type = view.getUint32(off, little);
    const total = view.getUint32(off + 4, little);
    if (total < 12 || total % 4 !== 0) {
      throw new CaptureError('BAD_LENGTH', `block length ${total} is not a multiple of 4 of at least 12`, off + 4);
    }
    if (off + total > bytes.length) {
      throw new CaptureError('TRUNCATED', `block of ${total} bytes, only ${bytes.length - off} left`, off);
    }
    const trailer = view.getUint32(off + total - 4, little);
    if (trailer !== total) {
      throw new CaptureError('BAD_LENGTH', `trailing block length ${trailer} differs from ${total}`, off + total - 4);
    }
    const body = off + 8;
    const bodyEnd = off + total - 4;
    switch (type) {
      case BLOCK_SHB: {
        need(bodyEnd - body, 16, body, 'section header');
        const major = view.getUint16(body + 4, little);
        if (major !== 1) throw new CaptureError('BAD_VERSION', `unsupported pcapng version ${major}`, body + 4);
        break;
      }
      case BLOCK_IDB:
        interfaces.push(readInterface(view, body, bodyEnd, little));
        progress.described = true;
        break;
      case BLOCK_EPB: {
        need(bodyEnd - body, 20, body, 'enhanced packet');
        const iface = lookup(interfaces, view.getUint32(body, little), body);
        const capLength = view.getUint32(body + 12, little);
        const wireLength = view.getUint32(body + 16, little);
        const dataAt = body + 20;
        checkCapLength(capLength, iface, bodyEnd - dataAt, body + 12);
        addPacket(builder, iface, dataAt, capLength, wireLength, view.getUint32(body + 4, little), view.getUint32(body + 8, little));
        break;
      }
      case BLOCK_PB: {
        need(bodyEnd - body, 20, body, 'packet');
        const iface = lookup(interfaces, view.getUint16(body, little), body);
        const capLength = view.getUint32(body + 12, little);
        const wireLength = view.getUint32(body + 16, little);
        const dataAt = body + 20;
        checkCapLength(capLength, iface, bodyEnd - dataAt, body + 12);
        addPacket(builder, iface, dataAt, capLength, wireLength, view.getUint32(body + 4, little), view.getUint32(body + 8, little));
        break;
      }
      case BLOCK_SPB: {
        need(bodyEnd - body, 4, body, 'simple packet');
        // An SPB belongs to interface 0; its captured length is implied by the snap length and the block size.
        const iface = lookup(interfaces, 0, off);
        const wireLength = view.getUint32(body, little);
        const dataAt = body + 4;
        // pcap_ng_next_packet: the captured length is min(len, snaplen), and the block must hold it.
        const capLength = Math.min(wireLength, iface.snapLength);
        checkCapLength(capLength, iface, bodyEnd - dataAt, body);
        builder.add(dataAt, capLength, wireLength, iface.linkType, 0, 0);
        break;
      }
      default:
        // Name resolution, statistics, decryption secrets, custom blocks: not needed to filter packets.
        break;
    }
    off += total;
  }
  if (!sawSection) throw new CaptureError('TOO_SHORT', 'empty pcapng file', 0);
  return builder.finish();
}

/**
 * Checks a packet's captured length in libpcap's order (pcap_ng_next_packet): above the
 * interface's snap length it is corrupt, then the block must hold that many bytes.
 */
function checkCapLength(capLength: number, iface: Interface, room: number, at: number): void {
  if (capLength > iface.snapLength) {
    throw new CaptureError('BAD_LENGTH', `captured length ${capLength} exceeds the interface's snap length ${iface.snapLength}`, at);
  }
  if (capLength > room) throw new CaptureError('BAD_LENGTH', `captured length ${capLength} exceeds the block`, at);
}

function need(have: number, want: number, at: number, what: string): void {
  if (have < want) throw new CaptureError('BAD_LENGTH', `${what} block body is ${have} bytes, needs ${want}`, at);
}

function lookup(interfaces: readonly Interface[], id: number, at: number): Interface {
  const iface = interfaces[id];
  if (iface === undefined) {
    throw new CaptureError('UNKNOWN_INTERFACE', `interface ${id} has no Interface Description Block`, at);
  }
  return iface;
}

function readInterface(view: DataView, body: number, bodyEnd: number, little: boolean): Interface {
  need(bodyEnd - body, 8, body, 'interface description');
  const linkType = view.getUint16(body, little);
  if (!isSupportedLinkType(linkType)) {
    throw new CaptureError('UNKNOWN_LINK_TYPE', `unsupported link type ${linkType}`, body);
  }
  const snapLength = adjustSnapLength(view.getUint32(body + 4, little));
  let unitsPerSecond = 1_000_000n;
  let offsetSeconds = 0n;
  let opt = body + 8;
  while (opt + 4 <= bodyEnd) {
    const code = view.getUint16(opt, little);
    const len = view.getUint16(opt + 2, little);
    if (code === OPT_ENDOFOPT) break;
    const value = opt + 4;
    if (value + len > bodyEnd) throw new CaptureError('BAD_LENGTH', `option ${code} of ${len} bytes overruns its block`, opt);
    if (code === OPT_IF_TSRESOL && len >= 1) {
      const r = view.getUint8(value);
      const exponent = BigInt(r & 0x7f);
      // MSB clear: 10^-r seconds; set: 2^-r. Exponents beyond what a u64 timestamp can use are corrupt.
      if ((r & 0x80) === 0 ? exponent > 19n : exponent > 63n) {
        throw new CaptureError('BAD_BLOCK', `if_tsresol ${r} is out of range`, value);
      }
      unitsPerSecond = (r & 0x80) === 0 ? 10n ** exponent : 1n << exponent;
    } else if (code === OPT_IF_TSOFFSET && len >= 8) {
      offsetSeconds = view.getBigInt64(value, little);
    }
    opt = value + ((len + 3) & ~3);
  }
  return { linkType, snapLength, unitsPerSecond, offsetSeconds };
}

function addPacket(
  builder: CaptureBuilder,
  iface: Interface,
  dataAt: number,
  capLength: number,
  wireLength: number,
  tsHigh: number,
  tsLow: number,
): void {
  const ts = (BigInt(tsHigh) << 32n) | BigInt(tsLow);
  const seconds = ts / iface.unitsPerSecond + iface.offsetSeconds;
  const nanos = ((ts % iface.unitsPerSecond) * 1_000_000_000n) / iface.unitsPerSecond;
  builder.add(dataAt, capLength, wireLength, iface.linkType, Number(seconds), Number(nanos));
}
