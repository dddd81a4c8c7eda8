/*
 * run_libpcap: libpcap as the oracle for capture files and userland filtering (what tcpdump -r
 * does). It opens CAPTURE with pcap_open_offline and reads it with pcap_next_ex, reporting each
 * packet's captured and wire length; with a PROGRAM file (tcpdump -ddd's format: the count, then
 * one "code jt jf k" line per instruction, in decimal) it first asks bpf_validate and, when the
 * program is valid, runs bpf_filter over every packet (buflen = caplen, wirelen = len).
 *
 * The program must terminate: libpcap runs backward jumps without any bound. Callers pass a
 * timeout.
 *
 * `run_libpcap -v` instead reads programs from stdin (each: the count, then "code jt jf k"
 * lines) and prints `V <0|1>`, bpf_validate's answer, for each: nothing runs.
 *
 * Output:   O <message>                  the file could not be opened (nothing else follows)
 *           V <0|1>                      bpf_validate's answer (only with PROGRAM)
 *           K <caplen> <len> [<result>]  per packet (result only for a valid program)
 *           E <message>                  pcap_next_ex failed (damaged file): the last line
 *           D                            end of file: the last line
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads one program from f (count, then instructions); NULL at end of input. */
static struct bpf_insn *read_one(FILE *f, const char *path, int *count) {
  if (fscanf(f, "%d", count) != 1) return NULL;
  if (*count < 1) {
    fprintf(stderr, "program %s: bad count %d\n", path, *count);
    exit(2);
  }
  struct bpf_insn *insns = calloc((size_t)*count, sizeof *insns);
  for (int i = 0; i < *count; i++) {
    unsigned code, jt, jf, k;
    if (fscanf(f, "%u %u %u %u", &code, &jt, &jf, &k) != 4) {
      fprintf(stderr, "program %s: instruction %d is malformed\n", path, i);
      exit(2);
    }
    insns[i].code = (unsigned short)code;
    insns[i].jt = (unsigned char)jt;
    insns[i].jf = (unsigned char)jf;
    insns[i].k = k;
  }
  return insns;
}

static struct bpf_insn *read_program(const char *path, int *count) {
  FILE *f = fopen(path, "r");
  struct bpf_insn *insns = f == NULL ? NULL : read_one(f, path, count);
  if (insns == NULL) {
    fprintf(stderr, "cannot read program %s\n", path);
    exit(2);
  }
  fclose(f);
  return insns;
}

static int validate_all(void) {
  int count;
  struct bpf_insn *insns;
  while ((insns = read_one(stdin, "<stdin>", &count)) != NULL) {
    printf("V %d\n", bpf_validate(insns, count) ? 1 : 0);
    free(insns);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "-v") == 0) return validate_all();
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: run_libpcap CAPTURE [PROGRAM]\n");
    return 2;
  }
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(argv[1], errbuf);
  if (p == NULL) {
    printf("O %s\n", errbuf);
    return 0;
  }
  struct bpf_insn *insns = NULL;
  int count = 0;
  int valid = 0;
  if (argc == 3) {
    insns = read_program(argv[2], &count);
    valid = bpf_validate(insns, count);
    printf("V %d\n", valid ? 1 : 0);
  }
  struct pcap_pkthdr *hdr;
  const unsigned char *data;
  int status;
  while ((status = pcap_next_ex(p, &hdr, &data)) == 1) {
    if (valid) {
      printf("K %u %u %u\n", hdr->caplen, hdr->len, bpf_filter(insns, data, hdr->len, hdr->caplen));
    } else {
      printf("K %u %u\n", hdr->caplen, hdr->len);
    }
  }
  if (status == PCAP_ERROR) printf("E %s\n", pcap_geterr(p));
  else printf("D\n");
  pcap_close(p);
  free(insns);
  return 0;
}
