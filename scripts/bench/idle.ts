// CPU idle states during the latency runs. There the machine mostly waits (20–40 ms per request for an
// upstream), and on a VM a halted vCPU is woken by the host: ~1 ms per wake-up on this kind of machine,
// paid by the function's process and by the bench alike, and more for Node's host than for Deno's.
// That is the machine, not the function, so the latency runs ask the kernel to keep idle CPUs polling
// (PM QoS: a 0 µs wake-up latency written to /dev/cpu_dma_latency, held while the file stays open),
// as latency benchmarks commonly do. `--allow-idle` measures without it.
import { closeSync, openSync, writeSync } from "node:fs";

/** Keeps idle CPUs polling until the returned release is called; undefined where the kernel won't. */
export function holdCpusAwake(): (() => void) | undefined {
  let fd: number;
  try {
    fd = openSync("/dev/cpu_dma_latency", "w");
    writeSync(fd, new Uint8Array(new Int32Array([0]).buffer));
  } catch {
    // Not Linux, or not root: the runs go ahead with the machine's own idle states, and say so.
    return undefined;
  }
  return () => closeSync(fd);
}
