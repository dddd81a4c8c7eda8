/**
 * Link-layer header types (the LINKTYPE_* values of pcap and pcapng files) that
 * the readers accept, and where the network header starts for each, which is what
 * a socket filter's SKF_NET_OFF and the generic `networkOffset` of a packet need.
 */

export const LINKTYPE_NULL = 0;
/** Identifies IEEE 802.3 Ethernet (DLT_EN10MB). */
export const LINKTYPE_ETHERNET = 1;
/** Identifies raw IPv4 or IPv6, no link header. */
export const LINKTYPE_RAW = 101;
/** Identifies OpenBSD loopback: a 4-byte address family in network order. */
export const LINKTYPE_LOOP = 108;
/** Identifies Linux cooked capture v1 (16-byte header). */
export const LINKTYPE_LINUX_SLL = 113;
/** Identifies raw IPv4. */
export const LINKTYPE_IPV4 = 228;
/** Identifies raw IPv6. */
export const LINKTYPE_IPV6 = 229;
/** Identifies Linux cooked capture v2 (20-byte header). */
export const LINKTYPE_LINUX_SLL2 = 276;

/** libpcap's LINKTYPE_MASK: the upper bits of the pcap header's field carry FCS info. */
export const LINKTYPE_MASK = 0x03ff_ffff;

const NAMES: ReadonlyMap<number, string> = new Map([
  [LINKTYPE_NULL, 'NULL'],
  [LINKTYPE_ETHERNET, 'EN10MB'],
  [LINKTYPE_RAW, 'RAW'],
  [LINKTYPE_LOOP, 'LOOP'],
  [LINKTYPE_LINUX_SLL, 'LINUX_SLL'],
  [LINKTYPE_IPV4, 'IPV4'],
  [LINKTYPE_IPV6, 'IPV6'],
  [LINKTYPE_LINUX_SLL2, 'LINUX_SLL2'],
]);

/** Returns the libpcap DLT name of a supported link type, or undefined when unsupported. */
export function linkTypeName(linkType: number): string | undefined {
  return NAMES.get(linkType);
}

/** Tells whether the readers accept this link type. */
export function isSupportedLinkType(linkType: number): boolean {
  return NAMES.has(linkType);
}

const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;

/**
 * Returns the offset of the network-layer header in a frame of this link type
 * (after 802.1Q/802.1ad tags for Ethernet), clamped to the captured length.
 */
export function networkOffset(linkType: number, data: Uint8Array, start = 0, length = data.length - start): number {
  let off: number;
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      off = 14;
      // Skip stacked VLAN tags: each is 4 bytes, and the EtherType after it says whether another follows.
      let typeAt = 12;
      while (typeAt + 2 <= length) {
        const t = (data[start + typeAt]! << 8) | data[start + typeAt + 1]!;
        if (t !== ETHERTYPE_VLAN && t !== ETHERTYPE_QINQ && t !== ETHERTYPE_QINQ_OLD) break;
        typeAt += 4;
        off += 4;
      }
      break;
    }
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      off = 4;
      break;
    case LINKTYPE_LINUX_SLL:
      off = 16;
      break;
    case LINKTYPE_LINUX_SLL2:
      off = 20;
      break;
    default:
      off = 0;
  }
  return Math.min(off, length);
}
