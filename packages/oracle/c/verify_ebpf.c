/*
 * verify_ebpf: the kernel verifier's verdict and log for eBPF programs (BPF_PROG_LOAD only; nothing
 * runs).
 *
 * Input, one case per line:
 *   <prog type> <privileged 0|1> <maps or -> <license as hex> <program hex>
 *     prog type   BPF_PROG_TYPE_* number (1 socket filter, 6 XDP)
 *     maps        comma-separated type:key_size:value_size:max_entries; created fresh per case
 *     program     lddw with src 1 (BPF_PSEUDO_MAP_FD) or 2 (BPF_PSEUDO_MAP_VALUE) names a map by
 *                 its index in the list; the index is replaced by the map's fd
 *   privileged 0 drops CAP_PERFMON and CAP_SYS_ADMIN for the load (CAP_BPF and CAP_NET_ADMIN kept),
 *   the kernel's view of a non-root loader with CAP_BPF.
 * Output, one line per case:
 *   ok
 *   load <errno> <hex of the log's last 64 KiB>   (the log of a second load at log_level 1)
 *   bad_input | map <errno>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_SLOTS 8192
#define MAX_MAPS 16
#define LOG_SIZE (16 << 20)
#define LOG_TAIL (64 << 10)

static long sys_bpf(int cmd, union bpf_attr *attr) { return syscall(__NR_bpf, cmd, attr, sizeof(*attr)); }

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static long unhex(const char *s, uint8_t *out, long max) {
  long n = 0;
  for (; s[0] && s[1]; s += 2) {
    int hi = hexval(s[0]), lo = hexval(s[1]);
    if (hi < 0 || lo < 0 || n >= max) return -1;
    out[n++] = (uint8_t)(hi << 4 | lo);
  }
  return s[0] ? -1 : n;
}

static struct __user_cap_data_struct caps_saved[2];

/* Drops CAP_PERFMON and CAP_SYS_ADMIN from the effective set (or restores the saved set). */
static int set_privileged(int privileged) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  static int saved = 0;
  if (!saved) {
    if (syscall(SYS_capget, &hdr, caps_saved) != 0) return -1;
    saved = 1;
  }
  struct __user_cap_data_struct data[2];
  memcpy(data, caps_saved, sizeof(data));
  if (!privileged) {
    data[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
    data[CAP_PERFMON / 32].effective &= ~(1u << (CAP_PERFMON % 32));
  }
  return (int)syscall(SYS_capset, &hdr, data);
}

static char logbuf[LOG_SIZE];

static int load(struct bpf_insn *prog, int n, int type, const char *license, int level) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_type = (uint32_t)type;
  attr.insns = (uint64_t)(uintptr_t)prog;
  attr.insn_cnt = (uint32_t)n;
  attr.license = (uint64_t)(uintptr_t)license;
  if (level > 0) {
    attr.log_buf = (uint64_t)(uintptr_t)logbuf;
    attr.log_size = LOG_SIZE;
    attr.log_level = (uint32_t)level;
    logbuf[0] = 0;
  }
  return (int)sys_bpf(BPF_PROG_LOAD, &attr);
}

int main(void) {
  static char line[MAX_SLOTS * 16 + 4096];
  static struct bpf_insn prog[MAX_SLOTS];
  while (fgets(line, sizeof(line), stdin)) {
    char *type_s = strtok(line, " \n");
    char *priv_s = strtok(NULL, " \n");
    char *maps_s = strtok(NULL, " \n");
    char *license_hex = strtok(NULL, " \n");
    char *hex = strtok(NULL, " \n");
    static char license[256];
    long license_len = license_hex ? unhex(license_hex, (uint8_t *)license, sizeof(license) - 1) : -1;
    if (license_len >= 0) license[license_len] = 0;
    if (!type_s || !priv_s || !maps_s || license_len < 0 || !hex) {
      printf("bad_input\n");
      fflush(stdout);
      continue;
    }
    long len = unhex(hex, (uint8_t *)prog, sizeof(prog));
    if (len <= 0 || len % 8) {
      printf("bad_input\n");
      fflush(stdout);
      continue;
    }
    int n = (int)(len / 8);
    int fds[MAX_MAPS], nmaps = 0, failed = 0;
    if (strcmp(maps_s, "-") != 0) {
      for (char *spec = strtok(maps_s, ","); spec && nmaps < MAX_MAPS; spec = strtok(NULL, ",")) {
        unsigned t, k, v, mx;
        if (sscanf(spec, "%u:%u:%u:%u", &t, &k, &v, &mx) != 4) { failed = -1; break; }
        union bpf_attr m;
        memset(&m, 0, sizeof(m));
        m.map_type = t;
        m.key_size = k;
        m.value_size = v;
        m.max_entries = mx;
        int fd = (int)sys_bpf(BPF_MAP_CREATE, &m);
        if (fd < 0) { failed = errno; break; }
        fds[nmaps++] = fd;
      }
    }
    if (failed == 0) {
      for (int i = 0; i < n; i++) {
        if (prog[i].code == (BPF_LD | BPF_IMM | BPF_DW) && (prog[i].src_reg == BPF_PSEUDO_MAP_FD || prog[i].src_reg == BPF_PSEUDO_MAP_VALUE)) {
          if (prog[i].imm < 0 || prog[i].imm >= nmaps) { failed = -1; break; }
          prog[i].imm = fds[prog[i].imm];
        }
      }
    }
    if (failed != 0) {
      if (failed < 0) printf("bad_input\n");
      else printf("map %d\n", failed);
    } else {
      int privileged = atoi(priv_s);
      if (set_privileged(privileged) != 0) { perror("capset"); return 2; }
      int fd = load(prog, n, atoi(type_s), license, 0);
      int err = errno;
      if (fd >= 0) {
        close(fd);
        printf("ok\n");
      } else {
        int again = load(prog, n, atoi(type_s), license, 1);
        if (again >= 0) close(again);
        size_t total = strnlen(logbuf, LOG_SIZE);
        size_t from = total > LOG_TAIL ? total - LOG_TAIL : 0;
        printf("load %d ", err);
        for (size_t i = from; i < total; i++) printf("%02x", (unsigned char)logbuf[i]);
        if (total == 0) printf("-");
        printf("\n");
      }
      set_privileged(1);
    }
    for (int i = 0; i < nmaps; i++) close(fds[i]);
    fflush(stdout);
  }
  return 0;
}
