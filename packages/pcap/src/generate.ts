/**
 * A deterministic capture generator for tests and benchmarks: Ethernet frames
 * (some 802.1Q / 802.1ad tagged) carrying ARP, IPv4 (with options and fragments),
 * IPv6, TCP (HTTP `GET ` requests on port 80, traffic on 443 and 22), UDP (DNS
 * queries on port 53), ICMP and ICMPv6, plus truncated frames whose captured
 * length is below the wire length. Checksums are left zero: filters never read them.
 */
import type { Capture } from './capture.js';
import { CaptureBuilder } from './capture.js';
import { LINKTYPE_ETHERNET } from './linktype.js';
import { Random } from './random.js';

/** Options of generateCapture(). */
export interface GenerateOptions {
  /** Number of packets. */
  readonly count: number;
  /** PRNG seed; the same seed gives the same bytes. */
  readonly seed?: number;
}

const MACS = [
  [0x00, 0x11, 0x22, 0x33, 0x44, 0x55],
  [0x02, 0x42, 0xac, 0x11, 0x00, 0x02],
  [0x52, 0x54, 0x00, 0x12, 0x34, 0x56],
  [0x00, 0x1b, 0x21, 0x3c, 0x9d, 0xf8],
] as const;
const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] as const;
const V4 = [
  [10, 0, 0, 1],
  [10, 0, 0, 2],
  [10, 0, 0, 53],
  [192, 168, 1, 10],
  [192, 168, 1, 20],
  [172, 16, 5, 4],
  [8, 8, 8, 8],
  [224, 0, 0, 251],
  [255, 255, 255, 255],
] as const;
const V6_PREFIXES = [
  [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0],
  [0xfe, 0x80, 0, 0, 0, 0, 0, 0],
  [0xff, 0x02, 0, 0, 0, 0, 0, 0],
] as const;
const TCP_PORTS = [80, 80, 443, 443, 22, 8080, 25] as const;
const UDP_PORTS = [53, 53, 53, 123, 67, 5353, 443] as const;
const HTTP_PATHS = ['/', '/index.html', '/api/v1/items?id=42', '/static/app.js'] as const;
const DNS_NAMES = ['example.com', 'www.kernel.org', 'a.b.c.example.net', 'localhost'] as const;

/** Byte sink with big-endian writers, reused for every frame. */
class Frame {
  readonly buf = new Uint8Array(2048);
  len = 0;
  u8(v: number): void {
    this.buf[this.len++] = v & 0xff;
  }
  u16(v: number): void {
    this.u8(v >>> 8);
    this.u8(v);
  }
  u32(v: number): void {
    this.u16(v >>> 16);
    this.u16(v);
  }
  bytes(list: readonly number[]): void {
    for (const b of list) this.u8(b);
  }
  text(s: string): void {
    for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i));
  }
  fill(n: number, rnd: Random): void {
    for (let i = 0; i < n; i++) this.u8(rnd.u32());
  }
  setU16(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }
}

/** Generates `count` packets deterministically from `seed` as an in-memory Ethernet capture. */
export function generateCapture(options: GenerateOptions): Capture {
  const rnd = new Random(options.seed ?? 1);
  const frame = new Frame();
  let data = new Uint8Array(Math.max(1024, options.count * 160));
  let used = 0;
  const offsets: number[] = [];
  const lengths: number[] = [];
  const wires: number[] = [];
  for (let i = 0; i < options.count; i++) {
    frame.len = 0;
    writeFrame(frame, rnd);
    const wire = frame.len;
    let cap = wire;
    // About 4% of frames are truncated by a short snap length, a few to under the Ethernet header.
    if (rnd.chance(0.04)) cap = rnd.chance(0.2) ? rnd.below(14) : Math.min(wire, 20 + rnd.below(50));
    if (used + cap > data.length) {
      const next = new Uint8Array(data.length * 2 + cap);
      next.set(data.subarray(0, used));
      data = next;
    }
    data.set(frame.buf.subarray(0, cap), used);
    offsets.push(used);
    lengths.push(cap);
    wires.push(wire);
    used += cap;
  }
  const builder = new CaptureBuilder(data.subarray(0, used));
  let sec = 1_700_000_000;
  let nsec = 0;
  for (let i = 0; i < options.count; i++) {
    nsec += 1000 + rnd.below(2_000_000);
    sec += Math.floor(nsec / 1e9);
    nsec %= 1e9;
    builder.add(offsets[i]!, lengths[i]!, wires[i]!, LINKTYPE_ETHERNET, sec, nsec);
  }
  return builder.finish();
}

function writeFrame(f: Frame, rnd: Random): void {
  const kind = rnd.below(100);
  const isArp = kind < 7;
  f.bytes(isArp && rnd.chance(0.5) ? BROADCAST : rnd.pick(MACS));
  f.bytes(rnd.pick(MACS));
  // 12% single 802.1Q tag, 2% QinQ (802.1ad outer + 802.1Q inner).
  const tags = rnd.chance(0.12) ? 1 : rnd.chance(0.02) ? 2 : 0;
  if (tags === 2) {
    f.u16(0x88a8);
    f.u16(rnd.below(4096));
  }
  if (tags >= 1) {
    f.u16(0x8100);
    f.u16((rnd.below(8) << 13) | (1 + rnd.below(200)));
  }
  if (isArp) writeArp(f, rnd);
  else if (kind < 65) writeIpv4(f, rnd);
  else if (kind < 95) writeIpv6(f, rnd);
  else writeOther(f, rnd);
}

function writeOther(f: Frame, rnd: Random): void {
  // Other EtherTypes: LLDP, and a raw 802.3 length field.
  f.u16(rnd.chance(0.5) ? 0x88cc : 46);
  f.fill(46, rnd);
}

