/** What the page's selects offer (kept apart from the analyses so the page's bundle stays small). */

/** The format choices: auto-detect, a classic program format, a profile JSON, eBPF text or bytes, an eBPF ELF object. */
export const FORMAT_CHOICES = ['auto', 'asm', 'd', 'dd', 'ddd', 'bin', 'profile', 'ebpf', 'elf'] as const;
export type FormatChoice = (typeof FORMAT_CHOICES)[number];

/** The verifier profiles the page offers. */
export const PROFILE_CHOICES = ['seccomp', 'ea', 'socket', 'libpcap'] as const;

/** The EA syscalls of the EA view (the workbench's SCENARIOS; the EA test checks the two agree). */
export const EA_SYSCALLS = ['clone3', 'openat2'] as const;

/** The tabs, in order: id and label. */
export const TABS = [
  ['verifier', 'Verifier'],
  ['disassembly', 'Disassembly'],
  ['explain', 'Explain'],
  ['javascript', 'JavaScript'],
  ['call', 'Try a call'],
  ['diff', 'Diff'],
  ['ea', 'EA layout'],
  ['pcap', 'Capture'],
  ['run', 'Run (eBPF)'],
] as const;
