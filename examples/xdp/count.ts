/**
 * The per-protocol count itself, with nothing but the workspace packages (no Node modules), so the
 * Node example (../xdp-count.ts) and the browser page (../browser/xdp-entry.ts) run the same code:
 * load the clang-built object, run its XDP program over every packet of a pcap/pcapng file in one
 * runCapture call (map state carries from packet to packet, as in the kernel), read the hash map.
 */
import { loadObject, ObjectRunner, XDP_ACTIONS } from '@ea/ebpf-object';
import { readCapture } from '@ea/pcap';

/** Is one row of the count: a protocol and its packets and bytes. */
export interface ProtocolRow {
  readonly key: number;
  readonly protocol: string;
  readonly packets: number;
  readonly bytes: number;
}

/** Is what counting a capture gives. */
export interface XdpCount {
  readonly packets: number;
  /** How many packets got each XDP action. */
  readonly actions: Readonly<Record<string, number>>;
  /** The map's rows, most packets first. */
  readonly rows: readonly ProtocolRow[];
}

const IP_PROTOCOLS: Readonly<Record<number, string>> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 58: 'ICMPv6', 132: 'SCTP' };
const ETHER_TYPES: ReadonlyMap<number, string> = new Map([[0x0806, 'ARP'], [0x8100, '802.1Q'], [0x88cc, 'LLDP'], [0x8035, 'RARP']]);

/** Names a key of xdp-count.c's map: IPv4 protocol, 0x100 | IPv6 next header, 0x10000 | EtherType. */
export function protocolName(key: number): string {
  if (key >= 0x10000) {
    const type = key & 0xffff;
    return ETHER_TYPES.get(type) ?? `EtherType 0x${type.toString(16).padStart(4, '0')}`;
  }
  const v6 = key >= 0x100;
  const proto = key & 0xff;
  return `${v6 ? 'IPv6' : 'IPv4'} ${IP_PROTOCOLS[proto] ?? `protocol ${proto}`}`;
}

/** Runs the object's first program over the capture and returns the per-protocol rows. */
export function countPerProtocol(object: Uint8Array, capture: Uint8Array, engine: 'jit' | 'interp' = 'jit'): XdpCount {
  const loaded = loadObject(object);
  const packets = readCapture(capture);
  const runner = new ObjectRunner(loaded, loaded.programs[0]!, { engine });
  const r0 = runner.runCapture(packets);
  const actions: Record<string, number> = {};
  for (const r of r0) {
    const name = XDP_ACTIONS[r] ?? `r0 ${r}`;
    actions[name] = (actions[name] ?? 0) + 1;
  }
  const map = loaded.maps.find((m) => m.def.name === 'by_protocol');
  if (map === undefined) throw new Error('the object has no by_protocol map');
  const rows = map.keys().map((k): ProtocolRow => {
    const key = new DataView(k.buffer, k.byteOffset, 4).getUint32(0, true);
    const v = new DataView(map.lookup(k)!.buffer);
    return { key, protocol: protocolName(key), packets: Number(v.getBigUint64(0, true)), bytes: Number(v.getBigUint64(8, true)) };
  });
  rows.sort((a, b) => b.packets - a.packets || a.key - b.key);
  return { packets: packets.count, actions, rows };
}
