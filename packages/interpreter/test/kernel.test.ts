/**
 * The kernel differential: random programs the kernel accepts, run on the running kernel (through
 * @ea/oracle's C helpers) and on the interpreter over the same inputs; every result must agree.
 * A mutation test shows the harness catches a one-bit error. Counts scale up with EA_FUZZ=1.
 */
import { disassemble, type Insn } from '@ea/bpf';
import {
  classifySeccomp, expectedDelivery, expectedSeccomp, oracleUnavailable, runPacketSocketOracle, runSeccompOracle,
  runSocketOracle, type SeccompCall, type SocketOutcome,
} from '@ea/oracle';
import { type Profile, type VerifiedProgram, verify } from '@ea/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Interpreter, type PacketContext, packetContext, prepare } from '../src/index.js';
import { OPS } from '../src/decode.js';
import { ANC, ANC_PACKET, callArb, frameArb, framesArb, type GenProfile, loadPrefixes, packetArb, programArb, readout } from '@ea/testkit';
import { seccompData } from './support/run.js';

const unavailable = oracleUnavailable();
const FUZZ = process.env['EA_FUZZ'] !== undefined && process.env['EA_FUZZ'] !== '0';
const SEED = Number(process.env['EA_SEED'] ?? Date.now() % 0x7fffffff);
const SECCOMP_PROGRAMS = FUZZ ? 2000 : 260;
const SOCKET_PROGRAMS = FUZZ ? 4000 : 400;
const PACKET_PROGRAMS = FUZZ ? 2000 : 150;
const PER_PROGRAM = 8;
/** The kernel runs are slow under EA_FUZZ (a fork per program): allow them the time. */
const TIMEOUT = FUZZ ? 3_600_000 : 300_000;

/**
 * Verifies a generated program. The kernel accepted it, so a refusal is a verifier bug: it is
 * remembered (and fails the test) and the program is skipped.
 */
function toVerified(profile: Profile, insns: Insn[], refused: string[]): VerifiedProgram | null {
  try {
    return verify(insns, { profile });
  } catch (error) {
    refused.push(`${(error as Error).message}\n${disassemble(insns)}`);
    return null;
  }
}

/** An engine under test: the interpreter, or a deliberately broken variant of it. */
type Engine = (p: VerifiedProgram) => Pick<Interpreter, 'runSeccomp' | 'runPacket'>;

interface SeccompCase {
  readonly insns: Insn[];
  readonly calls: SeccompCall[];
}

function seccompCases(count: number, seed: number): SeccompCase[] {
  const arb = fc.record({
    insns: programArb('seccomp'),
    calls: fc.array(callArb, { minLength: PER_PROGRAM, maxLength: PER_PROGRAM }),
  });
  return fc.sample(arb, { numRuns: count, seed });
}

/** Runs cases on the kernel and through `engine`; returns a description of each disagreement. */
function seccompDisagreements(cases: SeccompCase[], engine: Engine, refused: string[]): string[] {
  const observed = runSeccompOracle(cases.map((c) => ({ program: c.insns, calls: c.calls })));
  const bad: string[] = [];
  cases.forEach((c, i) => {
    const program = toVerified('seccomp', c.insns, refused);
    if (program === null) return;
    const run = engine(program);
    c.calls.forEach((call, j) => {
      const ret = run.runSeccomp(seccompData(call.nr, call.args));
      const want = classifySeccomp(observed[i]![j]!, call.nr);
      const got = expectedSeccomp(ret, call.nr);
      if (want !== got) {
        bad.push(
          `kernel ${want}, interpreter ${got} (ret 0x${ret.toString(16)}) for nr 0x${call.nr.toString(16)} args ` +
            `[${call.args.map((a) => `0x${a.toString(16)}`).join(', ')}]\n${disassemble(c.insns)}`,
        );
      }
    });
  });
  return bad;
}

