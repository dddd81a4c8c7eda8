/*
 * run_socket: the kernel as the oracle for socket filters. For each program read from stdin it
 * makes an AF_UNIX SOCK_DGRAM socketpair, attaches the filter to the receiving end with
 * SO_ATTACH_FILTER and sends each packet through it, reporting how many bytes arrived.
 *
 * On an AF_UNIX datagram socket the filter runs synchronously in the sender's send() (the
 * datagram is silently discarded when it says so), so a non-blocking recv() right after the
 * send tells "dropped" (EAGAIN) from "delivered, possibly trimmed" without ever waiting.
 *
 * Input (text, numbers in decimal or 0x hex):
 *   P <n>                 a program of n instructions follows, one per line: code jt jf k
 *   K <m>                 m packets follow, one per line in hex ("-" is the empty packet)
 * Output, per program:   A <errno>   (0 when the filter attached; otherwise no packet is sent)
 *                        then per packet: R <bytes delivered> | R -1 (dropped) | R -2 (not sent)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PACKET 65536

static char *read_line(char **buf, size_t *cap) {
	ssize_t n = getline(buf, cap, stdin);
	if (n < 0) return NULL;
	while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r')) (*buf)[--n] = 0;
	return *buf;
}

static void die(const char *what) {
	fprintf(stderr, "run_socket: %s\n", what);
	exit(2);
}

static int hex_value(char c) {
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Parses a hex line into out; returns the byte count or -1. */
static long parse_hex(const char *s, unsigned char *out) {
	if (strcmp(s, "-") == 0) return 0;
	size_t len = strlen(s);
	if (len % 2 != 0 || len / 2 > MAX_PACKET) return -1;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
		if (hi < 0 || lo < 0) return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(len / 2);
}

int main(void) {
	char *line = NULL;
	size_t cap = 0;
	static unsigned char packet[MAX_PACKET], got[MAX_PACKET + 1];
	while (read_line(&line, &cap) != NULL) {
		if (line[0] == 0) continue;
		unsigned long n;
		if (sscanf(line, "P %lu", &n) != 1 || n == 0 || n > 65535) die("expected P <n>");
		struct sock_filter *insns = calloc(n, sizeof *insns);
		if (insns == NULL) die("out of memory");
		for (unsigned long i = 0; i < n; i++) {
			long code, jt, jf, k;
			if (read_line(&line, &cap) == NULL || sscanf(line, "%li %li %li %li", &code, &jt, &jf, &k) != 4) die("bad instruction line");
			insns[i] = (struct sock_filter){ (unsigned short)code, (unsigned char)jt, (unsigned char)jf, (unsigned int)k };
		}
		unsigned long m;
		if (read_line(&line, &cap) == NULL || sscanf(line, "K %lu", &m) != 1) die("expected K <m>");

		int sv[2];
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0) die("socketpair");
		struct sock_fprog prog = { .len = (unsigned short)n, .filter = insns };
		int attach_errno = 0;
		if (setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0) attach_errno = errno;
		printf("A %d\n", attach_errno);
		for (unsigned long j = 0; j < m; j++) {
			if (read_line(&line, &cap) == NULL) die("missing packet line");
			long len = parse_hex(line, packet);
			if (len < 0) die("bad packet hex");
			if (attach_errno != 0) {
				printf("R -2\n");
				continue;
			}
			if (send(sv[0], packet, (size_t)len, 0) != len) die("send");
			ssize_t r = recv(sv[1], got, sizeof got, MSG_DONTWAIT | MSG_TRUNC);
			if (r < 0) {
				if (errno != EAGAIN && errno != EWOULDBLOCK) die("recv");
				printf("R -1\n");
			} else {
				/* A delivered datagram must be a prefix of what was sent. */
				if (r > len || memcmp(got, packet, (size_t)r) != 0) die("delivered bytes are not a prefix of the packet");
				printf("R %zd\n", r);
			}
		}
		close(sv[0]);
		close(sv[1]);
		free(insns);
		fflush(stdout);
	}
	free(line);
	return 0;
}
