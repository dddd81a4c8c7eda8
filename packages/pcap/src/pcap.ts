/**
 * Classic pcap files (libpcap's savefile format): a 24-byte file header whose magic
 * tells the byte order and whether timestamps are micro- or nanoseconds, then
 * 16-byte record headers each followed by the captured bytes.
 */
import { type Capture, CaptureBuilder } from './capture.js';
import { CaptureError, type CaptureErrorCode } from './errors.js';
import { isSupportedLinkType, LINKTYPE_MASK } from './linktype.js';

/** Marks a pcap file with microsecond timestamps (read in the writer's byte order). */
export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
/** Marks a pcap file with nanosecond timestamps. */
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
/** Sizes the pcap file header in bytes. */
export const PCAP_HEADER_SIZE = 24;
/** Sizes the per-packet record header in bytes. */
export const PCAP_RECORD_HEADER_SIZE = 16;
/**
 * libpcap's MAXIMUM_SNAPLEN, what max_snaplen_for_dlt gives every link type we read: records
 * claiming more captured bytes are corrupt, and a header snap length of 0 or above INT_MAX
 * stands for it.
 */
export const PCAP_MAX_CAPLEN = 262_144;
/** INT_MAX: libpcap keeps the snapshot length in an int. */
const INT_MAX = 0x7fff_ffff;

/**
 * Returns the snapshot length libpcap reads a file with (pcapint_adjust_snapshot in savefile.c):
 * the header's, unless it is 0 or above INT_MAX, which are bogus and give the link type's maximum.
 */
export function adjustSnapLength(snapLength: number): number {
  return snapLength === 0 || snapLength > INT_MAX ? PCAP_MAX_CAPLEN : snapLength;
}

/** Tells whether the bytes start with a pcap magic number in either byte order. */
export function isPcap(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = view.getUint32(0, true);
  const be = view.getUint32(0, false);
  return le === PCAP_MAGIC_MICRO || le === PCAP_MAGIC_NANO || be === PCAP_MAGIC_MICRO || be === PCAP_MAGIC_NANO;
}

/**
 * Reads a pcap file as libpcap's sf-pcap.c does; throws CaptureError naming the offset of
 * anything corrupt or truncated, carrying the packets read before it (`partial`). A record
 * longer than the header's snap length keeps only its first snap-length bytes, as
 * pcap_next_packet does (the rest is skipped, but must be in the file).
 */
export function readPcap(bytes: Uint8Array): Capture {
  if (bytes.length < PCAP_HEADER_SIZE) {
    throw new CaptureError('TOO_SHORT', `pcap file header needs ${PCAP_HEADER_SIZE} bytes, file has ${bytes.length}`, 0);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let little: boolean;
  let nano: boolean;
  const magicLe = view.getUint32(0, true);
  if (magicLe === PCAP_MAGIC_MICRO || magicLe === PCAP_MAGIC_NANO) {
    little = true;
    nano = magicLe === PCAP_MAGIC_NANO;
  } else {
    const magicBe = view.getUint32(0, false);
    if (magicBe !== PCAP_MAGIC_MICRO && magicBe !== PCAP_MAGIC_NANO) {
      throw new CaptureError('BAD_MAGIC', `not a pcap file (magic 0x${magicBe.toString(16).padStart(8, '0')})`, 0);
    }
    little = false;
    nano = magicBe === PCAP_MAGIC_NANO;
  }
  const major = view.getUint16(4, little);
  if (major !== 2) throw new CaptureError('BAD_VERSION', `unsupported pcap version ${major}`, 4);
  const linkType = view.getUint32(20, little) & LINKTYPE_MASK;
  if (!isSupportedLinkType(linkType)) {
    throw new CaptureError('UNKNOWN_LINK_TYPE', `unsupported link type ${linkType}`, 20);
  }
  const snapLength = adjustSnapLength(view.getUint32(16, little));
  const builder = new CaptureBuilder(bytes);
  // Damage after the file header: tcpdump counts the packets before it, so the error carries them.
  const damaged = (code: CaptureErrorCode, message: string, at: number): CaptureError =>
    new CaptureError(code, message, at, builder.finish());
  let off = PCAP_HEADER_SIZE;
  while (off < bytes.length) {
    if (off + PCAP_RECORD_HEADER_SIZE > bytes.length) {
      throw damaged('TRUNCATED', `truncated record header: ${bytes.length - off} of ${PCAP_RECORD_HEADER_SIZE} bytes`, off);
    }
    const sec = view.getUint32(off, little);
    const frac = view.getUint32(off + 4, little);
    const capLength = view.getUint32(off + 8, little);
    const wireLength = view.getUint32(off + 12, little);
    if (capLength > PCAP_MAX_CAPLEN) {
      throw damaged('TOO_LARGE', `record caplen ${capLength} exceeds ${PCAP_MAX_CAPLEN}`, off + 8);
    }
    const dataAt = off + PCAP_RECORD_HEADER_SIZE;
    if (dataAt + capLength > bytes.length) {
      throw damaged('TRUNCATED', `truncated record: caplen ${capLength}, only ${bytes.length - dataAt} bytes left`, dataAt);
    }
    // Longer than the snap length: libpcap hands out the first snapLength bytes (and BPF's buflen is that).
    const kept = Math.min(capLength, snapLength);
    builder.add(dataAt, kept, wireLength, linkType, sec, nano ? frac : frac * 1000);
    off = dataAt + capLength;
  }
  return builder.finish();
}
