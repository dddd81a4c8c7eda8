function run(view) {
  const len = view.byteLength;
  // entry: every absolute load lies below 76
  if (!(len >= 76)) {
    return slow(view);
  }
  let A = 0, X = 0;
  L8: {
    // 0: ld [0]
    A = view.getUint32(0, true);
    // 1: jne #0x1b3, L8
    if (A === 0x1b3) {
      // 2: ldtz #0x58
      A = tailZero(view, 0x58, true);
      // 3: jeq #0, L9
      if (A !== 0) {
        // 4: ld [72]
        A = view.getUint32(72, true);
        // 5: tax
        X = A;
        // 6: ld [x + 0]
        A = loadImageIndirect(view, X, 0, true);
        if (A < 0) {
          return 0;
        }
        // 7: jset #0x10000, L9
        if ((A & 0x10000) === 0) {
          break L8;
        }
      }
      // 9: ret #0x50001
      return 0x50001;
    }
  }
  // 8: ret #0x7fff0000
  return 0x7fff0000;
}
return run;
//# sourceURL=ea-jit/ea-d2dc1a7c.js
