function run(input) {
  const view = input.data;
  const len = view.byteLength;
  let A = 0, X = 0, T = 0;
  L12: {
    // 0: ldh [12]
    if (len < 24) {
      return 0;
    }
    A = view.getUint16(12);
    // 1: jne #0x800, L12
    if (A === 0x800) {
      // 2: ldb [23]
      A = view.getUint8(23);
      // 3: jne #6, L12
      if (A === 6) {
        // 4: ldh [20]
        A = view.getUint16(20);
        // 5: jset #0x1fff, L12
        if ((A & 0x1fff) === 0) {
          // 6: ldxb 4*([14]&0xf)
          X = (view.getUint8(14) & 0xf) << 2;
          // 7: ldh [x + 14]
          T = X + 14 | 0;
          if (T >= 0 && T <= len - 2) {
            A = view.getUint16(T);
          } else {
            T = loadPacket(input, T | 0, 2);
            if (T < 0) {
              return 0;
            }
            A = T;
          }
          // 8: jeq #0x50, L11
          if (A !== 0x50) {
            // 9: ldh [x + 16]
            T = X + 16 | 0;
            if (T >= 0 && T <= len - 2) {
              A = view.getUint16(T);
            } else {
              T = loadPacket(input, T | 0, 2);
              if (T < 0) {
                return 0;
              }
              A = T;
            }
            // 10: jne #0x50, L12
            if (A !== 0x50) {
              break L12;
            }
          }
          // 11: ret #0x40000
          return 0x40000;
        }
      }
    }
  }
  // 12: ret #0
  return 0;
}
return run;
//# sourceURL=ea-jit/socket-18b6cd40.js
