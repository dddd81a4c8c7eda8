/** Test helpers: assemble bpf_asm text, verify it for a profile, and build inputs. */
import { assemble } from '@ea/bpf';
import { type Profile, type VerifiedProgram, verify } from '@ea/verifier';
import { type PacketContext, packetContext, prepare } from '../../src/index.js';

/** Assembles and verifies `text` (lines of bpf_asm) for `profile`. */
export function program(profile: Profile, text: string): VerifiedProgram {
  return verify(assemble(text), { profile });
}

/** Builds a little-endian seccomp_data: nr, arch, ip, args (as bigint or number). */
export function seccompData(nr: number, args: readonly (number | bigint)[] = [], arch = 0xc000003e, ip = 0n): DataView {
  const view = new DataView(new ArrayBuffer(64));
  view.setUint32(0, nr >>> 0, true);
  view.setUint32(4, arch >>> 0, true);
  view.setBigUint64(8, BigInt(ip), true);
  args.forEach((a, i) => {
    view.setBigUint64(16 + 8 * i, BigInt.asUintN(64, BigInt(a)), true);
  });
  return view;
}

/** Runs a seccomp program (given as text) over seccomp_data. */
export function runSeccomp(text: string, data: DataView = seccompData(0)): number {
  return prepare(program('seccomp', text)).runSeccomp(data);
}

/** Runs a socket program (given as text) over packet bytes with optional context fields. */
export function runSocket(text: string, bytes: readonly number[] = [], fields: Omit<PacketContext, 'data'> = {}): number {
  return prepare(program('socket', text)).runPacket(packetContext(Uint8Array.from(bytes), fields));
}
