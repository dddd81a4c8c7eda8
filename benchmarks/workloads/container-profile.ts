/**
 * A container profile in Docker's format, written here for the profile benchmark (not Docker's
 * file): default ERRNO(EPERM); an allow-list of the calls ordinary programs make; personality
 * pinned to a few values; clone under the namespace-flag mask Docker uses and clone3 answered
 * ENOSYS (so glibc falls back to clone); socket without AF_VSOCK; x86-only calls by `arches`;
 * the CAP_SYS_ADMIN / CAP_SYS_PTRACE calls behind their capabilities. The filter covers x86_64
 * with its archMap sub-architectures x86 and x32, like Docker's. Only names libseccomp 2.5.4
 * knows, so both compilers see the same rules.
 */

const ALLOWED = `
accept accept4 access alarm bind brk capget capset chdir chmod chown clock_getres clock_gettime
clock_nanosleep close connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1
epoll_ctl epoll_pwait epoll_wait eventfd eventfd2 execve execveat exit exit_group faccessat
faccessat2 fadvise64 fallocate fchdir fchmod fchmodat fchown fchownat fcntl fdatasync fgetxattr
flistxattr flock fork fremovexattr fsetxattr fstat fstatfs fsync ftruncate futex getcwd getdents
getdents64 getegid geteuid getgid getgroups getitimer getpeername getpgid getpgrp getpid getppid
getpriority getrandom getresgid getresuid getrlimit get_robust_list getrusage getsid getsockname
getsockopt gettid gettimeofday getuid getxattr inotify_add_watch inotify_init1 inotify_rm_watch
ioctl kill lchown lgetxattr link linkat listen listxattr lseek lstat madvise memfd_create mincore
mkdir mkdirat mknod mknodat mlock mmap mprotect mremap msync munlock munmap nanosleep newfstatat
open openat pause pipe pipe2 poll ppoll prctl pread64 preadv prlimit64 pselect6 pwrite64 pwritev
read readahead readlink readlinkat readv recvfrom recvmmsg recvmsg rename renameat renameat2
restart_syscall rmdir rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn
rt_sigsuspend rt_sigtimedwait rt_tgsigqueueinfo sched_getaffinity sched_getparam
sched_get_priority_max sched_getscheduler sched_setaffinity sched_yield select sendfile sendmmsg
sendmsg sendto setfsgid setfsuid setgid setgroups setitimer setpgid setpriority setregid
setresgid setresuid setreuid setrlimit set_robust_list setsid setsockopt set_tid_address setuid
shutdown sigaltstack signalfd4 socketpair splice stat statfs statx symlink symlinkat sync
sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete timerfd_create
timerfd_gettime timerfd_settime timer_getoverrun timer_gettime timer_settime times tkill truncate
umask uname unlink unlinkat utime utimensat utimes vfork wait4 waitid write writev
`;

const names = (text: string): string[] => text.split(/\s+/).filter((n) => n !== '');

/** The profile, as the JSON text a runtime would read. */
export const CONTAINER_PROFILE = JSON.stringify(
  {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
    syscalls: [
      { names: names(ALLOWED), action: 'SCMP_ACT_ALLOW' },
      ...[0, 8, 0x20000, 0x20008, 0xffffffff].map((persona) => ({
        names: ['personality'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: persona, op: 'SCMP_CMP_EQ' }],
      })),
      { names: ['arch_prctl', 'modify_ldt'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32', 'x86'] } },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }], excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] },
      { names: ['bpf', 'clone', 'clone3', 'mount', 'umount2', 'unshare', 'setns', 'pivot_root'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['ptrace', 'process_vm_readv', 'process_vm_writev'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_PTRACE'] } },
    ],
  },
  null,
  2,
);
