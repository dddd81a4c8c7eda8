/**
 * The run loop: classic BPF exactly as Linux executes it after bpf_convert_filter (A and X start
 * at 0, u32 arithmetic, division by X == 0 and failed packet loads return 0 from the program,
 * shifts by X use X & 31), over the layout decode.ts's layOut makes. One function with one
 * switch, so it stays one file: splitting its cases over functions would put a call in the hot
 * path. It allocates nothing.
 */
import { badPacket, type PacketBatch } from './batch.js';
import { contextAt } from './batch-context.js';
import { defaultRandom, type PacketContext, type StepHook } from './context.js';
import { InterpreterError } from './errors.js';
import { loadImageIndirect, loadImageWord, tailZero } from './image.js';
import { loadPacket, nibbleAt, nlattr, nlattrNest } from './packet.js';

/**
 * What the run loop reads from its interpreter besides the program, made once per interpreter:
 * the RET K values boxed once, the scratch memory and the image's byte order.
 */
export interface LoopState {
  /**
   * RET K values, boxed once: a tagged array hands out the same number object on every run, where
   * reading a u32 >= 2^31 from the Uint32Array would allocate one (RET #0xffffffff is common).
   */
  readonly retK: readonly number[];
  /** Scratch memory M[0..15]: reused across runs; the verifier proves every read follows a write. */
  readonly mem: Int32Array;
  /** Seccomp/EA: whether `ld [k]` reads little-endian words (EngineOptions.endian). */
  readonly little: boolean;
}

/**
 * Runs the program laid out in `code` over `count` packets of `batch` or, with no batch, over
 * one input: the packet at `base` in `view` with `size` readable bytes (seccomp/EA: the image,
 * base 0). A batch packet's `[offset, offset + length)` is checked against the view before anything reads it
 * (else a typed error naming it), and the loop runs its packets in one call so that the
 * decoded program is loaded once per call, not per packet. Every direct packet read is
 * `view.get*(base + v)` with `v + n <= size`. Returns the one result without a batch, else how
 * many results were non-zero (each written to `results` when given). `input` is a single run's
 * context, or a batch's (BatchContexts), which the rare paths move to their packet (contextAt).
 */
