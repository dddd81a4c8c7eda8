/**
 * The classic BPF opcode vocabulary, in the kernel's own names
 * (include/uapi/linux/bpf_common.h, filter.h, seccomp.h, audit.h).
 *
 * This is the only file in the workspace that holds raw opcode numbers.
 *
 *   code (16 bits, only the low 8 are ever valid):
 *
 *     7   6   5   4   3   2   1   0
 *   +-----------+---+-----------+
 *   |   op/mode | s |   class   |      s (bit 3): BPF_K = 0, BPF_X = 1   (ALU, JMP)
 *   +-----------+---+-----------+
 *   |  mode |  size |   class   |      size (bits 3-4): W, H, B           (LD, LDX)
 *   +-------+-------+-----------+
 */

// Instruction classes: code & 0x07.
export const BPF_LD = 0x00;
/** Names the instruction class of loads into X (code & 0x07). */
export const BPF_LDX = 0x01;
/** Names the instruction class of stores A to scratch memory (code & 0x07). */
export const BPF_ST = 0x02;
/** Names the instruction class of stores X to scratch memory (code & 0x07). */
export const BPF_STX = 0x03;
/** Names the instruction class of arithmetic on A (code & 0x07). */
export const BPF_ALU = 0x04;
/** Names the instruction class of jumps (code & 0x07). */
export const BPF_JMP = 0x05;
/** Names the instruction class of returns (code & 0x07). */
export const BPF_RET = 0x06;
/** Names the instruction class of register moves (tax, txa) (code & 0x07). */
export const BPF_MISC = 0x07;

// Load sizes: code & 0x18.
/** Selects a 32-bit word load (code & 0x18). */
export const BPF_W = 0x00;
/** Selects a 16-bit half word load (code & 0x18). */
export const BPF_H = 0x08;
/** Selects a byte load (code & 0x18). */
export const BPF_B = 0x10;

// Load modes: code & 0xe0.
/** Selects the load mode of an immediate k (code & 0xe0). */
export const BPF_IMM = 0x00;
/** Selects the load mode of a packet or seccomp_data load at k (code & 0xe0). */
export const BPF_ABS = 0x20;
/** Selects the load mode of a packet load at X + k (code & 0xe0). */
export const BPF_IND = 0x40;
/** Selects the load mode of scratch memory M[k] (code & 0xe0). */
export const BPF_MEM = 0x60;
/** Selects the load mode of the packet length (code & 0xe0). */
export const BPF_LEN = 0x80;
/** Selects the load mode of 4 * (packet[k] & 0xf), the IPv4 header length (code & 0xe0). */
export const BPF_MSH = 0xa0;
/**
 * EA extension (ours, not Linux): mode 0xc0 is unused by classic BPF. `BPF_LD|BPF_W|BPF_TAILZ k`
 * sets A = 1 when every byte of the caller's EA struct in [k, usize) is zero (also when
 * usize <= k), else A = 0: the seed's bpf_check_uarg_tail_zero() as an instruction.
 * Only the `ea` profile accepts it; bpf_check_classic refuses the code.
 */
export const BPF_TAILZ = 0xc0;

// ALU operations: code & 0xf0.
/** Selects the ALU operation add (code & 0xf0). */
export const BPF_ADD = 0x00;
/** Selects the ALU operation sub (code & 0xf0). */
export const BPF_SUB = 0x10;
/** Selects the ALU operation mul (code & 0xf0). */
export const BPF_MUL = 0x20;
/** Selects the ALU operation div (code & 0xf0). */
export const BPF_DIV = 0x30;
/** Selects the ALU operation or (code & 0xf0). */
export const BPF_OR = 0x40;
/** Selects the ALU operation and (code & 0xf0). */
export const BPF_AND = 0x50;
/** Selects the ALU operation lsh (code & 0xf0). */
export const BPF_LSH = 0x60;
/** Selects the ALU operation rsh (code & 0xf0). */
export const BPF_RSH = 0x70;
/** Selects the ALU operation neg (code & 0xf0). */
export const BPF_NEG = 0x80;
/** Selects the ALU operation mod (code & 0xf0). */
export const BPF_MOD = 0x90;
/** Selects the ALU operation xor (code & 0xf0). */
export const BPF_XOR = 0xa0;

// Jump operations: code & 0xf0.
/** Selects the jump ja (code & 0xf0). */
export const BPF_JA = 0x00;
/** Selects the jump jeq (code & 0xf0). */
export const BPF_JEQ = 0x10;
/** Selects the jump jgt (code & 0xf0). */
export const BPF_JGT = 0x20;
/** Selects the jump jge (code & 0xf0). */
export const BPF_JGE = 0x30;
/** Selects the jump jset (code & 0xf0). */
export const BPF_JSET = 0x40;

