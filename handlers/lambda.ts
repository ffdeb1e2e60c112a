// Lambda entry points, for aws.lambda.CallbackFunction's callbackFactory: the factory runs once per cold
// start and builds the handler's dependencies from the environment; the handler it returns runs per request.
import type { APIGatewayProxyEvent, APIGatewayProxyResult, S3Event } from "aws-lambda";
import { fromEnvironment } from "../config/runtime";
import { bucketOriginOf } from "./bucketOrigin";
import { CleanupReport, runCleanup } from "./cleanup";
import { depsFromEnvironment } from "./clients";
import { ConfigOnly, handleApiEvent } from "./http";
import { createLogger, fingerprint, logKeyFromEnvironment } from "./log";
import { handleObjectCreated, Outcome } from "./objectCreated";
import type { Route } from "./routeSpec";

type Context = { awsRequestId: string };

/** The dependencies of a route that needs nothing but the stack's config (and the log key, for its request line). */
export function configOnlyFromEnvironment(): ConfigOnly {
  const config = fromEnvironment(process.env);
  const logKey = logKeyFromEnvironment(process.env);
  return {
    config,
    bucketOrigin: bucketOriginOf(config.bucketName, process.env),
    fingerprint: (value) => fingerprint(logKey, value),
  };
}

/**
 * The callbackFactory of a route's function: it runs exactly `route.handler`, with the dependencies the
 * route's `needs` names. Only the handler and the chosen builder are captured (picked here, at deploy time),
 * so a "none" route's serialized code never references the SDK and its archive can leave it out.
 */
export function routeFunctionFactory(route: Route) {
  if (route.needs === "none") {
    const handler = route.handler;
    return () => {
      const deps = configOnlyFromEnvironment();
      return (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
        handleApiEvent(handler, event, context, deps);
    };
  }
  const handler = route.handler;
  return () => {
    const deps = depsFromEnvironment();
    return (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
      handleApiEvent(handler, event, context, deps);
  };
}

/** The callbackFactory of the S3 ObjectCreated function. */
export function objectCreatedFunctionFactory() {
  return () => {
    const deps = depsFromEnvironment();
    return (event: S3Event, context: Context): Promise<Outcome[]> => handleObjectCreated(event, context, deps);
  };
}

/** The callbackFactory of the scheduled clean-up function. A run that could not remove something fails (after
 *  finishing the rest of its batch), so the function's Errors metric is the clean-up failure alarm's signal. */
export function cleanupFunctionFactory() {
  return () => {
    const deps = depsFromEnvironment();
    return async (_event: unknown, context: Context): Promise<CleanupReport> => {
      const log = createLogger({ requestId: context.awsRequestId });
      const report = await runCleanup(deps, {
        limit: deps.config.cleanupBatchSize,
        log,
        requestId: context.awsRequestId,
      });
      if (report.failed > 0) throw new Error(`clean-up left ${report.failed} share(s) for the next run`);
      return report;
    };
  };
}
