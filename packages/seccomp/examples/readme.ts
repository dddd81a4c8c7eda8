/** The README's example, kept runnable (and checked by test/readme.test.ts). */
import { AUDIT_ARCH_X86_64, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_TRAP } from '@ea/bpf';
import { ARCHES, callData, decodeAction, formatAction, runChain, writeSeccompData } from '@ea/seccomp';

const view = new DataView(new ArrayBuffer(64));
const call = callData('x86_64', 'openat', [0xffffff9c, 0x7ffd_1234_5000n, 0o2]);
writeSeccompData(view, call, ARCHES.x86_64.endian);

// Two stacked filters, as engines would supply them: the older allows, the newer refuses openat.
const older = () => SECCOMP_RET_ALLOW;
const newer = (v: DataView) => (v.getUint32(0, true) === 257 ? SECCOMP_RET_ERRNO | 13 : SECCOMP_RET_ALLOW);
const ret = runChain([older, newer], view, { arch: AUDIT_ARCH_X86_64, nr: call.nr });
console.log(formatAction(ret), decodeAction(ret)); // ERRNO(13) { action: 'errno', data: 13, ret: 327693 }
console.log(formatAction(runChain([() => SECCOMP_RET_TRAP], view, { arch: AUDIT_ARCH_X86_64, nr: 336 }))); // ALLOW
