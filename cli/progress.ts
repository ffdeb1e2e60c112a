// One progress bar (bytes, rate, time left) on stderr, only when stderr is a terminal.
import { SingleBar } from "cli-progress";

const mib = (n: number) => (n / 1048576).toFixed(1);

export interface Progress {
  add(bytes: number): void;
  stop(): void;
}

export function progressBar(label: string, total: number, initial = 0, stream = process.stderr): Progress {
  if (!stream.isTTY) return { add: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    stream,
    format: `${label} [{bar}] {percentage}% | {done}/{all} MiB | {rate} MiB/s | ETA {eta_formatted}`,
    hideCursor: true,
    etaBuffer: 50,
    fps: 5,
  });
  const started = Date.now();
  let value = initial;
  bar.start(total, initial, { done: mib(initial), all: mib(total), rate: "0.0" });
  return {
    add(bytes) {
      value = Math.max(0, value + bytes);
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      bar.update(value, { done: mib(value), rate: mib((value - initial) / seconds) });
    },
    stop: () => bar.stop(),
  };
}