function writeArp(f: Frame, rnd: Random): void {
  f.u16(0x0806);
  f.u16(1);
  f.u16(0x0800);
  f.u8(6);
  f.u8(4);
  f.u16(rnd.chance(0.6) ? 1 : 2);
  f.bytes(rnd.pick(MACS));
  f.bytes(rnd.pick(V4));
  f.bytes(rnd.chance(0.5) ? [0, 0, 0, 0, 0, 0] : rnd.pick(MACS));
  f.bytes(rnd.pick(V4));
  f.fill(18, rnd); // padding to the 60-byte Ethernet minimum
}

function writeIpv4(f: Frame, rnd: Random): void {
  f.u16(0x0800);
  const start = f.len;
  const optionWords = rnd.chance(0.08) ? 1 + rnd.below(3) : 0;
  f.u8(0x40 | (5 + optionWords));
  f.u8(rnd.below(4) << 2);
  f.u16(0); // total length, patched below
  f.u16(rnd.u32() & 0xffff);
  // 6% fragments: first fragments (MF, offset 0) and later fragments (offset > 0).
  let fragOffset = 0;
  let more = false;
  if (rnd.chance(0.06)) {
    more = rnd.chance(0.5);
    fragOffset = more && rnd.chance(0.5) ? 0 : 1 + rnd.below(180);
  }
  f.u16((rnd.chance(0.3) ? 0x4000 : 0) | (more ? 0x2000 : 0) | fragOffset);
  f.u8(1 + rnd.below(128));
  const r = rnd.below(100);
  const proto = r < 52 ? 6 : r < 88 ? 17 : r < 97 ? 1 : 47;
  f.u8(proto);
  f.u16(0);
  f.bytes(rnd.pick(V4));
  f.bytes(rnd.pick(V4));
  for (let i = 0; i < optionWords; i++) f.bytes([1, 1, 1, 0]); // NOPs and EOL
  if (fragOffset > 0) f.fill(8 + rnd.below(64), rnd);
  else writeTransport(f, rnd, proto, false);
  f.setU16(start + 2, f.len - start);
}

function writeIpv6(f: Frame, rnd: Random): void {
  f.u16(0x86dd);
  f.u32(0x6000_0000 | (rnd.u32() & 0xfffff));
  const lengthAt = f.len;
  f.u16(0);
  const r = rnd.below(100);
  const proto = r < 45 ? 6 : r < 85 ? 17 : 58;
  f.u8(proto);
  f.u8(rnd.pick([1, 64, 255]));
  for (let a = 0; a < 2; a++) {
    f.bytes(rnd.pick(V6_PREFIXES));
    f.bytes([0, 0, 0, 0, 0, 0, 0, 1 + rnd.below(4)]);
  }
  const payloadStart = f.len;
  writeTransport(f, rnd, proto, true);
  f.setU16(lengthAt, f.len - payloadStart);
}

function writeTransport(f: Frame, rnd: Random, proto: number, v6: boolean): void {
  switch (proto) {
    case 6:
      writeTcp(f, rnd);
      return;
    case 17:
      writeUdp(f, rnd);
      return;
    case 1:
    case 58: {
      const types = v6 ? [128, 129, 135, 136, 1] : [8, 0, 3, 11];
      f.u8(rnd.pick(types));
      f.u8(0);
      f.u16(0);
      f.u32(rnd.u32());
      f.fill(rnd.below(56), rnd);
      return;
    }
    default:
      f.fill(4 + rnd.below(60), rnd);
  }
}

function ports(rnd: Random, known: readonly number[]): [number, number] {
  const service = rnd.chance(0.8) ? rnd.pick(known) : 1024 + rnd.below(60000);
  const ephemeral = 32768 + rnd.below(28000);
  return rnd.chance(0.6) ? [ephemeral, service] : [service, ephemeral];
}

function writeTcp(f: Frame, rnd: Random): void {
  const [sport, dport] = ports(rnd, TCP_PORTS);
  f.u16(sport);
  f.u16(dport);
  f.u32(rnd.u32());
  f.u32(rnd.u32());
  const optionWords = rnd.chance(0.4) ? 3 : rnd.chance(0.1) ? 10 : 0;
  f.u8((5 + optionWords) << 4);
  f.u8(rnd.pick([0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14]));
  f.u16(rnd.u32() & 0xffff);
  f.u32(0);
  for (let i = 0; i < optionWords; i++) f.bytes([1, 1, 1, 1]);
  if (dport === 80 && rnd.chance(0.6)) {
    const method = rnd.chance(0.85) ? 'GET ' : 'POST ';
    f.text(`${method}${rnd.pick(HTTP_PATHS)} HTTP/1.1\r\nHost: example.com\r\n\r\n`);
  } else if (rnd.chance(0.5)) {
    f.fill(rnd.below(400), rnd);
  }
}

function writeUdp(f: Frame, rnd: Random): void {
  const [sport, dport] = ports(rnd, UDP_PORTS);
  const start = f.len;
  f.u16(sport);
  f.u16(dport);
  f.u16(0);
  f.u16(0);
  if (dport === 53 || sport === 53) {
    f.u16(rnd.u32() & 0xffff);
    f.u16(dport === 53 ? 0x0100 : 0x8180);
    f.u16(1);
    f.u16(0);
    f.u32(0);
    for (const label of rnd.pick(DNS_NAMES).split('.')) {
      f.u8(label.length);
      f.text(label);
    }
    f.u8(0);
    f.u16(rnd.pick([1, 28, 15]));
    f.u16(1);
  } else {
    f.fill(rnd.below(300), rnd);
  }
  f.setU16(start + 4, f.len - start);
}
