/**
 * tcpdump filter expressions that exercise every feature of the generated capture;
 * the filter command's tcpdump cross-check and the packet benchmarks both use them.
 */

/** Lists tcpdump expressions from simple (`arp`) to payload matching and VLAN-stacked IPv6. */
export const SAMPLE_EXPRESSIONS: readonly string[] = [
  'arp',
  'tcp port 80',
  'ip',
  'ip6',
  'udp port 53',
  'host 10.0.0.1',
  'net 192.168.1.0/24',
  'tcp[tcpflags] & tcp-syn != 0',
  'icmp',
  'icmp6',
  'vlan',
  'vlan and ip6 and udp port 53',
  'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420',
  'ip[6:2] & 0x1fff != 0',
  'tcp portrange 20-25 or udp port 123',
  'ether broadcast',
  'greater 200',
  'less 64',
  'ip and (tcp dst port 443 or tcp dst port 22)',
  'not ip and not ip6 and not arp',
  'src host 192.168.1.10 and dst port 53',
  'ip6 and tcp port 443',
  'ip proto 47',
  'ether host 00:11:22:33:44:55',
  'port 80 or port 443 or port 22 or port 53',
  'ip multicast',
  'vlan and tcp port 80',
];
