/*
 * DPDK's librte_bpf as the eBPF peer of the benchmarks: loads each program with rte_bpf_load
 * (its verifier, then its x86-64 JIT where it has one) and times rte_bpf_exec (the interpreter)
 * and the JIT's function (rte_bpf_get_jit) on one input, the way the JavaScript engines are timed.
 *
 *   dpdk-harness INPUT ITERS REPS PROGRAM.bin...
 *
 * INPUT is the bytes r1 points to (prog_arg: a pointer to a buffer of that size). Each PROGRAM is
 * raw eBPF instructions (8 bytes each, little-endian, as @ea/ebpf's encode writes them). For each
 * program it prints one JSON line: {"index": i, "r0": "hex", "jit": [ns per run of each rep] or
 * null, "interpreter": [...], "error": null or a message}.
 */
#include <rte_bpf.h>
#include <rte_errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint8_t *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
  if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(2); }
  fclose(f);
  *size = (size_t)n;
  return buf;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Called through a volatile pointer so the compiler cannot hoist the call out of the loop. */
typedef uint64_t (*run_fn)(const struct rte_bpf *, void *, uint64_t (*)(void *));
static uint64_t via_interpreter(const struct rte_bpf *bpf, void *ctx, uint64_t (*jit)(void *)) {
  (void)jit;
  return rte_bpf_exec(bpf, ctx);
}
static uint64_t via_jit(const struct rte_bpf *bpf, void *ctx, uint64_t (*jit)(void *)) {
  (void)bpf;
  return jit(ctx);
}

static void time_runs(const char *name, run_fn volatile fn, const struct rte_bpf *bpf, uint8_t *ctx,
                      uint64_t (*jit)(void *), long iters, int reps) {
  uint64_t sink = 0;
  for (long i = 0; i < iters / 10; i++) sink += fn(bpf, ctx, jit);
  printf(", \"%s\": [", name);
  for (int r = 0; r < reps; r++) {
    double t0 = now_ns();
    for (long i = 0; i < iters; i++) sink += fn(bpf, ctx, jit);
    printf("%s%.3f", r ? ", " : "", (now_ns() - t0) / iters);
  }
  printf("], \"%s_sink\": %llu", name, (unsigned long long)(sink & 1));
}

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: dpdk-harness INPUT ITERS REPS PROGRAM.bin...\n"); return 2; }
  size_t input_size;
  uint8_t *input = read_file(argv[1], &input_size);
  long iters = atol(argv[2]);
  int reps = atoi(argv[3]);
  for (int p = 4; p < argc; p++) {
    size_t size;
    uint8_t *code = read_file(argv[p], &size);
    struct rte_bpf_prm prm;
    memset(&prm, 0, sizeof prm);
    prm.ins = (const struct ebpf_insn *)code;
    prm.nb_ins = (uint32_t)(size / sizeof(struct ebpf_insn));
    prm.prog_arg.type = RTE_BPF_ARG_PTR;
    prm.prog_arg.size = input_size;
    struct rte_bpf *bpf = rte_bpf_load(&prm);
    printf("{\"index\": %d", p - 4);
    if (bpf == NULL) {
      printf(", \"error\": \"rte_bpf_load failed: rte_errno %d\"}\n", rte_errno);
      continue;
    }
    /* A copy per run kind, so a program that writes its input sees the same bytes each time. */
    uint8_t *ctx = malloc(input_size > 0 ? input_size : 1);
    memcpy(ctx, input, input_size);
    uint64_t r0 = rte_bpf_exec(bpf, ctx);
    printf(", \"r0\": \"%llx\"", (unsigned long long)r0);
    struct rte_bpf_jit jit;
    memset(&jit, 0, sizeof jit);
    if (rte_bpf_get_jit(bpf, &jit) == 0 && jit.func != NULL) {
      memcpy(ctx, input, input_size);
      uint64_t jr0 = jit.func(ctx);
      printf(", \"jit_r0\": \"%llx\"", (unsigned long long)jr0);
      time_runs("jit", via_jit, bpf, ctx, jit.func, iters, reps);
    } else {
      printf(", \"jit\": null");
    }
    time_runs("interpreter", via_interpreter, bpf, ctx, jit.func, iters / 10 > 0 ? iters / 10 : 1, reps);
    printf(", \"error\": null}\n");
    fflush(stdout);
    rte_bpf_destroy(bpf);
    free(ctx);
    free(code);
  }
  return 0;
}
