/*
 * run_seccomp: the kernel as the oracle for seccomp filters (x86_64). For each program read from
 * stdin it installs the filter on a worker thread of a forked child and issues the given
 * syscalls from that thread, reporting what the kernel did.
 *
 * Harmless calls: the caller chooses numbers that do nothing when allowed, namely numbers with
 * no syscall behind them (1000..1999, 0xffffffff, x32-bit or negative numbers: -ENOSYS) and
 * getpid/getppid/gettid (which return a positive id). The arguments are never dereferenced.
 *
 * How results are observed (docs/kernel-facts.md, observed 15). The worker first installs a helper filter
 * that only acts on syscalls issued from three known `syscall` instructions (probe1..3, matched
 * by instruction pointer), then the tested filter on top. Only the worker is filtered (no TSYNC),
 * so the main thread stays free to watch it. The tested filter must not read the instruction
 * pointer (seccomp_data offsets 8 and 12).
 *   probe1 (helper: ALLOW)        shows the tested filter alone: a return value (errno or the
 *                                 syscall's result), SIGSYS for TRAP (si_errno = data, recorded by
 *                                 a handler that longjmps out so no further syscall is made), the
 *                                 worker's death for KILL_THREAD, the child's death for
 *                                 KILL_PROCESS and for undefined actions.
 *   probe2 (helper: ERRNO|1234)   only when probe1 gave -ENOSYS: the tested filter's ERRNO|38
 *                                 wins a tie with the helper (-38), anything weaker than ERRNO
 *                                 loses (-1234).
 *   probe3 (helper: USER_NOTIF)   only when probe2 gave -1234: the tested filter's own USER_NOTIF
 *                                 wins the tie but has no listener (-ENOSYS); TRACE, LOG, ALLOW
 *                                 lose and the main thread answers the helper's notification
 *                                 with -2345. TRACE vs LOG/ALLOW shows in probe1 for getpid-class
 *                                 numbers (TRACE without a tracer gives -ENOSYS); LOG vs ALLOW is
 *                                 invisible without the audit log.
 * Sealed calls (an `s` after the arguments) skip probe1 and start at probe2: the helper's ERRNO or
 * USER_NOTIF then outranks every action that would let the call run, so the syscall itself is
 * never executed, whatever its number and arguments (clone, reboot, kexec_load ... are safe to
 * issue), while every action of the tested filter that stops the call still shows (ERRNO with its
 * data, TRAP, the kills, USER_NOTIF); TRACE, LOG and ALLOW show as one class. An `i` issues the
 * call through `int $0x80` (probes 5 and 6, the i386 ABI: seccomp_data.arch is AUDIT_ARCH_I386,
 * arguments from ebx, ecx, edx, esi, edi, ebp); such calls are always sealed.
 * Each call's result lands in shared memory before the next starts, so a kill loses nothing: a
 * dead worker is replaced (KILL_THREAD), a dead child is re-forked (KILL_PROCESS), and the batch
 * resumes with the next call. One child serves many programs, each on a fresh worker thread (the
 * main thread has no filter, so new threads start clean). A finished worker ends itself through
 * probe4, where the helper returns KILL_THREAD: that beats every action of the tested filter but
 * KILL_PROCESS and the undefined negative ones, which end the child instead (it is re-forked).
 *
 * Input (text, numbers in decimal or 0x hex):
 *   P <n>                then n lines `code jt jf k`
 *   C <m>                then m lines `nr a0 a1 a2 a3 a4 a5 [s|si]`, numbers in hex without 0x
 * Output, one line per call, in order:
 *   ret <r1> <r2|-> <r3|->       return values of probe1..3 (negative = -errno)
 *   sealed <r2> <r3|->           a sealed call: return values of probe2 and (when it gave the
 *                                helper's -1234) probe3, or of their int $0x80 twins
 *   trap <si_errno> <si_syscall>
 *   kill_thread
 *   kill_process <signal>
 *   install_error <errno>        the kernel refused the filter (seccomp(2) failed)
 */
#undef _FORTIFY_SOURCE /* longjmp must not call sigaltstack from inside the filtered thread */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define HELPER_ERRNO 1234
#define NOTIF_ERRNO 2345

enum kind { K_NONE, K_RET, K_SEALED, K_TRAP, K_KILL_THREAD, K_KILL_PROCESS, K_INSTALL_ERROR };

/* Call modes (the optional last field of a call line). */
#define MODE_SEALED 1
#define MODE_INT80 2

struct result {
	int kind;
	int probes;
	long r[3];
	long trap_errno, trap_syscall;
};

