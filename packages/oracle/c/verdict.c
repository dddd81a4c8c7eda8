/*
 * verdict: the kernel's load-time verdict for many classic BPF programs.
 *
 * stdin: records of  u32 mode, u32 count, count * struct sock_filter (8 bytes, native order)
 *   mode 0: attach as a socket filter (SO_ATTACH_FILTER on a fresh AF_UNIX datagram socket)
 *   mode 1: load as a seccomp filter in a forked child (NO_NEW_PRIVS + seccomp(SET_MODE_FILTER))
 *   mode 2: chain: count is the number of filters that follow, each as u32 len + len insns;
 *           all are loaded in order in one forked child; one result per filter
 * stdout: one s32 per result (native order): 0 = accepted, else the errno.
 *
 * A loaded seccomp filter applies to the child's own later syscalls, so the child reports
 * through shared memory (no syscall) and then exits; whatever the filter does to exit_group
 * does not matter. A chain stops loading after the first failure (later results are -1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CHAIN 4096

static int read_full(void *buf, size_t len) {
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(0, (char *)buf + got, len - got);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) return got == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

static void write_full(const void *buf, size_t len) {
	size_t done = 0;
	while (done < len) {
		ssize_t r = write(1, (const char *)buf + done, len - done);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) exit(3);
		done += (size_t)r;
	}
}

static struct sock_filter *read_prog(uint32_t count) {
	struct sock_filter *insns = malloc(count == 0 ? 8 : (size_t)count * sizeof(*insns));
	if (insns == NULL) exit(4);
	if (count > 0 && read_full(insns, (size_t)count * sizeof(*insns)) != 1) exit(5);
	return insns;
}

static int32_t socket_verdict(struct sock_filter *insns, uint32_t count) {
	struct sock_fprog prog = { .len = (unsigned short)count, .filter = insns };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0) exit(6);
	int32_t result = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) == 0 ? 0 : errno;
	close(fd);
	return result;
}

/* Loads n filters in one child; results[i] gets each seccomp() errno (0 = loaded). */
static void seccomp_chain(struct sock_filter **progs, uint32_t *lens, uint32_t n, int32_t *results) {
	volatile int32_t *shared = mmap(NULL, sizeof(int32_t) * (MAX_CHAIN + 1), PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) exit(7);
	for (uint32_t i = 0; i < n; i++) shared[i] = -1;
	pid_t pid = fork();
	if (pid < 0) exit(8);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(9);
		for (uint32_t i = 0; i < n; i++) {
			struct sock_fprog prog = { .len = (unsigned short)lens[i], .filter = progs[i] };
			long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
			shared[i] = r == 0 ? 0 : errno;
			if (r != 0) break;
		}
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
	for (uint32_t i = 0; i < n; i++) results[i] = shared[i];
	munmap((void *)shared, sizeof(int32_t) * (MAX_CHAIN + 1));
}

int main(void) {
	uint32_t header[2];
	int r;
	while ((r = read_full(header, sizeof(header))) == 1) {
		uint32_t mode = header[0], count = header[1];
		if (mode == 0 || mode == 1) {
			struct sock_filter *insns = read_prog(count);
			int32_t result;
			if (mode == 0) result = socket_verdict(insns, count);
			else seccomp_chain(&insns, &count, 1, &result);
			free(insns);
			write_full(&result, sizeof(result));
		} else if (mode == 2 && count <= MAX_CHAIN) {
			struct sock_filter *progs[MAX_CHAIN];
			uint32_t lens[MAX_CHAIN];
			int32_t results[MAX_CHAIN];
			for (uint32_t i = 0; i < count; i++) {
				if (read_full(&lens[i], sizeof(lens[i])) != 1) exit(5);
				progs[i] = read_prog(lens[i]);
			}
			seccomp_chain(progs, lens, count, results);
			for (uint32_t i = 0; i < count; i++) free(progs[i]);
			write_full(results, sizeof(int32_t) * count);
		} else {
			exit(2);
		}
	}
	return r == 0 ? 0 : 1;
}
