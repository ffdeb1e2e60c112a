// Retry with exponential backoff and jitter, for anything marked `retryable`.

export interface RetryOptions {
  attempts: number;
  /** First wait, ms; doubles each time up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called before each wait (e.g. to take back progress). */
  onRetry?: (error: unknown, attempt: number) => void;
}

const isRetryable = (e: unknown) => (e as { retryable?: unknown })?.retryable === true;

export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const base = options.baseDelayMs ?? Number(process.env["FILESHARE_RETRY_BASE_MS"] ?? 500);
  const max = options.maxDelayMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (!isRetryable(e) || attempt >= options.attempts) throw e;
      options.onRetry?.(e, attempt);
      const delay = Math.min(max, base * 2 ** (attempt - 1));
      await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * (delay / 2)));
    }
  }
}