struct shared {
	volatile int current;      /* call the worker is on */
	volatile int done;         /* worker finished its program's calls */
	volatile int exiting;      /* worker is ending itself through probe4 */
	volatile int listener;     /* the helper filter's USER_NOTIF fd */
};

/* The whole batch, read before anything runs. */
struct program { size_t insn_at; unsigned short len; };
static struct program *programs;
static struct sock_filter *pool;
static uint64_t (*calls)[7];
static unsigned char *call_mode; /* MODE_* of each call */
static int *call_program; /* program index of each call */
static int ncalls;

static struct shared *sh;
static struct result *results; /* shared, one per call */
static int worker_from, worker_to;
static sigjmp_buf trap_jump;

/* One `syscall` instruction per probe; the label right after it is the IP the filter sees. */
#define PROBE(name)                                                                              \
	__attribute__((noinline, noclone)) static long name(long nr, const uint64_t *a) {             \
		register uint64_t r10 __asm__("r10") = a[3];                                              \
		register uint64_t r8 __asm__("r8") = a[4];                                                \
		register uint64_t r9 __asm__("r9") = a[5];                                                \
		long ret;                                                                                 \
		__asm__ volatile("syscall\n.globl " #name "_ip\n" #name "_ip:\n"                          \
				 : "=a"(ret)                                                              \
				 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)  \
				 : "rcx", "r11", "memory");                                               \
		return ret;                                                                               \
	}
PROBE(probe1)
PROBE(probe2)
PROBE(probe3)
PROBE(probe4)
extern const char probe1_ip[], probe2_ip[], probe3_ip[], probe4_ip[];

/*
 * The same through `int $0x80`: from a 64-bit task that is an i386 (compat) syscall, so the filter
 * sees AUDIT_ARCH_I386 and the i386 number. ebp carries the sixth argument, so it is saved around
 * the call; the kernel may clobber r8-r11 on this path.
 */
#define PROBE32(name)                                                                            \
	__attribute__((noinline, noclone)) static long name(long nr, const uint64_t *a) {             \
		long ret;                                                                                 \
		__asm__ volatile("push %%rbp\nmov %[a5], %%rbp\nint $0x80\n.globl " #name "_ip\n" #name "_ip:\npop %%rbp" \
				 : "=a"(ret)                                                              \
				 : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4]), [a5] "r"(a[5]) \
				 : "r8", "r9", "r10", "r11", "memory", "cc");                             \
		return (long)(int)ret;                                                                    \
	}
PROBE32(probe5)
PROBE32(probe6)
extern const char probe5_ip[], probe6_ip[];

static void on_sigsys(int sig, siginfo_t *info, void *uc) {
	(void)sig;
	(void)uc;
	struct result *res = &results[sh->current];
	res->kind = K_TRAP;
	res->trap_errno = info->si_errno;
	res->trap_syscall = info->si_syscall;
	siglongjmp(trap_jump, 1); /* no rt_sigreturn: the tested filter would judge it */
}

static long sys_seccomp(unsigned op, unsigned flags, void *arg) {
	return syscall(SYS_seccomp, op, flags, arg);
}

/*
 * The helper: ALLOW everywhere except probe2 and probe5 (ERRNO|HELPER_ERRNO), probe3 and probe6
 * (USER_NOTIF) and probe4 (KILL_THREAD, the worker's way out). It reads only the instruction
 * pointer, never the arch, so the int $0x80 probes are matched the same way.
 */
static int install_helper(void) {
	uint64_t ip2 = (uint64_t)probe2_ip, ip3 = (uint64_t)probe3_ip, ip4 = (uint64_t)probe4_ip;
	uint64_t ip5 = (uint64_t)probe5_ip, ip6 = (uint64_t)probe6_ip;
	if ((ip2 >> 32) != (ip3 >> 32) || (ip2 >> 32) != (ip4 >> 32) || (ip2 >> 32) != (ip5 >> 32) || (ip2 >> 32) != (ip6 >> 32)) return -1;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(ip2 >> 32), 0, 10),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip2, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip5, 1, 0),
		BPF_STMT(BPF_JMP | BPF_JA, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | HELPER_ERRNO),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip3, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip6, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip4, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_THREAD),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };
	long fd = sys_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0) return -1;
	sh->listener = (int)fd;
	return 0;
}

