// Lambda entry points, for aws.lambda.CallbackFunction's callbackFactory: the factory runs once per cold
// start and builds the SDK clients from the environment; the handler it returns runs per request.
import type { APIGatewayProxyEvent, APIGatewayProxyResult, S3Event } from "aws-lambda";
import { fromEnvironment } from "../config/runtime";
import { CleanupReport, runCleanup } from "./cleanup";
import { depsFromEnvironment } from "./deps";
import { ApiHandle, handleApiEvent } from "./http";
import { createLogger } from "./log";
import { handleObjectCreated, Outcome } from "./objectCreated";
import { servePage } from "./routes/page";

type Context = { awsRequestId: string };

/** The callbackFactory of an API route's function. */
export function apiFunctionFactory(handle: ApiHandle) {
  return () => {
    const deps = depsFromEnvironment();
    return (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
      handleApiEvent(handle, event, context, deps);
  };
}

/** The callbackFactory of the page's function: the page needs the stack's config only, so this function
 *  builds no SDK clients and its archive can leave the SDK out (infra/functions.ts). */
export function pageFunctionFactory() {
  return () => {
    const deps = { config: fromEnvironment(process.env) };
    return (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
      handleApiEvent(servePage, event, context, deps);
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
      const report = await runCleanup(deps, { limit: deps.config.cleanupBatchSize, log });
      if (report.failed > 0) throw new Error(`clean-up left ${report.failed} share(s) for the next run`);
      return report;
    };
  };
}
