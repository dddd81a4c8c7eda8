/**
 * The browser bundle's entry: assemble, verify, compile and run a seccomp filter and a
 * socket filter with nothing but the bundled packages. The page calls `eaDemo()`; the test
 * compares its answer with the same computation done in Node.
 */
import { assemble } from '@ea/bpf';
import { packetContext, prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { verify } from '@ea/verifier';

/** A small allow-list: x86_64 only; getpid (39) allowed; openat (257) ERRNO(EACCES); else KILL. */
export const SECCOMP_SOURCE = `
  ld [4]
  jeq #0xc000003e, arch_ok, kill
arch_ok:
  ld [0]
  jeq #39, allow
  jeq #257, deny, kill
allow:
  ret #0x7fff0000
deny:
  ret #0x0005000d
kill:
  ret #0
`;

/** `udp dst port 53` over Ethernet/IPv4, as tcpdump would write it (simplified). */
export const SOCKET_SOURCE = `
  ldh [12]
  jneq #0x800, drop
  ldb [23]
  jneq #17, drop
  ldxb 4*([14]&0xf)
  ldh [x + 16]
  jneq #53, drop
  ret #0x40000
drop:
  ret #0
`;

export interface DemoResult {
  readonly accelerated: boolean;
  readonly reason: string | null;
  readonly seccomp: number[];
  readonly socket: number[];
  readonly interpreted: { readonly seccomp: number[]; readonly socket: number[] };
}

function seccompData(nr: number, arch: number): DataView {
  const view = new DataView(new ArrayBuffer(64));
  view.setUint32(0, nr, true);
  view.setUint32(4, arch, true);
  return view;
}

function udpFrame(dport: number): Uint8Array {
  const frame = new Uint8Array(14 + 20 + 8);
  frame[12] = 0x08; // EtherType IPv4
  frame[14] = 0x45; // version 4, IHL 5
  frame[23] = 17; // UDP
  frame[14 + 20 + 2] = dport >> 8;
  frame[14 + 20 + 3] = dport & 0xff;
  return frame;
}

/** Runs both filters through compile() (JIT where allowed) and through the interpreter. */
export function eaDemo(): DemoResult {
  const seccomp = verify(assemble(SECCOMP_SOURCE), { profile: 'seccomp' });
  const socket = verify(assemble(SOCKET_SOURCE), { profile: 'socket' });
  const calls = [
    [39, 0xc000003e],
    [257, 0xc000003e],
    [59, 0xc000003e],
    [39, 0x40000003],
  ] as const;
  const frames = [udpFrame(53), udpFrame(80), udpFrame(0x3500)];
  const compiledSeccomp = compile(seccomp);
  const compiledSocket = compile(socket);
  const seccompInterp = prepare(seccomp);
  const socketInterp = prepare(socket);
  return {
    accelerated: compiledSeccomp.accelerated && compiledSocket.accelerated,
    reason: compiledSeccomp.reason ?? null,
    seccomp: calls.map(([nr, arch]) => compiledSeccomp.run(seccompData(nr, arch))),
    socket: frames.map((f) => compiledSocket.run(packetContext(f))),
    interpreted: {
      seccomp: calls.map(([nr, arch]) => seccompInterp.run(seccompData(nr, arch))),
      socket: frames.map((f) => socketInterp.run(packetContext(f))),
    },
  };
}

/**
 * In a browser the bundle runs the demo as soon as it loads, from the page's own script, so the
 * page's Content-Security-Policy applies (code evaluated through DevTools is exempt from it).
 */
if (typeof document !== 'undefined') {
  const g = globalThis as { eaResult?: DemoResult | { error: string } };
  try {
    g.eaResult = eaDemo();
  } catch (error) {
    g.eaResult = { error: String(error) };
  }
}
