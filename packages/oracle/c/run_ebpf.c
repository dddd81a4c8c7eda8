/*
 * run_ebpf: the kernel as the oracle for eBPF programs in uBPF's calling convention (r1 = input
 * memory, r2 = its length). Each program is wrapped as an XDP program (license GPL):
 *
 *   prologue   r1 = xdp_md->data, r2 = data_end; bail out unless data + len <= data_end; r2 = len
 *              (bpf_conformance's XDP prologue, so the verifier knows len bytes are readable)
 *   call       the program as a bpf-to-bpf subprogram (its own frame and 512 bytes of stack)
 *   epilogue   store the subprogram's full 64-bit r0 into a one-element array map
 *              (BPF_PROG_TEST_RUN's retval is only 32 bits), return XDP_PASS
 *
 * and run with BPF_PROG_TEST_RUN on the input (padded to ETH_HLEN bytes, which XDP test runs
 * need; the program is told the unpadded length); then the map is read back.
 *
 * With the argument `socket` each program is loaded as a SOCKET_FILTER instead, for the legacy
 * packet loads (LD_ABS/LD_IND), which XDP programs and bpf-to-bpf callers may not use:
 *
 *   prologue   r6 = r1 (the __sk_buff; the verifier wants the context in r6 for a legacy load)
 *   the program, its last instruction (which must be exit) replaced by
 *   epilogue   store r0 into the array map, return 1
 *
 * and run on 14 zero bytes (an Ethernet header, which the test run strips: skb->data, where
 * LD_ABS offset 0 reads, is the memory's first byte) followed by the memory. A legacy load that
 * fails ends the program with 0 before the epilogue, so retval 0 means r0 = 0 and retval 1 means
 * r0 is in the map. The program must not read r1-r5 (r1 is the __sk_buff, not the memory).
 *
 * Input, one case per line:   <program hex> <memory hex or ->
 * Output, one line per case:  ok <r0 hex> | load <errno> <last verifier log line> | run <errno>
 * Consecutive cases with the same program and memory length reuse the loaded program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_SLOTS 8192
#define MAX_MEM 4096
#define LOG_SIZE (1 << 20)

static long sys_bpf(int cmd, union bpf_attr *attr) { return syscall(__NR_bpf, cmd, attr, sizeof(*attr)); }

static struct bpf_insn mk(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
  return i;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes hex into out (at most max bytes); returns the byte count or -1. */
static long unhex(const char *s, uint8_t *out, long max) {
  long n = 0;
  if (strcmp(s, "-") == 0) return 0;
  for (; s[0] && s[1]; s += 2) {
    int hi = hexval(s[0]), lo = hexval(s[1]);
    if (hi < 0 || lo < 0 || n >= max) return -1;
    out[n++] = (uint8_t)(hi << 4 | lo);
  }
  return s[0] ? -1 : n;
}

static char logbuf[LOG_SIZE];

