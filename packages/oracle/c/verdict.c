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
 * through memory it shares with us (no syscall) and then exits; whatever the filter does to
 * exit_group does not matter. A chain stops loading after the first failure (later results -1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
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

struct chain_job {
	struct sock_filter **progs;
	uint32_t *lens;
	uint32_t n;
	volatile int32_t *results;
};

/* Runs in the clone()d child, which shares our memory: no syscall after a load but _exit. */
static int chain_child(void *arg) {
	struct chain_job *job = arg;
	for (uint32_t i = 0; i < job->n; i++) {
		struct sock_fprog prog = { .len = (unsigned short)job->lens[i], .filter = job->progs[i] };
		long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
		job->results[i] = r == 0 ? 0 : errno;
		if (r != 0) break;
	}
	_exit(0);
}

static char child_stack[256 * 1024] __attribute__((aligned(16)));

/*
 * Loads n filters in one child task; results[i] gets each seccomp() errno (0 = loaded).
 * fork() costs ~10 ms on a loaded machine; clone(CLONE_VM | CLONE_VFORK) shares the address
 * space and suspends us until the child exits, about 20 times faster. The filters attach to the
 * child task only; NO_NEW_PRIVS was set once in main().
 */
static void seccomp_chain(struct sock_filter **progs, uint32_t *lens, uint32_t n, int32_t *results) {
	volatile int32_t shared[MAX_CHAIN];
	for (uint32_t i = 0; i < n; i++) shared[i] = -1;
	struct chain_job job = { progs, lens, n, shared };
	int saved = errno;
	pid_t pid = clone(chain_child, child_stack + sizeof(child_stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &job);
	if (pid < 0) exit(8);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
	errno = saved;
	for (uint32_t i = 0; i < n; i++) results[i] = shared[i];
}

int main(void) {
	uint32_t header[2];
	int r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) exit(9);
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
