/*
 * Native peers for the benchmarks: times only the filter loop over packets held in
 * memory, so that it measures the same work as the JavaScript engines.
 *
 *   harness-libpcap CAPTURE REPS PROGRAM.bin...   libpcap's bpf_filter() on each program
 *   harness-native  CAPTURE REPS                  every function of the gcc -O2 translation
 *                                                 (compiled in with -DFILTERS="file.c")
 *
 * With EA_HARNESS_ONLY=i in the environment, only program i runs. EA_HARNESS_PASSES=p makes each
 * timed repetition p passes over the packets (the cache-resident workload: few packets, many
 * passes); EA_HARNESS_EVICT=bytes writes a buffer of that size before each repetition, so each
 * pass starts with the packets out of the caches (the cold workload). ns are per packet and pass.
 *
 * CAPTURE is a pcap file read with libpcap into one buffer. For each program it prints
 * one JSON line: {"index": i, "matched": m, "total": n, "hash": h, "ns": [ns per packet of each rep]},
 * where hash folds every return value (h = h * 31 + ret, u32) for the cross-check between engines.
 * `harness --version` prints libpcap's version string.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef uint32_t (*filter_fn)(const uint8_t *P, uint32_t wirelen, uint32_t buflen);

#ifdef FILTERS
#include FILTERS
#endif

static uint8_t *data;
static size_t *offsets;
static uint32_t *caplens, *wirelens;
static size_t count;

static void load_capture(const char *path) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, err);
  if (p == NULL) { fprintf(stderr, "harness: %s\n", err); exit(2); }
  size_t cap = 1024, used = 0, size = 1 << 20;
  data = malloc(size);
  offsets = malloc(cap * sizeof *offsets);
  caplens = malloc(cap * sizeof *caplens);
  wirelens = malloc(cap * sizeof *wirelens);
  struct pcap_pkthdr *h;
  const u_char *bytes;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &bytes)) == 1) {
    if (count == cap) {
      cap *= 2;
      offsets = realloc(offsets, cap * sizeof *offsets);
      caplens = realloc(caplens, cap * sizeof *caplens);
      wirelens = realloc(wirelens, cap * sizeof *wirelens);
    }
    while (used + h->caplen > size) { size *= 2; data = realloc(data, size); }
    memcpy(data + used, bytes, h->caplen);
    offsets[count] = used;
    caplens[count] = h->caplen;
    wirelens[count] = h->len;
    used += h->caplen;
    count++;
  }
  if (rc == -1) { fprintf(stderr, "harness: %s\n", pcap_geterr(p)); exit(2); }
  pcap_close(p);
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

#ifdef FILTERS
#define FILTER_CALL(prog, i) (prog)(data + offsets[i], wirelens[i], caplens[i])
typedef filter_fn program_t;
#else
#define FILTER_CALL(prog, i) bpf_filter((prog), data + offsets[i], wirelens[i], caplens[i])
typedef const struct bpf_insn *program_t;
#endif

/* The timed loop: only the filter calls and the match count. */
static size_t run(program_t prog) {
  size_t matched = 0;
  for (size_t i = 0; i < count; i++) matched += FILTER_CALL(prog, i) != 0;
  return matched;
}

static uint32_t hash_returns(program_t prog) {
  uint32_t h = 0;
  for (size_t i = 0; i < count; i++) h = h * 31u + (uint32_t)FILTER_CALL(prog, i);
  return h;
}

#ifndef FILTERS

static struct bpf_insn *load_program(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  if (n <= 0 || n % 8 != 0) { fprintf(stderr, "harness: %s: bad program size %ld\n", path, n); exit(2); }
  struct bpf_insn *prog = malloc((size_t)n);
  if (fread(prog, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(2); }
  fclose(f);
  return prog;
}
#endif

static uint8_t *evict_buffer;
static size_t evict_bytes;

/* Touches every cache line of a buffer larger than the last-level cache, outside the timing. */
static void evict(void) {
  for (size_t i = 0; i < evict_bytes; i += 64) evict_buffer[i] = (uint8_t)(evict_buffer[i] + 1);
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--version") == 0) { printf("%s\n", pcap_lib_version()); return 0; }
  if (argc < 3) { fprintf(stderr, "usage: %s CAPTURE REPS [PROGRAM.bin...]\n", argv[0]); return 2; }
  load_capture(argv[1]);
  int reps = atoi(argv[2]);
  if (reps < 1 || count == 0) { fprintf(stderr, "harness: need REPS >= 1 and a non-empty capture\n"); return 2; }
#ifdef FILTERS
  int programs = (int)(sizeof FILTER_TABLE / sizeof FILTER_TABLE[0]);
#else
  int programs = argc - 3;
#endif
  /* EA_HARNESS_ONLY=i times program i alone, so a benchmark can time it right beside the other
     engines instead of all programs at the start of a run. */
  const char *only = getenv("EA_HARNESS_ONLY");
  int pick = only == NULL ? -1 : atoi(only);
  const char *passes_env = getenv("EA_HARNESS_PASSES");
  int passes = passes_env == NULL ? 1 : atoi(passes_env);
  if (passes < 1) { fprintf(stderr, "harness: EA_HARNESS_PASSES must be >= 1\n"); return 2; }
  const char *evict_env = getenv("EA_HARNESS_EVICT");
  evict_bytes = evict_env == NULL ? 0 : (size_t)strtoull(evict_env, NULL, 10);
  if (evict_bytes > 0) evict_buffer = calloc(evict_bytes, 1);
  for (int f = 0; f < programs; f++) {
    if (pick >= 0 && f != pick) continue;
#ifdef FILTERS
    /* Read the pointer through a volatile so gcc cannot inline the filter into the loop:
       every engine pays one call per packet. */
    filter_fn prog = *(filter_fn volatile *)&FILTER_TABLE[f];
#else
    struct bpf_insn *prog = load_program(argv[3 + f]);
#endif
    volatile size_t matched = run(prog); /* warm-up, and the count for the cross-check */
    uint32_t h = hash_returns(prog);
    printf("{\"index\": %d, \"matched\": %zu, \"total\": %zu, \"hash\": %u, \"ns\": [", f, (size_t)matched, count, h);
    for (int r = 0; r < reps; r++) {
      if (evict_bytes > 0) evict();
      double t0 = now_ns();
      for (int p = 0; p < passes; p++) {
        volatile size_t m = run(prog);
        (void)m;
      }
      double t1 = now_ns();
      printf("%s%.4f", r == 0 ? "" : ", ", (t1 - t0) / ((double)count * passes));
    }
    printf("]}\n");
    fflush(stdout);
  }
  return 0;
}
