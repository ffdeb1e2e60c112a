// The progress of a share of several files on stderr (only when it is a terminal): one bar for the whole share
// (bytes, files done, rate, time left) and one bar per file being moved, removed when the file is done.
import { MultiBar, SingleBar } from "cli-progress";
import { shown } from "./fileName";
import { Progress } from "./progress";

const mib = (n: number) => (n / 1048576).toFixed(1);

export interface ShareProgress {
  /** A bar for one file, starting at `sent` of its `size` bytes; its bytes count for the share too. */
  file(name: string, size: number, sent: number): Progress & { done(): void };
  stop(): void;
}

export function shareProgress(
  label: string,
  files: number,
  total: number,
  initial: { bytes: number; files: number },
  stream: NodeJS.WriteStream = process.stderr,
): ShareProgress {
  if (!stream.isTTY) {
    const none = { add: () => undefined, stop: () => undefined, done: () => undefined };
    return { file: () => none, stop: () => undefined };
  }
  const bars = new MultiBar({ stream, hideCursor: true, etaBuffer: 50, fps: 5, clearOnComplete: false });
  const started = Date.now();
  let bytes = initial.bytes;
  let done = initial.files;
  const share: SingleBar = bars.create(
    total,
    bytes,
    { done: mib(bytes), all: mib(total), rate: "0.0", files: done },
    {
      format: `${label} [{bar}] {percentage}% | {files}/${files} files | {done}/{all} MiB | {rate} MiB/s | ETA {eta_formatted}`,
    },
  );
  const addToShare = (n: number) => {
    bytes = Math.max(0, bytes + n);
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    share.update(bytes, { done: mib(bytes), rate: mib((bytes - initial.bytes) / seconds), files: done });
  };
  return {
    file(name, size, sent) {
      const bar = bars.create(
        size,
        sent,
        { done: mib(sent), all: mib(size) },
        {
          format: `  [{bar}] {percentage}% | {done}/{all} MiB | ${shown(name).slice(1, -1)}`,
        },
      );
      let value = sent;
      return {
        add(n) {
          value = Math.max(0, value + n);
          bar.update(value, { done: mib(value) });
          addToShare(n);
        },
        stop: () => bars.remove(bar),
        done() {
          bars.remove(bar);
          done += 1;
          addToShare(0);
        },
      };
    },
    stop: () => bars.stop(),
  };
}
