/**
 * The browser page of the XDP example: the page fetches a clang-built object and a pcap file and
 * calls `eaXdpCount(object, capture, engine)`, the same countPerProtocol the Node example
 * (../xdp-count.ts) runs, bundled with @ea/ebpf-object and @ea/pcap by esbuild.
 */
import { countPerProtocol } from '../xdp/count.js';

(globalThis as unknown as { eaXdpCount: typeof countPerProtocol }).eaXdpCount = countPerProtocol;