// Operand source: code & 0x08.
/** Selects the constant k as operand (code & 0x08). */
export const BPF_K = 0x00;
/** Selects the register X as operand (code & 0x08). */
export const BPF_X = 0x08;

// RET value source: code & 0x18 (BPF_X is not allowed by the kernel).
/** Selects A as the value of a RET (code & 0x18). */
export const BPF_A = 0x10;

// MISC operations: code & 0xf8.
/** Selects the MISC operation tax: X = A. */
export const BPF_TAX = 0x00;
/** Selects the MISC operation txa: A = X. */
export const BPF_TXA = 0x80;

/** Limits a classic program to this many instructions. */
export const BPF_MAXINSNS = 4096;
/** Counts the scratch memory cells M[0] to M[15]. */
export const BPF_MEMWORDS = 16;

/** Extracts the class of a code, as the kernel's BPF_CLASS macro. */
export const bpfClass = (code: number): number => code & 0x07;
/** Extracts the size field of a code, as the kernel's BPF_SIZE macro. */
export const bpfSize = (code: number): number => code & 0x18;
/** Extracts the mode field of a code, as the kernel's BPF_MODE macro. */
export const bpfMode = (code: number): number => code & 0xe0;
/** Extracts the op field of a code, as the kernel's BPF_OP macro. */
export const bpfOp = (code: number): number => code & 0xf0;
/** Extracts the src field of a code, as the kernel's BPF_SRC macro. */
export const bpfSrc = (code: number): number => code & 0x08;
/** Extracts the rval field of a code, as the kernel's BPF_RVAL macro. */
export const bpfRval = (code: number): number => code & 0x18;
/** Extracts the miscop field of a code, as the kernel's BPF_MISCOP macro. */
export const bpfMiscOp = (code: number): number => code & 0xf8;

// Negative offsets of LD ABS / LD IND (include/uapi/linux/filter.h), as u32.
/** Starts the ancillary data offsets (-0x1000 as u32). */
export const SKF_AD_OFF = 0xfffff000; // -0x1000
/** Starts the offsets relative to the network header (-0x100000 as u32). */
export const SKF_NET_OFF = 0xfff00000; // -0x100000
/** Starts the offsets relative to the link-layer header (-0x200000 as u32). */
export const SKF_LL_OFF = 0xffe00000; // -0x200000

// Ancillary data offsets, relative to SKF_AD_OFF.
/** Locates the ancillary load of skb->protocol (relative to SKF_AD_OFF). */
export const SKF_AD_PROTOCOL = 0;
/** Locates the ancillary load of skb->pkt_type (relative to SKF_AD_OFF). */
export const SKF_AD_PKTTYPE = 4;
/** Locates the ancillary load of the device ifindex (relative to SKF_AD_OFF). */
export const SKF_AD_IFINDEX = 8;
/** Locates the ancillary load of the netlink attribute search (relative to SKF_AD_OFF). */
export const SKF_AD_NLATTR = 12;
/** Locates the ancillary load of the nested netlink attribute search (relative to SKF_AD_OFF). */
export const SKF_AD_NLATTR_NEST = 16;
/** Locates the ancillary load of skb->mark (relative to SKF_AD_OFF). */
export const SKF_AD_MARK = 20;
/** Locates the ancillary load of skb->queue_mapping (relative to SKF_AD_OFF). */
export const SKF_AD_QUEUE = 24;
/** Locates the ancillary load of the device type (relative to SKF_AD_OFF). */
export const SKF_AD_HATYPE = 28;
/** Locates the ancillary load of skb->hash (relative to SKF_AD_OFF). */
export const SKF_AD_RXHASH = 32;
/** Locates the ancillary load of the current CPU (relative to SKF_AD_OFF). */
export const SKF_AD_CPU = 36;
/** Locates the ancillary load of A ^= X (relative to SKF_AD_OFF). */
export const SKF_AD_ALU_XOR_X = 40;
/** Locates the ancillary load of the VLAN TCI (relative to SKF_AD_OFF). */
export const SKF_AD_VLAN_TAG = 44;
/** Locates the ancillary load of whether a VLAN tag is present (relative to SKF_AD_OFF). */
export const SKF_AD_VLAN_TAG_PRESENT = 48;
/** Locates the ancillary load of the payload offset (relative to SKF_AD_OFF). */
export const SKF_AD_PAY_OFFSET = 52;
/** Locates the ancillary load of a random u32 (relative to SKF_AD_OFF). */
export const SKF_AD_RANDOM = 56;
/** Locates the ancillary load of the VLAN protocol (relative to SKF_AD_OFF). */
export const SKF_AD_VLAN_TPID = 60;
/** Ends the ancillary offsets (one past the last). */
export const SKF_AD_MAX = 64;