static void *worker(void *arg) {
	(void)arg;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || install_helper() != 0) {
		fprintf(stderr, "run_seccomp: cannot install the helper filter: %s\n", strerror(errno));
		_exit(3);
	}
	const struct program *p = &programs[call_program[worker_from]];
	struct sock_fprog prog = { .len = p->len, .filter = &pool[p->insn_at] };
	if (sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		int err = errno;
		for (int i = worker_from; i < worker_to; i++) {
			results[i].kind = K_INSTALL_ERROR;
			results[i].r[0] = err;
		}
		sh->done = 1;
		return NULL;
	}
	/* From here on no syscall may be made except through the probes. */
	for (volatile int i = worker_from; i < worker_to; i++) {
		sh->current = i;
		struct result *res = &results[i];
		if (sigsetjmp(trap_jump, 0) != 0) continue; /* TRAP: the handler filled res */
		long nr = (long)(uint32_t)calls[i][0];
		const uint64_t *a = &calls[i][1];
		if (call_mode[i] & MODE_SEALED) {
			/* Never probe1: the helper outranks anything that would let the call run. */
			int int80 = call_mode[i] & MODE_INT80;
			res->r[0] = int80 ? probe5(nr, a) : probe2(nr, a);
			res->probes = 1;
			if (res->r[0] == -HELPER_ERRNO) {
				res->r[1] = int80 ? probe6(nr, a) : probe3(nr, a);
				res->probes = 2;
			}
			res->kind = K_SEALED;
			continue;
		}
		res->r[0] = probe1(nr, a);
		res->probes = 1;
		if (res->r[0] == -ENOSYS) {
			res->r[1] = probe2(nr, a);
			res->probes = 2;
			if (res->r[1] == -HELPER_ERRNO) {
				res->r[2] = probe3(nr, a);
				res->probes = 3;
			}
		}
		res->kind = K_RET;
	}
	sh->exiting = 1;
	sh->done = 1;
	/* KILL_THREAD from the helper (or the tested filter's KILL_PROCESS, which ends the child). */
	long last = (long)(uint32_t)calls[worker_to - 1][0];
	for (;;) probe4(last, &calls[worker_to - 1][1]);
}

/*
 * Waits up to a millisecond for the helper's USER_NOTIF notification and answers it with
 * -NOTIF_ERRNO. Sleeping here (rather than spinning) keeps the oracle cheap on a busy machine.
 */
static void serve_listener(void) {
	int fd = sh->listener;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	if (fd < 0) {
		poll(NULL, 0, 1);
		return;
	}
	if (poll(&pfd, 1, 1) <= 0 || !(pfd.revents & POLLIN)) return;
	struct seccomp_notif req;
	memset(&req, 0, sizeof req);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return;
	struct seccomp_notif_resp resp = { .id = req.id, .val = 0, .error = -NOTIF_ERRNO, .flags = 0 };
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* One past the last call of the program that call i belongs to. */
static int program_end(int i) {
	int j = i;
	while (j < ncalls && call_program[j] == call_program[i]) j++;
	return j;
}

/* The child's main thread: runs a worker per program until every call from `from` has a result. */
static void child(int from) {
	/* Not dumpable: a killed child skips the core-dump path entirely (and leaves no core file). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSYS, &sa, NULL);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1 << 16);
	int start = from;
	while (start < ncalls) {
		worker_from = start;
		worker_to = program_end(start);
		sh->done = 0;
		sh->exiting = 0;
		sh->listener = -1;
		sh->current = start;
		pthread_t t;
		if (pthread_create(&t, &attr, worker, NULL) != 0) _exit(4);
		for (;;) {
			serve_listener();
			if (pthread_tryjoin_np(t, NULL) == 0) break;
		}
		if (sh->done) {
			start = worker_to;
		} else {
			/* The worker died without finishing its call: KILL_THREAD. */
			results[sh->current].kind = K_KILL_THREAD;
			start = sh->current + 1;
		}
		if (sh->listener >= 0) close(sh->listener);
	}
	_exit(0);
}

static char *read_line(char **buf, size_t *cap) {
	ssize_t n = getline(buf, cap, stdin);
	if (n < 0) return NULL;
	while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r')) (*buf)[--n] = 0;
	return *buf;
}

static void die(const char *what) {
	fprintf(stderr, "run_seccomp: %s\n", what);
	exit(2);
}

