// Lambda entry points, for aws.lambda.CallbackFunction's callbackFactory: the factory runs once per cold
// start and builds the SDK clients from the environment; the handler it returns runs per request.
import type { APIGatewayProxyEvent, APIGatewayProxyResult, S3Event } from "aws-lambda";
import { fromEnvironment } from "../config/runtime";
import { depsFromEnvironment } from "./deps";
import { ApiHandle, handleApiEvent } from "./http";
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