/** The ancillary loads, by their offset relative to SKF_AD_OFF, with bpf_asm's spelling. */
export const ANCILLARY = [
  { offset: SKF_AD_PROTOCOL, name: 'proto', kernel: 'SKF_AD_PROTOCOL' },
  { offset: SKF_AD_PKTTYPE, name: 'type', kernel: 'SKF_AD_PKTTYPE' },
  { offset: SKF_AD_IFINDEX, name: 'ifidx', kernel: 'SKF_AD_IFINDEX' },
  { offset: SKF_AD_NLATTR, name: 'nla', kernel: 'SKF_AD_NLATTR' },
  { offset: SKF_AD_NLATTR_NEST, name: 'nlan', kernel: 'SKF_AD_NLATTR_NEST' },
  { offset: SKF_AD_MARK, name: 'mark', kernel: 'SKF_AD_MARK' },
  { offset: SKF_AD_QUEUE, name: 'queue', kernel: 'SKF_AD_QUEUE' },
  { offset: SKF_AD_HATYPE, name: 'hatype', kernel: 'SKF_AD_HATYPE' },
  { offset: SKF_AD_RXHASH, name: 'rxhash', kernel: 'SKF_AD_RXHASH' },
  { offset: SKF_AD_CPU, name: 'cpu', kernel: 'SKF_AD_CPU' },
  { offset: SKF_AD_ALU_XOR_X, name: 'xor_x', kernel: 'SKF_AD_ALU_XOR_X' },
  { offset: SKF_AD_VLAN_TAG, name: 'vlan_tci', kernel: 'SKF_AD_VLAN_TAG' },
  { offset: SKF_AD_VLAN_TAG_PRESENT, name: 'vlan_avail', kernel: 'SKF_AD_VLAN_TAG_PRESENT' },
  { offset: SKF_AD_PAY_OFFSET, name: 'poff', kernel: 'SKF_AD_PAY_OFFSET' },
  { offset: SKF_AD_RANDOM, name: 'rand', kernel: 'SKF_AD_RANDOM' },
  { offset: SKF_AD_VLAN_TPID, name: 'vlan_tpid', kernel: 'SKF_AD_VLAN_TPID' },
] as const;

/** Names an ancillary load in bpf_asm's spelling. */
export type AncillaryName = (typeof ANCILLARY)[number]['name'];

// Seccomp return actions (include/uapi/linux/seccomp.h).
/** Returns the seccomp action that kills the whole process. */
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
/** Returns the seccomp action that kills the calling thread. */
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
/** Aliases SECCOMP_RET_KILL_THREAD (its old name). */
export const SECCOMP_RET_KILL = SECCOMP_RET_KILL_THREAD;
/** Returns the seccomp action that sends SIGSYS. */
export const SECCOMP_RET_TRAP = 0x00030000;
/** Returns the seccomp action that fails the call with the errno in the data bits. */
export const SECCOMP_RET_ERRNO = 0x00050000;
/** Returns the seccomp action that hands the call to the listener. */
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
/** Returns the seccomp action that notifies the ptrace tracer. */
export const SECCOMP_RET_TRACE = 0x7ff00000;
/** Returns the seccomp action that allows and logs the call. */
export const SECCOMP_RET_LOG = 0x7ffc0000;
/** Returns the seccomp action that allows the call. */
export const SECCOMP_RET_ALLOW = 0x7fff0000;
/** Masks the action part of a seccomp return value (signed comparisons use it). */
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
/** Masks the action part without the sign bit (the legacy mask). */
export const SECCOMP_RET_ACTION = 0x7fff0000;
/** Masks the data part of a seccomp return value. */
export const SECCOMP_RET_DATA = 0x0000ffff;

/** sizeof(struct seccomp_data). */
export const SECCOMP_DATA_SIZE = 64;

