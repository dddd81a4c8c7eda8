function run(input) {
  const view = input.data;
  const len = view.byteLength;
  let A = 0, X = 0, M2 = 0;
  // 0: ld #6
  // 1: st M[0]
  // 2: ld #7
  // 3: ldx M[0]
  // 4: mul x
  // 5: st M[1]
  // 6: ldx #len
  X = (input.wireLength ?? len) >>> 0;
  // 7: ld #0x3e8
  // 8: div x
  if (X === 0) {
    return 0;
  }
  A = 0x3e8 / X >>> 0;
  // 9: ldx M[1]
  // 10: add x
  A = A + 0x2a >>> 0;
  // 11: st M[2]
  M2 = A;
  // 12: st M[3]
  // 13: ld M[2]
  A = M2;
  // 14: ret a
  return A;
}
return run;
//# sourceURL=ea-jit/socket-4d69d6d8.js
