/** The text formats of classic BPF: bpf_asm and tcpdump's -d/-dd/-ddd. */
export { formatInsn, formatImm, formatOffset, insnParts, type InsnParts } from './print.js';
export { disassemble } from './disasm.js';
