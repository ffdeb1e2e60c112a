// Lambda entry points, for aws.lambda.CallbackFunction's callbackFactory: the factory runs once per cold
// start and builds the handler's dependencies from the environment; the handler it returns runs per request.
import type { APIGatewayProxyEvent, APIGatewayProxyResult, S3Event } from "aws-lambda";
import { fromEnvironment } from "../config/runtime";
import { depsFromEnvironment } from "./deps";
import { ConfigOnly, handleApiEvent } from "./http";
import { handleObjectCreated, Outcome } from "./objectCreated";
import type { Route } from "./routeTable";

type Context = { awsRequestId: string };

/** The dependencies of a route that needs nothing but the stack's config. */
export function configOnlyFromEnvironment(): ConfigOnly {
  return { config: fromEnvironment(process.env) };
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