static void run_all(void) {
	int from = 0;
	while (from < ncalls) {
		sh->exiting = 0;
		pid_t pid = fork();
		if (pid < 0) die("fork");
		if (pid == 0) child(from);
		int status;
		if (waitpid(pid, &status, 0) != pid) die("waitpid");
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) break;
		if (!WIFSIGNALED(status)) die("child failed");
		if (sh->exiting) {
			/* The tested filter killed the process on the worker's way out: its calls are done. */
			from = program_end(sh->current);
		} else {
			/* KILL_PROCESS (or an undefined action): the current call ends the child. */
			int cur = sh->current;
			results[cur].kind = K_KILL_PROCESS;
			results[cur].r[0] = WTERMSIG(status);
			from = cur + 1;
		}
	}
	for (int i = 0; i < ncalls; i++) {
		struct result *res = &results[i];
		switch (res->kind) {
		case K_RET:
			printf("ret %ld", res->r[0]);
			for (int p = 1; p < 3; p++) {
				if (p < res->probes) printf(" %ld", res->r[p]);
				else printf(" -");
			}
			printf("\n");
			break;
		case K_SEALED:
			printf("sealed %ld", res->r[0]);
			if (res->probes > 1) printf(" %ld\n", res->r[1]);
			else printf(" -\n");
			break;
		case K_TRAP: printf("trap %ld %ld\n", res->trap_errno, res->trap_syscall); break;
		case K_KILL_THREAD: printf("kill_thread\n"); break;
		case K_KILL_PROCESS: printf("kill_process %ld\n", res->r[0]); break;
		case K_INSTALL_ERROR: printf("install_error %ld\n", res->r[0]); break;
		default: die("a call has no result");
		}
	}
	fflush(stdout);
}

static void *grow(void *p, size_t *cap, size_t need, size_t size) {
	if (need <= *cap) return p;
	size_t n = *cap == 0 ? 1024 : *cap;
	while (n < need) n *= 2;
	p = realloc(p, n * size);
	if (p == NULL) die("out of memory");
	*cap = n;
	return p;
}

int main(void) {
	/* Killed children must not leave core files behind (core_pattern may be a plain file). */
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) die("mmap");
	size_t pool_cap = 0, pool_len = 0, prog_cap = 0, call_cap = 0, owner_cap = 0, mode_cap = 0;
	int nprograms = 0;
	char *line = NULL;
	size_t cap = 0;
	while (read_line(&line, &cap) != NULL) {
		if (line[0] == 0) continue;
		unsigned long n;
		if (sscanf(line, "P %lu", &n) != 1 || n == 0 || n > 65535) die("expected P <n>");
		pool = grow(pool, &pool_cap, pool_len + n, sizeof *pool);
		programs = grow(programs, &prog_cap, (size_t)nprograms + 1, sizeof *programs);
		programs[nprograms] = (struct program){ pool_len, (unsigned short)n };
		for (unsigned long i = 0; i < n; i++) {
			long code, jt, jf, k;
			if (read_line(&line, &cap) == NULL || sscanf(line, "%li %li %li %li", &code, &jt, &jf, &k) != 4) die("bad instruction line");
			pool[pool_len++] = (struct sock_filter){ (unsigned short)code, (unsigned char)jt, (unsigned char)jf, (unsigned int)k };
		}
		unsigned long m;
		if (read_line(&line, &cap) == NULL || sscanf(line, "C %lu", &m) != 1) die("expected C <m>");
		for (unsigned long j = 0; j < m; j++) {
			unsigned long long v[7] = { 0 };
			char mode[4] = { 0 };
			if (read_line(&line, &cap) == NULL) die("missing call line");
			int fields = sscanf(line, "%llx %llx %llx %llx %llx %llx %llx %3s", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], mode);
			if (fields != 7 && fields != 8) die("bad call line");
			unsigned char m8 = 0;
			if (fields == 8) {
				if (strcmp(mode, "s") == 0) m8 = MODE_SEALED;
				else if (strcmp(mode, "si") == 0) m8 = MODE_SEALED | MODE_INT80;
				else die("bad call mode");
			}
			calls = grow(calls, &call_cap, (size_t)ncalls + 1, sizeof *calls);
			call_program = grow(call_program, &owner_cap, (size_t)ncalls + 1, sizeof *call_program);
			call_mode = grow(call_mode, &mode_cap, (size_t)ncalls + 1, sizeof *call_mode);
			call_mode[ncalls] = m8;
			for (int q = 0; q < 7; q++) calls[ncalls][q] = v[q];
			call_program[ncalls++] = nprograms;
		}
		nprograms++;
	}
	free(line);
	if (ncalls == 0) return 0;
	results = mmap(NULL, sizeof *results * (size_t)ncalls, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (results == MAP_FAILED) die("mmap");
	run_all();
	return 0;
}
