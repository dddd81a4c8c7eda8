function run(view) {
  const len = view.byteLength;
  // entry: every absolute load lies below 24
  if (!(len >= 24)) {
    return slow(view);
  }
  let A = 0, X = 0;
  // 0: ld [16]
  A = view.getUint32(16, true);
  // 1: jle #0xa, L4
  if (A > 0xa) {
    // 2: ldx #1
    X = 1;
  } else {
    // 4: ldx #2
    X = 2;
  }
  // 5: ld [20]
  A = view.getUint32(20, true);
  // 6: jset x, L7, L8
  if ((A & X) !== 0) {
    // 7: ret a
    return A;
  }
  // 8: ret #0
  return 0;
}
return run;
//# sourceURL=ea-jit/seccomp-f24d21a7.js