// AUDIT_ARCH_* (include/uapi/linux/audit.h): EM_* | __AUDIT_ARCH_64BIT (0x80000000) | __AUDIT_ARCH_LE (0x40000000).
/** Identifies x86_64 in seccomp_data.arch. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** Identifies i386 in seccomp_data.arch. */
export const AUDIT_ARCH_I386 = 0x40000003;
/** Identifies aarch64 in seccomp_data.arch. */
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;
/** Identifies 32-bit little-endian arm in seccomp_data.arch. */
export const AUDIT_ARCH_ARM = 0x40000028;
/** Identifies 32-bit big-endian arm in seccomp_data.arch. */
export const AUDIT_ARCH_ARMEB = 0x00000028;
/** Identifies riscv64 in seccomp_data.arch. */
export const AUDIT_ARCH_RISCV64 = 0xc00000f3;
/** Identifies riscv32 in seccomp_data.arch. */
export const AUDIT_ARCH_RISCV32 = 0x400000f3;
/** Identifies big-endian ppc64 in seccomp_data.arch. */
export const AUDIT_ARCH_PPC64 = 0x80000015;
/** Identifies little-endian ppc64 in seccomp_data.arch. */
export const AUDIT_ARCH_PPC64LE = 0xc0000015;
/** Identifies s390x in seccomp_data.arch. */
export const AUDIT_ARCH_S390X = 0x80000016;
/** Identifies big-endian mips in seccomp_data.arch. */
export const AUDIT_ARCH_MIPS = 0x00000008;
/** Identifies little-endian mips in seccomp_data.arch. */
export const AUDIT_ARCH_MIPSEL = 0x40000008;
/** Identifies loongarch64 in seccomp_data.arch. */
export const AUDIT_ARCH_LOONGARCH64 = 0xc0000102;
/** x32 shares AUDIT_ARCH_X86_64 and marks its syscall numbers with this bit. */
export const X32_SYSCALL_BIT = 0x40000000;
/**
 * Lists the x86_64 syscall numbers no seccomp filter ever sees from the native ABI: uretprobe
 * (335) and uprobe (336) are allowed before any filter runs (seccomp_is_const_allow and the
 * seccomp entry path: uretprobe since 6.14, uprobe since 6.18; docs/kernel-facts.md §5.3). The one list
 * @ea/seccomp's ARCHES, @ea/verifier's cache emulation and the kernel oracle all use.
 */
export const X86_64_HARDWIRED_ALLOW: readonly number[] = Object.freeze([335, 336]);

/*
 * The EA image a filter of the `ea` profile reads (our prototype of the 2020 design):
 *
 *   0   struct seccomp_data              64 bytes, unchanged
 *   64  struct ea_meta                   16 bytes, filled by the flattener:
 *         u32 usize     the size the caller passed (clamped to EA_MAX_STRUCT)
 *         u32 esize     one past the caller's last non-zero struct byte (0 if all zero)
 *         u32 root      image offset where the copy of the caller's struct starts
 *         u32 flags     EA_FLAG_* bits
 *   80  the EA region (layout decided by @ea/layout's flattening strategy)
 *
 * All words are in the architecture's byte order, like seccomp_data.
 */
/** Locates struct ea_meta in the EA image. */
export const EA_META_OFFSET = 64;
/** Locates ea_meta.usize, the size the caller passed. */
export const EA_META_USIZE = 64;
/** Locates ea_meta.esize, one past the last non-zero struct byte. */
export const EA_META_ESIZE = 68;
/** Locates ea_meta.root, where the copy of the caller's struct starts. */
export const EA_META_ROOT = 72;
/** Locates ea_meta.flags (EA_FLAG_*). */
export const EA_META_FLAGS = 76;
/** Locates the EA region, after seccomp_data and ea_meta. */
export const EA_REGION_OFFSET = 80;
/** The largest caller struct the kernel ever copies (PAGE_SIZE). */
export const EA_MAX_STRUCT = 4096;
/** The largest image an `ea` filter may read: seccomp_data + meta + one page of EA region. */
export const EA_IMAGE_MAX = EA_REGION_OFFSET + 4096;
/** ea_meta.flags: the call carried an EA struct that could be copied. */
export const EA_FLAG_PRESENT = 0x1;
/** ea_meta.flags: something was cut to fit the one-page region (filters should fail safe). */
export const EA_FLAG_TRUNCATED = 0x2;
/**
 * ea_meta.flags (added by @ea/layout): a pointer could not be followed because its memory is
 * unmapped (or it is null with a non-zero length), or the caller's struct itself faulted; the
 * pointee reads as absent (jump-table slot 0, window status 2). The kernel would fail such a
 * call with EFAULT/EINVAL, so filters may deny or allow it, but must not trust absent data.
 */
export const EA_FLAG_FAULT = 0x4;
