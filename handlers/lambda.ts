// Lambda entry points, for aws.lambda.CallbackFunction's callbackFactory: the factory runs once per cold
// start and builds the SDK clients from the environment; the handler it returns runs per request.
import type { APIGatewayProxyEvent, APIGatewayProxyResult, S3Event } from "aws-lambda";
import { depsFromEnvironment } from "./deps";
import { ApiHandle, handleApiEvent } from "./http";
import { handleObjectCreated, Outcome } from "./objectCreated";

type Context = { awsRequestId: string };

/** The callbackFactory of an API route's function. */
export function apiFunctionFactory(handle: ApiHandle) {
  return () => {
    const deps = depsFromEnvironment();
    return (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
      handleApiEvent(handle, event, context, deps);
  };
}

/** The callbackFactory of the S3 ObjectCreated function. */
export function objectCreatedFunctionFactory() {
  return () => {
    const deps = depsFromEnvironment();
    return (event: S3Event, context: Context): Promise<Outcome[]> => handleObjectCreated(event, context, deps);
  };
}
