/**
 * The libseccomp oracle (python3-seccomp) lives in @ea/testkit, which the profile benchmark
 * shares; these are the names this package's tests use.
 */
export { type LibseccompFilter, libseccompProfileFilter as libseccompFilter, pythonSeccompUnavailable as libseccompUnavailable } from '@ea/testkit';