interface SocketCase {
  readonly insns: Insn[];
  readonly packets: Uint8Array[];
}

/** Every single-load readout program over the same packets (frames of at least 32 bytes). */
function readoutCases(profile: 'socket' | 'packet', seed: number): SocketCase[] {
  const big = profile === 'packet' ? framesArb(18) : fc.uint8Array({ minLength: 32, maxLength: 80 });
  const packets = fc.sample(big, { numRuns: PER_PROGRAM, seed });
  return loadPrefixes(profile === 'packet' ? ANC_PACKET : ANC)
    .flatMap(readout)
    .map((insns) => ({ insns, packets }));
}

function socketCases(count: number, seed: number, profile: GenProfile = 'socket'): SocketCase[] {
  const arb = fc.record({
    insns: programArb(profile),
    packets: fc.array(profile === 'packet' ? frameArb : packetArb, { minLength: PER_PROGRAM, maxLength: PER_PROGRAM }),
  });
  return fc.sample(arb, { numRuns: count, seed });
}

/** AF_UNIX datagrams: the PacketContext defaults describe them. */
function unixContext(p: Uint8Array): PacketContext {
  return packetContext(p);
}

/**
 * What a raw packet socket on lo sees (observed): the frame from its MAC header, the network header
 * at 14, lo's ifindex and ARPHRD_LOOPBACK, and eth_type_trans's protocol and packet type. lo has no
 * broadcast address, so ff:ff:ff:ff:ff:ff counts as multicast.
 */
function loopbackContext(ifindex: number): (p: Uint8Array) => PacketContext {
  return (p) => {
    const type = (p[12]! << 8) | p[13]!;
    const zero = p.subarray(0, 6).every((b) => b === 0);
    const pktType = (p[0]! & 1) === 1 ? 2 : zero ? 0 : 3;
    const protocol = type >= 0x600 ? type : p[14] === 0xff && p[15] === 0xff ? 1 : 4;
    return packetContext(p, { networkOffset: 14, linkOffset: 0, ifindex, hatype: 772, protocol, pktType });
  };
}

function socketDisagreements(
  cases: SocketCase[],
  engine: Engine,
  refused: string[],
  kernel: (c: SocketCase[]) => { outcomes: SocketOutcome[]; context: (p: Uint8Array) => PacketContext } = (c) => ({
    outcomes: runSocketOracle(c.map((x) => ({ program: x.insns, packets: x.packets }))),
    context: unixContext,
  }),
): string[] {
  const { outcomes, context } = kernel(cases);
  const bad: string[] = [];
  cases.forEach((c, i) => {
    const outcome = outcomes[i]!;
    if (outcome.attachErrno !== 0) {
      bad.push(`kernel refused the program (errno ${outcome.attachErrno})\n${disassemble(c.insns)}`);
      return;
    }
    const program = toVerified('socket', c.insns, refused);
    if (program === null) return;
    const run = engine(program);
    c.packets.forEach((p, j) => {
      const ret = run.runPacket(context(p));
      const want = outcome.delivered[j]!;
      const got = expectedDelivery(ret, p.length);
      if (want !== got) {
        bad.push(
          `kernel delivered ${want}, interpreter ${got} (ret ${ret}) for packet ${Buffer.from(p).toString('hex') || '(empty)'}\n` +
            disassemble(c.insns),
        );
      }
    });
  });
  return bad;
}

/** Reports the first few disagreements with the seed that reproduces them. */
function report(bad: string[], seed: number): string {
  return `${bad.length} disagreements (EA_SEED=${seed}); first:\n${bad.slice(0, 3).join('\n---\n')}`;
}

const title = (what: string): string => (unavailable === null ? what : `${what} (skipped: ${unavailable})`);

