/**
 * The oracle helpers themselves: every seccomp action and the socket delivery rule, observed on
 * the running kernel, must match the model that the differential tests compare engines against.
 */
import {
  BPF_A, BPF_ABS, BPF_B, BPF_H, BPF_K, BPF_LD, BPF_RET, BPF_W, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRACE, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF, stmt, jump, BPF_JMP, BPF_JEQ,
} from '@ea/bpf';
import { describe, expect, it } from 'vitest';
import {
  classifySeccomp, expectedDelivery, expectedSeccomp, ID_SYSCALLS, oracleUnavailable, runPacketSocketOracle,
  runSeccompOracle, runSocketOracle,
} from '../src/index.js';

const unavailable = oracleUnavailable();

describe.skipIf(unavailable !== null)(`kernel oracle${unavailable === null ? '' : ` (skipped: ${unavailable})`}`, () => {
  it('observes every seccomp action, its data and the ERRNO clamp', () => {
    const rets = [
      SECCOMP_RET_ERRNO | 5, SECCOMP_RET_ERRNO | 38, SECCOMP_RET_ERRNO | 0, SECCOMP_RET_ERRNO | 5000,
      SECCOMP_RET_TRAP | 0xbeef, SECCOMP_RET_KILL_THREAD | 7, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_USER_NOTIF,
      SECCOMP_RET_TRACE | 0x1234, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW | 0x8000, 0x7ffe0000, 0x00010000, 0xffff0000,
    ].map((r) => r >>> 0);
    const nrs = [1000, ID_SYSCALLS[0]!, 0xffffffff];
    const calls = nrs.map((nr) => ({ nr, args: [1n, 0xffffffffffffffffn, 3n] }));
    const observed = runSeccompOracle(rets.map((k) => ({ program: [stmt(BPF_RET | BPF_K, k)], calls })));
    rets.forEach((ret, i) => {
      nrs.forEach((nr, j) => {
        expect(classifySeccomp(observed[i]![j]!, nr), `ret 0x${ret.toString(16)} nr ${nr}`).toBe(expectedSeccomp(ret, nr));
      });
    });
    // The model itself is not vacuous: the classes differ.
    expect(new Set(rets.map((r) => expectedSeccomp(r, 1000))).size).toBeGreaterThanOrEqual(9);
  });

  it('seals calls: any number runs no syscall, every action but TRACE/LOG/ALLOW still shows, int $0x80 is i386', () => {
    const rets = [
      SECCOMP_RET_ERRNO | 5, SECCOMP_RET_ERRNO | 0, SECCOMP_RET_ERRNO | 1234, SECCOMP_RET_ERRNO | 5000, SECCOMP_RET_TRAP | 0xbeef,
      SECCOMP_RET_KILL_THREAD, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_USER_NOTIF, SECCOMP_RET_TRACE | 3, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW,
    ].map((r) => r >>> 0);
    // exit_group (231) and i386 exit (1) would end the worker if they ran; getpid shows no pid when sealed.
    const calls = [
      { nr: 231, args: [0n], sealed: true },
      { nr: ID_SYSCALLS[0]!, args: [], sealed: true },
      { nr: 1, args: [0n], abi: 'i386' as const },
    ];
    const observed = runSeccompOracle(rets.map((k) => ({ program: [stmt(BPF_RET | BPF_K, k)], calls })));
    rets.forEach((ret, i) => {
      calls.forEach((call, j) => {
        expect(classifySeccomp(observed[i]![j]!, call.nr), `ret 0x${ret.toString(16)} nr ${call.nr}`).toBe(expectedSeccomp(ret, call.nr, true));
      });
    });
    // The filter sees AUDIT_ARCH_I386 and the sixth argument (ebp) through int $0x80.
    const byArch = [
      stmt(BPF_LD | BPF_W | BPF_ABS, 4), jump(BPF_JMP | BPF_JEQ | BPF_K, 0x40000003, 0, 3),
      stmt(BPF_LD | BPF_W | BPF_ABS, 56), jump(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 1),
      stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 21), stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 22),
    ];
    const [seen] = runSeccompOracle([{ program: byArch, calls: [
      { nr: 20, args: [1n, 2n, 3n, 4n, 5n, 6n], abi: 'i386' },
      { nr: 20, args: [1n, 2n, 3n, 4n, 5n, 7n], abi: 'i386' },
      { nr: 39, args: [1n, 2n, 3n, 4n, 5n, 6n], sealed: true },
    ] }]);
    expect(seen!.map((o) => classifySeccomp(o, 20))).toEqual(['errno:21', 'errno:22', 'errno:22']);
  });

  it('keeps going after kills within one batch and reports refused filters', () => {
    const kill = [stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)];
    const calls = [0, 1, 2].map(() => ({ nr: 1001, args: [] }));
    const [killed, refused] = runSeccompOracle([
      { program: kill, calls },
      { program: [stmt(BPF_LD | BPF_B | BPF_ABS, 0), stmt(BPF_RET | BPF_A, 0)], calls: calls.slice(0, 1) },
    ]);
    expect(killed!.map((o) => o.kind)).toEqual(['kill_process', 'kill_process', 'kill_process']);
    expect(refused).toEqual([{ kind: 'install_error', errno: 22 }]);
  });

  it('reports delivered bytes of socket datagrams: min(ret, len), 0 drops, empty ones delivered', () => {
    const cases = [1, 3, 100, 0].map((k) => ({
      program: [stmt(BPF_RET | BPF_K, k)],
      packets: [new Uint8Array([1, 2, 3, 4, 5]), new Uint8Array(0)],
    }));
    const out = runSocketOracle(cases);
    cases.forEach((c, i) => {
      const k = c.program[0]!.k;
      expect(out[i]!.attachErrno).toBe(0);
      expect(out[i]!.delivered).toEqual(c.packets.map((p) => expectedDelivery(k, p.length)));
    });
    expect(runSocketOracle([{ program: [stmt(BPF_LD | BPF_B | BPF_ABS, 0)], packets: [new Uint8Array(1)] }])[0]!.attachErrno).toBe(22);
  });

  it('shows a raw packet socket on lo its device, the frame from the MAC header and eth_type_trans fields', () => {
    const frame = (dest: number[], type: number): Uint8Array =>
      Uint8Array.from([...dest, 0, 0, 0, 0, 0, 0, type >> 8, type & 0xff, 0x45, ...new Array(3000).fill(0)]);
    const zero = [0, 0, 0, 0, 0, 0];
    const load = (k: number) => [stmt(BPF_LD | BPF_W | BPF_ABS, k), stmt(BPF_RET | BPF_A, 0)];
    const { ifindex, outcomes } = runPacketSocketOracle([
      { program: load(0xfffff008), packets: [frame(zero, 0x0800)] }, // ifindex
      { program: load(0xfffff01c), packets: [frame(zero, 0x0800)] }, // hatype: ARPHRD_LOOPBACK
      { program: load(0xfffff000), packets: [frame(zero, 0x0800), frame(zero, 0x00ff)] }, // protocol, 802.2
      { program: load(0xfffff004), packets: [frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0x0800), frame([2, 0, 0, 0, 0, 1], 0x0800)] },
      { program: [stmt(BPF_LD | BPF_B | BPF_ABS, 0xfff00000), stmt(BPF_RET | BPF_A, 0)], packets: [frame(zero, 0x0800)] },
      { program: [stmt(BPF_LD | BPF_H | BPF_ABS, 0xffe0000c), stmt(BPF_RET | BPF_A, 0)], packets: [frame(zero, 0x0600)] },
    ]);
    expect(outcomes.map((o) => o.delivered)).toEqual([[ifindex], [772], [0x0800, 4], [2, 3], [0x45], [0x0600]]);
  });
});
