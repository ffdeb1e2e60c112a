// One progress bar (bytes, rate, time left) on stderr, only when stderr is a terminal.
import { SingleBar } from "cli-progress";

const mib = (n: number) => (n / 1048576).toFixed(1);

export interface Progress {
  add(bytes: number): void;
  stop(): void;
}

/** `done` is said once every byte is sent, while the last answer is awaited (storage checks and stores the bytes,
 *  which takes seconds for a large file): the bar never sits silently at 100%. */
export function progressBar(
  label: string,
  total: number,
  initial = 0,
  stream: NodeJS.WriteStream = process.stderr,
  done = "",
): Progress {
  if (!stream.isTTY) return { add: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    stream,
    format: `${label} [{bar}] {percentage}% | {done}/{all} MiB | {rate} MiB/s | ETA {eta_formatted}{note}`,
    hideCursor: true,
    etaBuffer: 50,
    fps: 5,
  });
  const started = Date.now();
  let value = initial;
  bar.start(total, initial, { done: mib(initial), all: mib(total), rate: "0.0", note: "" });
  return {
    add(bytes) {
      value = Math.max(0, value + bytes);
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      const note = value >= total && done !== "" ? ` | ${done}` : "";
      bar.update(value, { done: mib(value), rate: mib((value - initial) / seconds), note });
    },
    stop: () => bar.stop(),
  };
}