describe.skipIf(unavailable !== null)(title('kernel differential'), () => {
  it(`seccomp: ${SECCOMP_PROGRAMS} programs x ${PER_PROGRAM} calls agree with the kernel`, () => {
    const refused: string[] = [];
    const cases = seccompCases(SECCOMP_PROGRAMS, SEED);
    const bad = seccompDisagreements(cases, (p) => prepare(p), refused);
    expect(bad, report(bad, SEED)).toEqual([]);
    expect(refused, `verifier refused kernel-accepted programs:\n${refused.slice(0, 3).join('\n')}`).toEqual([]);
  }, TIMEOUT);

  it(`socket: ${SOCKET_PROGRAMS} programs x ${PER_PROGRAM} packets, and every load read out bit by bit, agree with the kernel`, () => {
    const refused: string[] = [];
    const cases = [...socketCases(SOCKET_PROGRAMS, SEED), ...readoutCases('socket', SEED)];
    const bad = socketDisagreements(cases, (p) => prepare(p), refused);
    expect(bad, report(bad, SEED)).toEqual([]);
    expect(refused, `verifier refused kernel-accepted programs:\n${refused.slice(0, 3).join('\n')}`).toEqual([]);
  }, TIMEOUT);
});

describe.skipIf(unavailable !== null)(title('kernel differential, AF_PACKET on lo'), () => {
  it(`packet socket: ${PACKET_PROGRAMS} programs x ${PER_PROGRAM} frames, and every load read out bit by bit, agree with the kernel`, () => {
    const refused: string[] = [];
    const cases = [...socketCases(PACKET_PROGRAMS, SEED, 'packet'), ...readoutCases('packet', SEED)];
    const bad = socketDisagreements(cases, (p) => prepare(p), refused, (c) => {
      const { ifindex, outcomes } = runPacketSocketOracle(c.map((x) => ({ program: x.insns, packets: x.packets })));
      return { outcomes, context: loopbackContext(ifindex) };
    });
    expect(bad, report(bad, SEED)).toEqual([]);
    expect(refused, `verifier refused kernel-accepted programs:\n${refused.slice(0, 3).join('\n')}`).toEqual([]);
  }, TIMEOUT);
});

describe.skipIf(unavailable !== null)(title('kernel differential catches one-bit errors'), () => {
  it('finds an engine whose JGE compares like JGT (opcode 0x35 vs 0x25)', () => {
    const mutant: Engine = (p) => {
      const run = prepare(p);
      // The run loop reads `code` (decode.ts, layOut): four int32 per instruction, the operation first.
      for (let at = 0; at < run.code.length; at += 4) if (run.code[at] === OPS.JGE_K) run.code[at] = OPS.JGT_K;
      return run;
    };
    const bad = seccompDisagreements(seccompCases(80, 7), mutant, []);
    expect(bad.length).toBeGreaterThan(0);
  });

  it('finds an engine whose packet bounds check is off by one', () => {
    const mutant: Engine = (p) => {
      const run = prepare(p);
      return {
        runSeccomp: (view) => run.runSeccomp(view),
        runPacket: (ctx) => {
          const len = ctx.data.byteLength;
          const short = new DataView(ctx.data.buffer, ctx.data.byteOffset, Math.max(0, len - 1));
          return run.runPacket({ ...ctx, data: short, wireLength: len });
        },
      };
    };
    const bad = socketDisagreements(socketCases(80, 7), mutant, []);
    expect(bad.length).toBeGreaterThan(0);
  });

  it('finds a loopback model whose packet type ignores multicast', () => {
    const cases = readoutCases('packet', 7);
    const bad = socketDisagreements(cases, (p) => prepare(p), [], (c) => {
      const { ifindex, outcomes } = runPacketSocketOracle(c.map((x) => ({ program: x.insns, packets: x.packets })));
      const model = loopbackContext(ifindex);
      return { outcomes, context: (p) => ({ ...model(p), pktType: p.subarray(0, 6).every((b) => b === 0) ? 0 : 3 }) };
    });
    expect(bad.length).toBeGreaterThan(0);
  });
});
