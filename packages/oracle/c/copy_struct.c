/*
 * copy_struct: calls EA syscalls with crafted struct sizes and contents so the
 * copy_struct_from_user model of @ea/layout can be checked against the running kernel.
 *
 * Memory: three pages at `base`; the third is PROT_NONE (a guard). Each case places the
 * struct `back` bytes before the guard (so bytes at struct offsets >= back fault), zeroes
 * the two mapped pages, then applies its tokens. Every call is made so that it cannot
 * succeed with an effect: openat2/mount_setattr on dirfd -1 with a relative path (EBADF
 * after the copy), sched_setattr on a pid that does not exist (ESRCH), clone3 with
 * set_tid = [1] (EEXIST) or, where the struct is too short to carry set_tid, a child that
 * exits at once and is reaped.
 *
 * stdin, one case per line:  <sys> <back> <usize> <xflags> <token>...
 *   sys    openat2 | clone3 | sched_setattr | mount_setattr | perf_event_open |
 *          landlock_create_ruleset
 *   usize  decimal u64 (ignored by sched_setattr, whose size is inside the struct)
 *   xflags mount_setattr's flags argument (0 otherwise)
 *   B:<off>:<val>  byte at struct offset
 *   Q:<off>:<val>  little-endian u64 at struct offset
 *   P:<off>:<rel>  u64 at struct offset = base + rel (a pointer into the mapping)
 *   M:<rel>:<val>  u32 at base + rel
 *   N:0:0          pass NULL as the struct pointer
 * stdout, one line per case:  <ret> <errno> <u32 at struct offset 0> <u32 at offset 4>
 * (after the call, -1 where unmapped: sched_setattr and perf_event_open write their size back)
 * where ret is "child" for a successful clone3 (the child exited and was reaped).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#include <unistd.h>

#define PAGE 4096
#define NONEXISTENT_PID 0x3fffffff

int main(void) {
	unsigned char *base = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED || mprotect(base + 2 * PAGE, PAGE, PROT_NONE) != 0) {
		perror("mmap");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	char line[8192];
	while (fgets(line, sizeof line, stdin)) {
		char sys[64];
		unsigned long back;
		unsigned long long usize;
		unsigned long xflags;
		int used = 0;
		if (sscanf(line, "%63s %lu %llu %lu%n", sys, &back, &usize, &xflags, &used) != 4 || back > 2 * PAGE) {
			printf("bad-line 0 -1 -1\n");
			continue;
		}
		memset(base, 0, 2 * PAGE);
		unsigned char *s = base + 2 * PAGE - back;
		char *p = line + used;
		char kind;
		unsigned long off;
		unsigned long long val;
		int n;
		int null_ptr = 0;
		while (sscanf(p, " %c:%lu:%llu%n", &kind, &off, &val, &n) == 3) {
			p += n;
			if (kind == 'B' && off < back) s[off] = (unsigned char)val;
			else if (kind == 'Q' && off + 8 <= back) { uint64_t v = val; memcpy(s + off, &v, 8); }
			else if (kind == 'P' && off + 8 <= back) { uint64_t v = (uint64_t)(uintptr_t)base + val; memcpy(s + off, &v, 8); }
			else if (kind == 'M' && off + 4 <= 2 * PAGE) { uint32_t v = (uint32_t)val; memcpy(base + off, &v, 4); }
			else if (kind == 'N') null_ptr = 1;
		}
		if (null_ptr) {
			s = NULL;
			back = 0; /* nothing to read back */
		}
		long ret;
		errno = 0;
		if (strcmp(sys, "openat2") == 0) {
			ret = syscall(SYS_openat2, -1, "ea-copy-struct-nonexistent", s, (size_t)usize);
		} else if (strcmp(sys, "mount_setattr") == 0) {
			ret = syscall(SYS_mount_setattr, -1, "ea-copy-struct-nonexistent", (unsigned int)xflags, s, (size_t)usize);
		} else if (strcmp(sys, "sched_setattr") == 0) {
			ret = syscall(SYS_sched_setattr, NONEXISTENT_PID, s, 0);
		} else if (strcmp(sys, "perf_event_open") == 0) {
			/* pid -1 and cpu -1 together are refused after the copy (EINVAL) */
			ret = syscall(SYS_perf_event_open, s, -1, -1, -1, 0);
		} else if (strcmp(sys, "landlock_create_ruleset") == 0) {
			/* an all-zero ruleset is refused after the copy (ENOMSG) */
			ret = syscall(SYS_landlock_create_ruleset, s, (size_t)usize, 0);
		} else if (strcmp(sys, "clone3") == 0) {
			ret = syscall(SYS_clone3, s, (size_t)usize);
			if (ret == 0) _exit(0); /* the child of a clone3 that succeeded: leave at once */
			if (ret > 0) {
				int e = errno;
				waitpid((pid_t)ret, NULL, __WALL);
				errno = e;
				printf("child 0 -1 -1\n");
				continue;
			}
		} else {
			printf("bad-sys 0 -1 -1\n");
			continue;
		}
		int e = ret < 0 ? errno : 0;
		if (ret >= 0 && strcmp(sys, "clone3") != 0 && strcmp(sys, "mount_setattr") != 0 && strcmp(sys, "sched_setattr") != 0) close((int)ret);
		long long after = -1, after4 = -1;
		if (back >= 4) { uint32_t v; memcpy(&v, s, 4); after = v; }
		if (back >= 8) { uint32_t v; memcpy(&v, s + 4, 4); after4 = v; }
		printf("%ld %d %lld %lld\n", ret < 0 ? -1L : ret, e, after, after4);
	}
	return 0;
}
