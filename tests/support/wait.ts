// The one way tests wait: poll a condition until it holds or a deadline passes. Never a fixed sleep: a sleep is
// too short on a busy machine and wasted time on an idle one.

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between two checks (default 20 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

type Falsy = undefined | null | false | 0 | "";

/** Polls `predicate` until it returns a truthy value (which it resolves to), or fails after `timeoutMs`. */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 20, what = "a condition" }: WaitOptions = {},
): Promise<Exclude<T, Falsy>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value as Exclude<T, Falsy>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
