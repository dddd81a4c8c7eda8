/*
 * uBPF (github.com/iovisor/ubpf, built from a checkout by native/ubpf.ts) as the eBPF peer of the
 * benchmarks: loads each program with ubpf_load, compiles it with ubpf_compile (its x86-64 or
 * arm64 JIT) and times the JIT's function and ubpf_exec (the interpreter) on one input, the way
 * dpdk-harness.c times librte_bpf. uBPF's calling convention is ours: r1 = the input, r2 = its
 * length.
 *
 *   ubpf-harness INPUT ITERS REPS PROGRAM.bin...
 *
 * INPUT is the bytes r1 points to. Each PROGRAM is raw eBPF instructions (8 bytes each,
 * little-endian, as @ea/ebpf's encode writes them). For each program it prints one JSON line:
 * {"index": i, "r0": "hex", "jit_r0": "hex", "jit": [ns per run of each rep] or null,
 * "interpreter": [...], "error": null or a message}.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ubpf.h>

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
typedef uint64_t (*run_fn)(struct ubpf_vm *, uint8_t *, size_t, ubpf_jit_fn);
static uint64_t via_interpreter(struct ubpf_vm *vm, uint8_t *mem, size_t len, ubpf_jit_fn jit) {
  (void)jit;
  uint64_t r0 = 0;
  if (ubpf_exec(vm, mem, len, &r0) != 0) { fprintf(stderr, "ubpf_exec failed\n"); exit(3); }
  return r0;
}
static uint64_t via_jit(struct ubpf_vm *vm, uint8_t *mem, size_t len, ubpf_jit_fn jit) {
  (void)vm;
  return jit(mem, len);
}

static void time_runs(const char *name, run_fn volatile fn, struct ubpf_vm *vm, uint8_t *mem, size_t len,
                      ubpf_jit_fn jit, long iters, int reps) {
  uint64_t sink = 0;
  for (long i = 0; i < iters / 10; i++) sink += fn(vm, mem, len, jit);
  printf(", \"%s\": [", name);
  for (int r = 0; r < reps; r++) {
    double t0 = now_ns();
    for (long i = 0; i < iters; i++) sink += fn(vm, mem, len, jit);
    printf("%s%.3f", r ? ", " : "", (now_ns() - t0) / iters);
  }
  printf("], \"%s_sink\": %llu", name, (unsigned long long)(sink & 1));
}

/* Prints a message as a JSON string (uBPF's messages are plain ASCII, but quotes are escaped). */
static void print_error(const char *what, const char *message) {
  printf(", \"error\": \"%s: ", what);
  for (const char *c = message != NULL ? message : "no message"; *c != '\0'; c++) {
    if (*c == '"' || *c == '\\') putchar('\\');
    if ((unsigned char)*c >= 0x20) putchar(*c);
  }
  printf("\"}\n");
}

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: ubpf-harness INPUT ITERS REPS PROGRAM.bin...\n"); return 2; }
  size_t input_size;
  uint8_t *input = read_file(argv[1], &input_size);
  long iters = atol(argv[2]);
  int reps = atoi(argv[3]);
  for (int p = 4; p < argc; p++) {
    size_t size;
    uint8_t *code = read_file(argv[p], &size);
    struct ubpf_vm *vm = ubpf_create();
    char *err = NULL;
    printf("{\"index\": %d", p - 4);
    if (vm == NULL) { print_error("ubpf_create", "failed"); continue; }
    if (ubpf_load(vm, code, (uint32_t)size, &err) != 0) {
      print_error("ubpf_load", err);
      free(err);
      ubpf_destroy(vm);
      continue;
    }
    /* A copy per run kind, so a program that writes its input sees the same bytes each time. */
    uint8_t *mem = malloc(input_size > 0 ? input_size : 1);
    memcpy(mem, input, input_size);
    uint64_t r0 = 0;
    if (ubpf_exec(vm, mem, input_size, &r0) != 0) {
      print_error("ubpf_exec", "failed");
      ubpf_destroy(vm);
      continue;
    }
    printf(", \"r0\": \"%llx\"", (unsigned long long)r0);
    ubpf_jit_fn jit = ubpf_compile(vm, &err);
    if (jit != NULL) {
      memcpy(mem, input, input_size);
      printf(", \"jit_r0\": \"%llx\"", (unsigned long long)jit(mem, input_size));
      time_runs("jit", via_jit, vm, mem, input_size, jit, iters, reps);
    } else {
      printf(", \"jit\": null, \"jit_error\": \"%s\"", "ubpf_compile failed");
      free(err);
    }
    time_runs("interpreter", via_interpreter, vm, mem, input_size, jit, iters / 10 > 0 ? iters / 10 : 1, reps);
    printf(", \"error\": null}\n");
    fflush(stdout);
    ubpf_destroy(vm);
    free(mem);
    free(code);
  }
  return 0;
}