/* Appends: store r0 into the map's element 0, return `ret`; returns the new length. */
static int epilogue(struct bpf_insn *prog, int n, int map_fd, int32_t ret) {
  prog[n++] = mk(BPF_STX | BPF_MEM | BPF_DW, 10, 0, -8, 0);
  prog[n++] = mk(BPF_ST | BPF_MEM | BPF_W, 10, 0, -16, 0);
  prog[n++] = mk(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, map_fd);
  prog[n++] = mk(0, 0, 0, 0, 0);
  prog[n++] = mk(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
  prog[n++] = mk(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -16);
  prog[n++] = mk(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0);
  prog[n++] = mk(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -8);
  prog[n++] = mk(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0);
  prog[n++] = mk(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_update_elem);
  prog[n++] = mk(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, ret);
  prog[n++] = mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  return n;
}

/* Returns the last line of the verifier log that is not its statistics ("processed N insns"). */
static const char *last_log_line(void) {
  for (;;) {
    size_t n = strnlen(logbuf, LOG_SIZE);
    while (n > 0 && (logbuf[n - 1] == '\n' || logbuf[n - 1] == ' ')) logbuf[--n] = 0;
    char *nl = strrchr(logbuf, '\n');
    char *last = nl ? nl + 1 : logbuf;
    if (nl == NULL || strncmp(last, "processed ", 10) != 0) return last;
    *nl = 0;
  }
}

int main(int argc, char **argv) {
  int socket_mode = argc > 1 && strcmp(argv[1], "socket") == 0;
  static char line[MAX_SLOTS * 16 + MAX_MEM * 2 + 64];
  static uint8_t user[MAX_SLOTS * 8], mem[MAX_MEM + 64], prev_user[MAX_SLOTS * 8];
  static struct bpf_insn prog[MAX_SLOTS + 64];
  long prev_len = -1, prev_mem = -1;
  int prog_fd = -1;

  union bpf_attr mattr;
  memset(&mattr, 0, sizeof(mattr));
  mattr.map_type = BPF_MAP_TYPE_ARRAY;
  mattr.key_size = 4;
  mattr.value_size = 8;
  mattr.max_entries = 1;
  int map_fd = (int)sys_bpf(BPF_MAP_CREATE, &mattr);
  if (map_fd < 0) {
    perror("BPF_MAP_CREATE");
    return 2;
  }

  while (fgets(line, sizeof(line), stdin)) {
    char *prog_hex = strtok(line, " \n");
    char *mem_hex = strtok(NULL, " \n");
    if (!prog_hex || !mem_hex) continue;
    long ulen = unhex(prog_hex, user, sizeof(user));
    long mlen = unhex(mem_hex, mem, MAX_MEM);
    if (ulen < 0 || ulen % 8 || mlen < 0) {
      printf("bad_input\n");
      fflush(stdout);
      continue;
    }
    if (!(ulen == prev_len && mlen == prev_mem && memcmp(user, prev_user, (size_t)ulen) == 0)) {
      if (prog_fd >= 0) close(prog_fd);
      prog_fd = -1;
      int n = 0;
      int32_t len = (int32_t)mlen;
      if (socket_mode) {
        if (ulen < 8 || user[ulen - 8] != (BPF_JMP | BPF_EXIT)) {
          printf("bad_input\n");
          fflush(stdout);
          prev_len = -1;
          continue;
        }
        prog[n++] = mk(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
        memcpy(&prog[n], user, (size_t)ulen - 8);
        n += (int)(ulen / 8) - 1;
        n = epilogue(prog, n, map_fd, 1);
      } else {
      prog[n++] = mk(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -1);
      prog[n++] = mk(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
      prog[n++] = mk(BPF_LDX | BPF_MEM | BPF_W, 1, 6, 0, 0);
      prog[n++] = mk(BPF_LDX | BPF_MEM | BPF_W, 2, 6, 4, 0);
      prog[n++] = mk(BPF_ALU64 | BPF_MOV | BPF_X, 3, 1, 0, 0);
      prog[n++] = mk(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, len);
      prog[n++] = mk(BPF_JMP | BPF_JLE | BPF_X, 3, 2, 1, 0);
      prog[n++] = mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
      prog[n++] = mk(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, len);
      int call_at = n;
      prog[n++] = mk(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0);
      n = epilogue(prog, n, map_fd, XDP_PASS);
      prog[call_at].imm = n - call_at - 1;
      memcpy(&prog[n], user, (size_t)ulen);
      n += (int)(ulen / 8);
      }

      union bpf_attr attr;
      memset(&attr, 0, sizeof(attr));
      attr.prog_type = socket_mode ? BPF_PROG_TYPE_SOCKET_FILTER : BPF_PROG_TYPE_XDP;
      attr.insns = (uint64_t)(uintptr_t)prog;
      attr.insn_cnt = (uint32_t)n;
      attr.license = (uint64_t)(uintptr_t) "GPL";
      attr.log_buf = (uint64_t)(uintptr_t)logbuf;
      attr.log_size = LOG_SIZE;
      attr.log_level = 1;
      logbuf[0] = 0;
      prog_fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
      prev_len = ulen;
      prev_mem = mlen;
      memcpy(prev_user, user, (size_t)ulen);
      if (prog_fd < 0) {
        int err = errno;
        printf("load %d %s\n", err, last_log_line());
        fflush(stdout);
        prev_len = -1;
        continue;
      }
    }
    uint32_t key = 0;
    uint64_t value = 0xdeadbeefdeadbeefULL;
    union bpf_attr u;
    memset(&u, 0, sizeof(u));
    u.map_fd = (uint32_t)map_fd;
    u.key = (uint64_t)(uintptr_t)&key;
    u.value = (uint64_t)(uintptr_t)&value;
    sys_bpf(BPF_MAP_UPDATE_ELEM, &u);
    long size = mlen < 14 ? 14 : mlen;
    for (long i = mlen; i < size; i++) mem[i] = 0;
    static uint8_t frame[14 + MAX_MEM];
    if (socket_mode) {
      memset(frame, 0, 14);
      memcpy(frame + 14, mem, (size_t)mlen);
      size = 14 + mlen;
    }
    union bpf_attr t;
    memset(&t, 0, sizeof(t));
    t.test.prog_fd = (uint32_t)prog_fd;
    t.test.data_in = (uint64_t)(uintptr_t)(socket_mode ? frame : mem);
    t.test.data_size_in = (uint32_t)size;
    t.test.repeat = 1;
    if (sys_bpf(BPF_PROG_TEST_RUN, &t) < 0) {
      printf("run %d\n", errno);
      fflush(stdout);
      continue;
    }
    if (socket_mode && t.test.retval == 0 && sys_bpf(BPF_MAP_LOOKUP_ELEM, &u) == 0 && value == 0xdeadbeefdeadbeefULL) {
      printf("ok 0\n"); /* a failed legacy load ended the program with 0 */
      fflush(stdout);
      continue;
    }
    if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &u) < 0 || t.test.retval != (socket_mode ? 1u : XDP_PASS)) {
      printf("run -%u\n", t.test.retval);
      fflush(stdout);
      continue;
    }
    printf("ok %llx\n", (unsigned long long)value);
    fflush(stdout);
  }
  return 0;
}
