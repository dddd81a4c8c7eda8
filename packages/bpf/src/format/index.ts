/** The text formats of classic BPF: bpf_asm and tcpdump's -d/-dd/-ddd, with one read/write door. */
export { canonicalInsn, formatInsn, formatImm, formatOffset, type FormatOptions, insnParts, type InsnParts } from './print.js';
export { seccompActionName, seccompComment, seccompFieldName } from './seccomp.js';
export { disassemble } from './disasm.js';
export { assemble, MAX_TEXT_INSNS, MAX_TEXT_LENGTH } from './asm.js';
export { readTcpdumpD, readTcpdumpDd, readTcpdumpDdd, writeTcpdumpD, writeTcpdumpDd, writeTcpdumpDdd } from './tcpdump.js';
export {
  detectFormat, detectInput, type Detection, FORMATS, isProgramFormat, readProgram, writeProgram, type ProgramFormat, type ReadOptions,
} from './program.js';
