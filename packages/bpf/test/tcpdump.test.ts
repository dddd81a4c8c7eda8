/**
 * tcpdump (libpcap) as a second implementation of the text formats: for each filter expression,
 * the program tcpdump prints with -ddd must survive our disassembler and assembler byte for byte,
 * our -dd/-ddd writers must print exactly what tcpdump prints, and tcpdump's -d listing must read
 * back to the same program (tcpdump drops junk in unused fields, so -d is compared canonically).
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { assemble, canonicalInsn, disassemble, encodeProgram, readProgram, writeProgram, type SockFilter } from '../src/index.js';

const probe = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });
const missing = probe.error !== undefined ? 'tcpdump is not installed' : undefined;

const EXPRESSIONS = [
  'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'icmp', 'icmp6', 'vlan', 'mpls', 'pppoed', 'pppoes',
  'host 10.0.0.1', 'src host 192.168.1.1', 'dst net 10.0.0.0/8', 'net 172.16.0.0 mask 255.240.0.0',
  'ether host 01:02:03:04:05:06', 'ether src aa:bb:cc:dd:ee:ff', 'ether broadcast', 'ether multicast',
  'ip broadcast', 'ip multicast', 'port 53', 'tcp port 80', 'udp dst port 123', 'portrange 1000-2000',
  'tcp src portrange 1-1023', 'ip and tcp port 80', 'ip6 and tcp port 443', 'host ::1', 'net fe80::/10',
  'ip proto 47', 'ip6 proto 58', 'ip6 protochain 6', 'ip protochain 17', 'less 100', 'greater 1500',
  'len <= 100', 'len >= 64 and len < 128', 'ip[0] & 0xf != 5', 'ip[2:2] > 576', 'ip[6:2] & 0x1fff = 0',
  'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn', 'tcp[13] & 2 != 0', 'icmp[icmptype] == icmp-echo',
  'udp[8:4] = 0xdeadbeef', 'ip[0] + ip[1] = 0', 'ip[1] * 2 / 3 = 1', 'ip[1] % 3 = 1', 'ip[1] ^ 0x55 = 1',
  'ip[1] >> 2 << 1 = 3 - ip[2]', 'ether[0] & 1 = 0', 'ether proto 0x88cc', 'vlan 100 and ip',
  'vlan and vlan', 'inbound', 'outbound', 'ifindex 3', 'not ip and not arp', 'tcp or udp or icmp',
  '(tcp port 22 or tcp port 23) and not host 10.1.1.1', 'ip and ip[8] < 5', 'ip6[6] = 17',
  'decnet host 10.15', 'stp', 'llc', 'iso', 'atalk', 'ipx', 'netbeui', 'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420',
];

const run = promisify(execFile);

/** Compiles every expression in all three formats, a few tcpdump processes at a time. */
async function compileAll(): Promise<Map<string, { d: string; dd: string; ddd: string }>> {
  const out = new Map<string, { d: string; dd: string; ddd: string }>();
  const queue = [...EXPRESSIONS];
  const dump = async (flag: string, expr: string): Promise<string> =>
    (await run('tcpdump', [flag, '-y', 'EN10MB', expr], { encoding: 'utf8' })).stdout;
  const worker = async (): Promise<void> => {
    for (let expr = queue.shift(); expr !== undefined; expr = queue.shift()) {
      const [d, dd, ddd] = await Promise.all([dump('-d', expr), dump('-dd', expr), dump('-ddd', expr)]);
      out.set(expr, { d, dd, ddd });
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return out;
}

const bytes = (p: readonly SockFilter[]): number[] => [...encodeProgram(p)];

describe.skipIf(missing !== undefined)(`tcpdump round trips${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let compiled = new Map<string, { d: string; dd: string; ddd: string }>();
  beforeAll(async () => {
    compiled = await compileAll();
  });

  it('has at least 50 expressions', () => {
    expect(EXPRESSIONS.length).toBeGreaterThanOrEqual(50);
  });

  it.each(EXPRESSIONS)('%s', (expr) => {
    const { d, dd, ddd } = compiled.get(expr)!;
    const fromDdd = readProgram(ddd);
    expect(fromDdd.format).toBe('ddd');
    const program = fromDdd.insns;
    expect(program.length).toBeGreaterThan(0);
    // bpf_asm text round trip, byte for byte.
    expect(bytes(assemble(disassemble(program)))).toEqual(bytes(program));
    // Our -dd and -ddd writers print what tcpdump prints; reading tcpdump's -dd gives the same program.
    expect(writeProgram(program, 'ddd')).toBe(ddd);
    expect(writeProgram(program, 'dd')).toBe(dd);
    const fromDd = readProgram(dd);
    expect(fromDd.format).toBe('dd');
    expect(bytes(fromDd.insns)).toEqual(bytes(program));
    // -d: tcpdump's listing reads back to the canonical program, and we print it identically.
    const canonical = program.map(canonicalInsn);
    const fromD = readProgram(d);
    expect(fromD.format).toBe('d');
    expect(bytes(fromD.insns)).toEqual(bytes(canonical));
    expect(writeProgram(canonical, 'd')).toBe(d);
  });
});
