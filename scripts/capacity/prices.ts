// AWS prices and quotas the capacity calculator uses, each with where it comes from and when it was read.
// Nothing here could be checked against a live AWS page from this machine: numbers were read on 2026-12-07 from
// the stored copies the search tool returned (quoted sources below). `assumption` says where a number is not a
// published figure for the region in question.

/** A number and where it comes from. */
export interface Sourced {
  value: number;
  /** What the number is, in words (with its unit). */
  what: string;
  source: string;
  /** Set when the value is not AWS's published figure for the stack's region. */
  assumption?: string;
}

/** When the numbers below were read. */
export const READ_ON = "2026-12-07";

const US_EAST_1_PRICE =
  "us-east-1 list price; the stacks run in eu-west-1, whose price was not available here (Ireland's are equal or a few percent higher for these services: check the pricing page before relying on it)";

/** Prices, US dollars. */
export const PRICES = {
  lambdaRequest: {
    value: 0.2 / 1e6,
    what: "Lambda, per request",
    source: "https://aws.amazon.com/lambda/pricing/",
    assumption: US_EAST_1_PRICE,
  },
  lambdaArmGbSecond: {
    value: 0.0000133334,
    what: "Lambda on Arm (the functions' architecture, infra/functions.ts), per GB-second, first 7.5 billion GB-s a month",
    source: "https://aws.amazon.com/lambda/pricing/",
    assumption: US_EAST_1_PRICE,
  },
  apiRestRequest: {
    value: 3.5 / 1e6,
    what: "API Gateway REST API, per request, first 333 million a month",
    source: "https://aws.amazon.com/api-gateway/pricing/",
    assumption: US_EAST_1_PRICE,
  },
  dynamoWriteUnit: {
    value: 0.625 / 1e6,
    what: "DynamoDB on-demand, per write request unit",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    assumption: US_EAST_1_PRICE,
  },
  dynamoReadUnit: {
    value: 0.125 / 1e6,
    what: "DynamoDB on-demand, per read request unit",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    assumption: US_EAST_1_PRICE,
  },
  s3PutClass: {
    value: 0.005 / 1000,
    what: "S3 Standard, per PUT, COPY, POST or LIST request (UploadPart, CreateMultipartUpload, Complete and every List count here)",
    source: "https://aws.amazon.com/s3/pricing/",
    assumption: US_EAST_1_PRICE,
  },
  s3GetClass: {
    value: 0.0004 / 1000,
    what: "S3 Standard, per GET, SELECT and all other requests (HEAD counts here); DELETE and abort requests are free",
    source: "https://aws.amazon.com/s3/pricing/",
    assumption: US_EAST_1_PRICE,
  },
  s3StorageGbMonth: {
    value: 0.023,
    what: "S3 Standard storage, per GB-month, first 50 TB",
    source: "https://aws.amazon.com/s3/pricing/",
    assumption: US_EAST_1_PRICE,
  },
  transferOutGb: {
    value: 0.09,
    what: "Data transfer out of AWS to the internet, per GB, first 10 TB a month (later tiers are cheaper: this overstates large volumes)",
    source: "https://aws.amazon.com/s3/pricing/ (Data Transfer)",
    assumption: `${US_EAST_1_PRICE}; the first 100 GB a month are free and ignored`,
  },
  eventBridgeEvent: {
    value: 1 / 1e6,
    what: "EventBridge, per custom event published (PutEvents entry of up to 64 KB)",
    source: "https://aws.amazon.com/eventbridge/pricing/",
  },
  wafWebAcl: {
    value: 5,
    what: "WAF, per web ACL and month",
    source: "https://aws.amazon.com/waf/pricing/ (and the prod stack's own note, Pulumi.prod.yaml)",
  },
  wafRule: {
    value: 1,
    what: "WAF, per rule and month (the stack has 2: the per-IP rate rule and AWS's common rule set)",
    source: "https://aws.amazon.com/waf/pricing/",
  },
  wafRequest: {
    value: 0.6 / 1e6,
    what: "WAF, per request inspected",
    source: "https://aws.amazon.com/waf/pricing/",
  },
} satisfies Record<string, Sourced>;

/** Quotas, per account and region unless said otherwise. */
export const QUOTAS = {
  lambdaConcurrency: {
    value: 1000,
    what: "Lambda concurrent executions (Service Quotas: AWS Lambda > Concurrent executions)",
    source: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    assumption: "the default; new accounts may start lower, check Service Quotas",
  },
  apiAccountRps: {
    value: 10000,
    what: "API Gateway throttle per account and region, requests per second (Service Quotas: Amazon API Gateway > Throttle rate)",
    source: "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
  },
  cognitoUserAuthenticationRps: {
    value: 120,
    what: "Cognito user pools, UserAuthentication category (InitiateAuth, token refresh, hosted sign-in), requests per second",
    source: "https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html",
  },
  eventBridgePutEventsTps: {
    value: 10000,
    what: "EventBridge PutEvents, requests per second (Service Quotas: Amazon EventBridge > PutEvents throttle limit in transactions per second)",
    source: "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html",
    assumption:
      "us-east-1's published value; the stored page was cut off before eu-west-1's line (it lists eu-west-1 with us-east-1's value for invocations)",
  },
  dynamoPartitionWcu: {
    value: 1000,
    what: "DynamoDB write units per second on one partition (one partition key value, in the table or an index)",
    source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html",
  },
  dynamoTableWru: {
    value: 40000,
    what: "DynamoDB on-demand write request units per second per table (Service Quotas: Amazon DynamoDB > Table-level write throughput limit)",
    source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
  },
  s3PrefixPutRps: {
    value: 3500,
    what: "S3 PUT/COPY/POST/DELETE requests per second per prefix",
    source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html",
  },
  s3PrefixGetRps: {
    value: 5500,
    what: "S3 GET/HEAD requests per second per prefix",
    source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html",
  },
} satisfies Record<string, Sourced>;

/** The function memory and durations the cost uses. */
export const LAMBDA = {
  memoryGb: {
    value: 256 / 1024,
    what: "memory of every function, GB (infra/functions.ts FUNCTION_MEMORY_MB)",
    source: "infra/functions.ts",
  },
  apiDurationSeconds: {
    value: 0.2,
    what: "billed duration of one route or ObjectCreated invocation, seconds",
    source:
      "tests/capacity/flows.test.ts (CAPACITY_REPORT=1), median 60-400 ms per function on a loaded 2-core machine",
    assumption: "a round figure above the local medians; Lambda's own durations depend on cold starts and AWS latency",
  },
  cleanupDurationSeconds: {
    value: 2,
    what: "billed duration of one clean-up run, seconds (plus about 0.2 s per share removed)",
    source: "tests/capacity/flows.test.ts, 0.9-1.6 s locally for a run of 33 Queries and 2 listings",
    assumption: "a round figure above the local measurement",
  },
} satisfies Record<string, Sourced>;
