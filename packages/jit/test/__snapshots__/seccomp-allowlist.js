function run(view) {
  const len = view.byteLength;
  // entry: every absolute load lies below 8
  if (!(len >= 8)) {
    return slow(view);
  }
  let A = 0;
  // 0: ld [4]
  A = view.getUint32(4, true);
  // 1: jne #0xc000003e, L14
  if (A !== 0xc000003e) {
    // 14: ret #0x80000000
    return 0x80000000;
  }
  L12: {
    // 2: ld [0]
    A = view.getUint32(0, true);
    // 3: jeq #0, L12
    // 4: jeq #1, L12
    // 5: jeq #2, L12
    // 6: jeq #3, L12
    // 7: jeq #0x3c, L12
    // 8: jeq #0xe7, L12
    // 9: jeq #9, L13
    // 10: jeq #0xa, L13
    if (A < 0x3c) {
      if (A <= 3) {
        break L12;
      }
      if (A >= 9 && A <= 0xa) {
        // 13: ret #0x50001
        return 0x50001;
      }
    } else {
      if (A <= 0x3c) {
        break L12;
      }
      if (A === 0xe7) {
        break L12;
      }
    }
    // 11: ret #0x50026
    return 0x50026;
  }
  // 12: ret #0x7fff0000
  return 0x7fff0000;
}
return run;
//# sourceURL=ea-jit/seccomp-f84a053e.js