export function runLoop(
  state: LoopState,
  code: readonly number[],
  view: DataView,
  count: number,
  batch: PacketBatch | null,
  base: number,
  size: number,
  input: PacketContext | null,
  hook: StepHook | null,
  results: Uint32Array | null,
): number {
  const retK = state.retK;
  const mem = state.mem;
  const little = state.little;
  const total = batch === null ? 0 : view.byteLength;
  const offsets = batch === null ? null : batch.offsets;
  const lengths = batch === null ? null : batch.lengths;
  // `ld #len`: a batch's wire lengths (default its captured ones); a single run's context.
  const wires = batch === null ? null : (batch.wireLengths ?? batch.lengths);
  // A single run's context, or the one a batch's rare paths move from packet to packet.
  const ctx = input;
  let matched = 0;
  // The result as int32 (its u32 bits), and where a RET #k ended the run (-1 for any other end).
  let r = 0;
  let ret = -1;
  let a = 0;
  let x = 0;
  let pc = 0;
  let v = 0;
  // A conditional jump's kind (JEQ_K..JSET_K) and right-hand side (k, or X), set in the switch.
  let kind = 0;
  let b = 0;
  for (let i = 0; i < count; i++) {
    if (batch !== null) {
      base = offsets![i]!;
      size = lengths![i]!;
      if (!(base >= 0 && size >= 0 && base + size <= total)) throw badPacket(batch, i);
    }
    a = 0;
    x = 0;
    pc = 0;
    ret = -1;
    run: for (;;) {
      if (pc < 0) {
        // A jump straight to a `ret #k` (decode.ts, layOut's foldReturns).
        ret = ~pc;
        r = code[ret + 1]!;
        break;
      }
      if (hook !== null) hook(pc >> 2, a >>> 0, x >>> 0);
      // The cases are decode.ts's dense indices written as literals, named in comments: V8 turns
      // a switch over literal integers into a jump table, but not one over imported constants
      // (measured: about 7x slower). test/ops.test.ts checks every literal against decode.ts.
      const o = code[pc]!;
      switch (o) {
        case 0 /* RET_K */:
          r = code[pc + 1]!;
          ret = pc;
          break run;
        case 1 /* RET_A */:
          r = a;
          break run;
        case 2 /* LD_IMM */:
          a = code[pc + 1]!;
          break;
        case 3 /* LDX_IMM */:
          x = code[pc + 1]!;
          break;
        case 4 /* LD_MEM */:
          a = mem[code[pc + 1]!]!;
          break;
        case 5 /* LDX_MEM */:
          x = mem[code[pc + 1]!]!;
          break;
        case 6 /* ST */:
          mem[code[pc + 1]!] = a;
          break;
        case 7 /* STX */:
          mem[code[pc + 1]!] = x;
          break;
        case 8 /* TAX */:
          x = a;
          break;
        case 9 /* TXA */:
          a = x;
          break;
        case 80 /* LD_LEN_JMP */:
        case 10 /* LD_LEN */:
          // Only socket programs have LD_LEN (decode makes seccomp's `ld #len` an LD_IMM): a
          // batch's wire lengths, or the single run's context, read here, not at entry, so
          // that programs without it pay nothing. Shared with its superinstruction (fuse.ts).
          a = (wires !== null ? wires[i]! : (ctx!.wireLength ?? size)) | 0;
          if (o === 10) break;
          pc += 4;
          kind = code[pc]!;
          b = code[pc + 1]!;
          break;
        case 11 /* LDX_LEN */:
          x = (wires !== null ? wires[i]! : (ctx!.wireLength ?? size)) | 0;
          break;
        case 12 /* ADD_K */:
          a = (a + code[pc + 1]!) | 0;
          break;
        case 13 /* SUB_K */:
          a = (a - code[pc + 1]!) | 0;
          break;
        case 14 /* MUL_K */:
          a = Math.imul(a, code[pc + 1]!);
          break;
        case 15 /* DIV_K */:
          // Exact: a/k is at least 1/k away from the next integer, far above double rounding.
          a = ((a >>> 0) / (code[pc + 1]! >>> 0)) | 0;
          break;
        case 16 /* OR_K */:
          a |= code[pc + 1]!;
          break;
        case 17 /* AND_K */:
          a &= code[pc + 1]!;
          break;
        case 18 /* LSH_K */:
          a <<= code[pc + 1]!;
          break;
        case 19 /* RSH_K */:
          a = (a >>> code[pc + 1]!) | 0;
          break;
        case 20 /* MOD_K */:
          a = ((a >>> 0) % (code[pc + 1]! >>> 0)) | 0;
          break;
        case 21 /* XOR_K */:
          a ^= code[pc + 1]!;
          break;
        case 22 /* ADD_X */:
          a = (a + x) | 0;
          break;
        case 23 /* SUB_X */:
          a = (a - x) | 0;
          break;
        case 24 /* MUL_X */:
          a = Math.imul(a, x);
          break;
        case 25 /* DIV_X */:
          // bpf_convert_filter guards DIV/MOD by X: X == 0 ends the program returning 0.
          if (x === 0) {
            r = 0;
            break run;
          }
          a = ((a >>> 0) / (x >>> 0)) | 0;
          break;
        case 26 /* OR_X */:
          a |= x;
          break;
        case 27 /* AND_X */:
          a &= x;
          break;
        case 28 /* LSH_X */:
          // JavaScript shifts use the count's low 5 bits, exactly the kernel's X & 31.
          a <<= x;
          break;
        case 29 /* RSH_X */:
          a = (a >>> x) | 0;
          break;
        case 30 /* MOD_X */:
          if (x === 0) {
            r = 0;
            break run;
          }
          a = ((a >>> 0) % (x >>> 0)) | 0;
          break;
        case 31 /* XOR_X */:
          a ^= x;
          break;
        case 32 /* NEG */:
          a = -a | 0;
          break;
        case 33 /* JA */:
          pc = code[pc + 2]!;
          continue;
        // The conditional jumps, and the superinstructions that end with one, go to the one copy
        // of the compares at the top of the loop, with kind (JEQ_K..JSET_K) and b (k, or X).
        case 34 /* JEQ_K */:
        case 35 /* JGT_K */:
        case 36 /* JGE_K */:
        case 37 /* JSET_K */:
          kind = o;
          b = code[pc + 1]!;
          break;
        case 38 /* JEQ_X */:
        case 39 /* JGT_X */:
        case 40 /* JGE_X */:
        case 41 /* JSET_X */:
          kind = o - 4;
          b = x;
          break;
        // Absolute loads share their code with their superinstructions (fuse.ts), which end
        // with the conditional jump of pc + 1 (its operation at pc + 4 in the layout).
        case 71 /* PKT_W_ABS_JMP */:
        case 42 /* PKT_W_ABS */:
          v = code[pc + 1]!;
          if (v + 4 > size) {
            r = 0;
            break run;
          }
          a = view.getInt32(base + v);
          if (o === 42) break;
          pc += 4;
          kind = code[pc]!;
          b = code[pc + 1]!;
          break;
        case 72 /* PKT_H_ABS_JMP */:
        case 43 /* PKT_H_ABS */:
          v = code[pc + 1]!;
          if (v + 2 > size) {
            r = 0;
            break run;
          }
          a = view.getUint16(base + v);
          if (o === 43) break;
          pc += 4;
          kind = code[pc]!;
          b = code[pc + 1]!;
          break;
        case 73 /* PKT_B_ABS_JMP */:
        case 44 /* PKT_B_ABS */:
          v = code[pc + 1]!;
          if (v >= size) {
            r = 0;
            break run;
          }
          a = view.getUint8(base + v);
          if (o === 44) break;
          pc += 4;
          kind = code[pc]!;
          b = code[pc + 1]!;
          break;
        case 45 /* PKT_W_NEG */:
          v = loadPacket(contextAt(ctx, batch, i, base, size), code[pc + 1]!, 4);
          if (v < 0) {
            r = 0;
            break run;
          }
          a = v | 0;
          break;
        case 46 /* PKT_H_NEG */:
          a = loadPacket(contextAt(ctx, batch, i, base, size), code[pc + 1]!, 2);
          if (a < 0) {
            r = 0;
            break run;
          }
          break;
        case 47 /* PKT_B_NEG */:
          a = loadPacket(contextAt(ctx, batch, i, base, size), code[pc + 1]!, 1);
          if (a < 0) {
            r = 0;
            break run;
          }
          break;
        // Indirect loads: the in-bounds, non-negative offset is read here; everything else
        // (negative offsets, failures) goes through loadPacket, the one place that knows them.
        // The offset wraps at 32 bits and is then read as a signed int (bpf_skb_load_helper).
        // Each shares its code with its superinstructions (fuse.ts): `ldxb 4*([k]&0xf)` then this
        // load (which first runs the ldxb and moves pc to the load), and this load then a conditional jump
        // (which ends with the conditional jump of pc + 1). After the ldxb the load runs as its own operation
        // at pc + 1, so it is fused with a jump after it when that pair was fused.
        case 77 /* PKT_MSH_W_IND */:
        case 74 /* PKT_W_IND_JMP */:
        case 48 /* PKT_W_IND */:
          if (o === 77) {
            x = nibbleAt(view, base, size, ctx, batch, i, code[pc + 1]!);
            pc += 4;
            if (x < 0) {
              r = 0;
              break run;
            }
          }
          v = (x + code[pc + 1]!) | 0;
          if (v >= 0 && v + 4 <= size) a = view.getInt32(base + v);
          else {
            v = loadPacket(contextAt(ctx, batch, i, base, size), v, 4);
            if (v < 0) {
              r = 0;
              break run;
            }
            a = v | 0;
          }
          if (code[pc] !== 74) break;
          pc += 4;
          kind = code[pc]!;
          b = code[pc + 1]!;
          break;
        case 78 /* PKT_MSH_H_IND */:
        case 75 /* PKT_H_IND_JMP */:
        case 49 /* PKT_H_IND */:
          if (o === 78) {
            x = nibbleAt(view, base, size, ctx, batch, i, code[pc + 1]!);
            pc += 4;
            if (x < 0) {
              r = 0;
              break run;
            }
          }
          v = (x + code[pc + 1]!) | 0;
          a = v >= 0 && v + 2 <= size ? view.getUint16(base + v) : loadPacket(contextAt(ctx, batch, i, base, size), v, 2);
          if (a < 0) {
            r = 0;
            break run;
          }
          if (code[pc] !== 75) break;
          pc += 4;
          kind = code[pc]!;
          b = code[pc + 1]!;
          break;
        case 79 /* PKT_MSH_B_IND */:
        case 76 /* PKT_B_IND_JMP */:
        case 50 /* PKT_B_IND */:
          if (o === 79) {
            x = nibbleAt(view, base, size, ctx, batch, i, code[pc + 1]!);
            pc += 4;
            if (x < 0) {
              r = 0;
              break run;
            }
          }
          v = (x + code[pc + 1]!) | 0;
          a = v >= 0 && v < size ? view.getUint8(base + v) : loadPacket(contextAt(ctx, batch, i, base, size), v, 1);
          if (a < 0) {
            r = 0;
            break run;
          }
          if (code[pc] !== 76) break;
          pc += 4;
          kind = code[pc]!;
          b = code[pc + 1]!;
          break;
        case 51 /* PKT_MSH */:
          // X = 4 * (P[k] & 0xf); A is untouched.
          x = nibbleAt(view, base, size, ctx, batch, i, code[pc + 1]!);
          if (x < 0) {
            r = 0;
            break run;
          }
          break;
        case 52 /* ANC_PROTOCOL */:
          a = (contextAt(ctx, batch, i, base, size).protocol ?? 0) | 0;
          break;
        case 53 /* ANC_PKTTYPE */:
          a = (contextAt(ctx, batch, i, base, size).pktType ?? 0) | 0;
          break;
        case 54 /* ANC_IFINDEX */:
          // No device: convert_bpf_extensions' NULL check exits with the current A.
          if (contextAt(ctx, batch, i, base, size).ifindex === undefined) {
            r = a;
            break run;
          }
          a = ctx!.ifindex! | 0; // moved to this packet just above
          break;
        case 55 /* ANC_NLATTR */:
          a = nlattr(view, base, size, a >>> 0, x >>> 0, little);
          break;
        case 56 /* ANC_NLATTR_NEST */:
          a = nlattrNest(view, base, size, a >>> 0, x >>> 0, little);
          break;
        case 57 /* ANC_MARK */:
          a = (contextAt(ctx, batch, i, base, size).mark ?? 0) | 0;
          break;
        case 58 /* ANC_QUEUE */:
          a = (contextAt(ctx, batch, i, base, size).queue ?? 0) | 0;
          break;
        case 59 /* ANC_HATYPE */:
          if (contextAt(ctx, batch, i, base, size).hatype === undefined) {
            r = a;
            break run;
          }
          a = ctx!.hatype! | 0; // moved to this packet just above
          break;
        case 60 /* ANC_RXHASH */:
          a = (contextAt(ctx, batch, i, base, size).rxhash ?? 0) | 0;
          break;
        case 61 /* ANC_CPU */:
          a = (contextAt(ctx, batch, i, base, size).cpu ?? 0) | 0;
          break;
        case 62 /* ANC_ALU_XOR_X */:
          a ^= x;
          break;
        case 63 /* ANC_VLAN_TAG */:
          a = (contextAt(ctx, batch, i, base, size).vlanTci ?? 0) | 0;
          break;
        case 64 /* ANC_VLAN_TAG_PRESENT */:
          a = contextAt(ctx, batch, i, base, size).vlanPresent === true ? 1 : 0;
          break;
        case 65 /* ANC_PAY_OFFSET */:
          a = (contextAt(ctx, batch, i, base, size).payOffset ?? 0) | 0;
          break;
        case 66 /* ANC_RANDOM */:
          a = (contextAt(ctx, batch, i, base, size).random ?? defaultRandom)() | 0;
          break;
        case 67 /* ANC_VLAN_TPID */:
          a = (contextAt(ctx, batch, i, base, size).vlanTpid ?? 0) | 0;
          break;
        case 68 /* IMG_W_ABS */:
          v = code[pc + 1]!;
          a = v + 4 <= size ? view.getInt32(v, little) : loadImageWord(view, v, little) | 0;
          break;
        case 69 /* IMG_W_IND */:
          v = loadImageIndirect(view, x >>> 0, code[pc + 1]! >>> 0, little);
          if (v < 0) {
            r = 0;
            break run;
          }
          a = v | 0;
          break;
        case 70 /* IMG_TAILZERO */:
          a = tailZero(view, code[pc + 1]! >>> 0, little);
          break;
        // The libpcap profile (libpcap.ts): offsets are plain u32 packet offsets, X + k unwrapped.
        case 81 /* PCAP_LOAD_FAIL */:
          r = 0;
          break run;
        case 82 /* PCAP_W_IND */:
          v = (x >>> 0) + (code[pc + 1]! >>> 0);
          if (v + 4 > size) {
            r = 0;
            break run;
          }
          a = view.getInt32(base + v);
          break;
        case 83 /* PCAP_H_IND */:
          v = (x >>> 0) + (code[pc + 1]! >>> 0);
          if (v + 2 > size) {
            r = 0;
            break run;
          }
          a = view.getUint16(base + v);
          break;
        case 84 /* PCAP_B_IND */:
          v = (x >>> 0) + (code[pc + 1]! >>> 0);
          if (v >= size) {
            r = 0;
            break run;
          }
          a = view.getUint8(base + v);
          break;
        case 85 /* PCAP_LSH_X */:
          // pcap_filter: `if (X < 32) A <<= X; else A = 0;`
          a = x >>> 0 < 32 ? a << x : 0;
          break;
        case 86 /* PCAP_RSH_X */:
          a = x >>> 0 < 32 ? (a >>> x) | 0 : 0;
          break;
        default:
          // Unreachable for a decoded program: every op index above is produced by decodeOp.
          throw new InterpreterError('BAD_INPUT', `no operation ${code[pc]} at pc ${pc >> 2}`);
      }
      if (kind !== 0) {
        // The conditional jump at pc, which the switch reached (kind: JEQ_K..JSET_K, b: its k or
        // X), itself or as the end of a superinstruction: the loop's one copy of the compares.
        // Unsigned compares on int32: flipping the sign bit of both sides makes a signed
        // compare order them as unsigned numbers.
        pc = (
          kind === 34 /* JEQ_K */
            ? a === b
            : kind === 37 /* JSET_K */
              ? (a & b) !== 0
              : kind === 35 /* JGT_K */
                ? (a ^ SIGN) > (b ^ SIGN)
                : (a ^ SIGN) >= (b ^ SIGN) /* JGE_K */
        )
          ? code[pc + 2]!
          : code[pc + 3]!;
        kind = 0;
      } else pc += 4;
    }
    if (results !== null) results[i] = r;
    if (r !== 0) matched++;
  }
  if (batch !== null) return matched;
  // RET #k hands out the value boxed once (retK), so that a u32 >= 2^31 allocates nothing.
  return ret >= 0 ? retK[ret >> 2]! : r >>> 0;
}

/** The sign bit as an int32, for unsigned compares of int32 values. */
const SIGN = -0x80000000;
