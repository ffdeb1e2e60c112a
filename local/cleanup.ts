// The clean-up in the local mode: the same runCleanup that the scheduled Lambda function runs, on a timer, so an
// expired share's bytes leave the data folder within seconds. Runs never overlap here (a slow run delays the next).
import { CLEANUP_FINISHED, runCleanup } from "../handlers/cleanup";
import { Deps } from "../handlers/deps";
import { createLogger, describeError, Logger } from "../handlers/log";

/** `log`, less the summaries of runs that removed nothing and failed nothing (every few seconds locally, they would
 *  bury everything else), unless FILESHARE_LOG_LEVEL=debug. */
export function quietWhenIdle(log: Logger, env: Record<string, string | undefined> = process.env): Logger {
  if (env.FILESHARE_LOG_LEVEL === "debug") return log;
  return {
    ...log,
    info: (message, fields) => {
      if (message === CLEANUP_FINISHED && fields?.removed === 0 && fields?.failed === 0) return;
      log.info(message, fields);
    },
  };
}

export interface CleanupTimer {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Runs the clean-up every `intervalMs` against `deps` (read at each run, so a test can move its clock). */
export function startCleanupTimer(deps: () => Deps | undefined, intervalMs: number): CleanupTimer {
  const log = quietWhenIdle(createLogger({ component: "local-cleanup" }));
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = () => {
    const current = deps();
    if (stopped || current === undefined) return schedule();
    running = runCleanup(current, { limit: current.config.cleanupBatchSize, log })
      .then(
        () => undefined,
        (e: unknown) => log.error("clean-up run failed", describeError(e)),
      )
      .finally(() => {
        running = undefined;
        schedule();
      });
  };
  const schedule = () => {
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
