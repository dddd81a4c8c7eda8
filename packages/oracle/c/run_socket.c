/*
 * run_socket: the kernel as the oracle for socket filters. For each program read from stdin it
 * makes an AF_UNIX SOCK_DGRAM socketpair, attaches the filter to the receiving end with
 * SO_ATTACH_FILTER and sends each packet through it, reporting how many bytes arrived.
 *
 * On an AF_UNIX datagram socket the filter runs synchronously in the sender's send() (the
 * datagram is silently discarded when it says so), so a non-blocking recv() right after the
 * send tells "dropped" (EAGAIN) from "delivered, possibly trimmed" without ever waiting.
 *
 * With the argument `packet` it uses an AF_PACKET SOCK_RAW socket on the loopback device of a
 * private network namespace instead, so the filter sees a whole Ethernet frame (offset 0 = MAC
 * header, network header at 14), a device (ifindex, ARPHRD_LOOPBACK) and the protocol and
 * packet type eth_type_trans derived from the frame. Loopback delivers in softirq context, so a
 * second, unfiltered packet socket acts as a clock: once it has the frame, the filtered socket
 * has judged it too (the process is pinned to one CPU, where a softirq runs to completion).
 * Frames must be at least 14 bytes. The first output line is then `I <ifindex of lo>`.
 *
 * Input (text, numbers in decimal or 0x hex):
 *   P <n>                 a program of n instructions follows, one per line: code jt jf k
 *   K <m>                 m packets follow, one per line in hex ("-" is the empty packet)
 * Output, per program:   A <errno>   (0 when the filter attached; otherwise no packet is sent)
 *                        then per packet: R <bytes delivered> | R -1 (dropped) | R -2 (not sent)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
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

/* Packet mode: the loopback device's index, the sending socket and the clock socket. */
static int packet_mode, lo_index, tx_fd, clock_fd;

static int packet_socket(void) {
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) die("socket(AF_PACKET)");
	int one = 1;
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) != 0) die("PACKET_IGNORE_OUTGOING");
	return fd;
}

static void bind_all(int fd) {
	struct sockaddr_ll addr = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = lo_index };
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die("bind(AF_PACKET)");
}

/* A private network namespace with its loopback up, pinned to one CPU. */
static void setup_packet_mode(void) {
	cpu_set_t one_cpu;
	CPU_ZERO(&one_cpu);
	if (sched_getaffinity(0, sizeof one_cpu, &one_cpu) != 0) die("sched_getaffinity");
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, &one_cpu)) {
			CPU_ZERO(&one_cpu);
			CPU_SET(c, &one_cpu);
			break;
		}
	}
	if (sched_setaffinity(0, sizeof one_cpu, &one_cpu) != 0) die("sched_setaffinity");
	if (unshare(CLONE_NEWNET) != 0) die("unshare(CLONE_NEWNET)");
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) die("SIOCSIFFLAGS");
	close(s);
	lo_index = (int)if_nametoindex("lo");
	if (lo_index == 0) die("if_nametoindex(lo)");
	tx_fd = packet_socket();
	clock_fd = packet_socket();
	bind_all(clock_fd);
	printf("I %d\n", lo_index);
}

/* Sends a frame on lo and waits until the unfiltered clock socket has received it. */
static void send_frame(const unsigned char *frame, long len) {
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = lo_index, .sll_halen = ETH_ALEN };
	if (sendto(tx_fd, frame, (size_t)len, 0, (struct sockaddr *)&to, sizeof to) != len) die("sendto(AF_PACKET)");
	static unsigned char sink[MAX_PACKET];
	struct pollfd pfd = { .fd = clock_fd, .events = POLLIN };
	for (;;) {
		if (poll(&pfd, 1, 5000) != 1) die("the clock socket did not see the frame");
		ssize_t r = recv(clock_fd, sink, sizeof sink, MSG_DONTWAIT);
		if (r == len && memcmp(sink, frame, (size_t)len) == 0) return;
		if (r < 0 && errno != EAGAIN) die("recv(clock)");
	}
}

int main(int argc, char **argv) {
	packet_mode = argc > 1 && strcmp(argv[1], "packet") == 0;
	if (packet_mode) setup_packet_mode();
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
		if (packet_mode) {
			sv[0] = tx_fd;
			sv[1] = packet_socket();
		} else if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0) {
			die("socketpair");
		}
		struct sock_fprog prog = { .len = (unsigned short)n, .filter = insns };
		int attach_errno = 0;
		if (setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0) attach_errno = errno;
		/* Bound only once the filter is on, so no frame reaches it unfiltered. */
		if (packet_mode && attach_errno == 0) bind_all(sv[1]);
		printf("A %d\n", attach_errno);
		for (unsigned long j = 0; j < m; j++) {
			if (read_line(&line, &cap) == NULL) die("missing packet line");
			long len = parse_hex(line, packet);
			if (len < 0) die("bad packet hex");
			if (attach_errno != 0) {
				printf("R -2\n");
				continue;
			}
			if (packet_mode) {
				if (len < ETH_HLEN) die("packet mode needs frames of at least 14 bytes");
				send_frame(packet, len);
			} else if (send(sv[0], packet, (size_t)len, 0) != len) {
				die("send");
			}
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
		if (!packet_mode) close(sv[0]);
		close(sv[1]);
		free(insns);
		fflush(stdout);
	}
	free(line);
	return 0;
}
