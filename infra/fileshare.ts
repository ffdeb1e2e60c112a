// The whole application: storage, the functions that use it, the API in front of them, the S3 upload events,
// and the bucket's CORS rule (created last: it needs the API's origin, which serves the web page).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ROUTES } from "../handlers/api";
import { AccessLogs } from "./accessLogs";
import { Alarms } from "./alarms";
import { Api } from "./api";
import { ApiKeys } from "./apiKeys";
import { AuditEvents } from "./audit";
import { Auth } from "./auth";
import { ProgramConfig } from "./config";
import { Dashboard } from "./dashboard";
import { Domain } from "./domain";
import { AllFunctions, FunctionMap, Functions } from "./functions";
import { createBucketCors, Storage } from "./storage";
import { accountOf, regionOf, UploadEvents } from "./uploadEvents";
import { Waf } from "./waf";

export class FileShare extends pulumi.ComponentResource {
  /** The API's base URL, ending with "/". */
  public readonly apiUrl: pulumi.Output<string>;
  public readonly bucketName: pulumi.Output<string>;
  public readonly tableName: pulumi.Output<string>;
  /** The route, upload-event and clean-up functions by name (`functions.createUpload.code` is its archive). */
  public readonly functions: FunctionMap;
  /** Every Lambda function the program creates, by name: `functions` plus the sign-in trigger and the API-key
   *  authorizer when configured. Alarms cover this list, so a new function cannot be left without them. */
  public readonly allFunctions: AllFunctions;
  public readonly bucket: aws.s3.Bucket;
  public readonly table: aws.dynamodb.Table;
  /** The user pool, its app client and sign-in domain (auth cognito only). */
  public readonly auth?: Auth;
  /** fileshare:apiKeys: the keys, usage plans and the write routes' authorizer. */
  public readonly apiKeys?: ApiKeys;
  /** fileshare:apiKeys: the id of the machine clients' API key (its value: `aws apigateway get-api-key`). */
  public readonly clientApiKeyId?: pulumi.Output<string>;
  /** Where S3 upload events that could not be processed are kept. */
  public readonly failedUploadEvents: aws.sqs.Queue;
  /** The audit event bus, and the forwarding topic when fileshare:auditNotifications is on. */
  public readonly audit: AuditEvents;
  /** The SNS topic every alarm notifies (ALARM and OK). */
  public readonly alarmTopicArn: pulumi.Output<string>;
  /** The CloudWatch dashboard's name. */
  public readonly dashboardName: pulumi.Output<string>;
  /** fileshare:domainName: the API's custom domain, its certificate and DNS records. */
  public readonly domain?: Domain;
  /** The bucket that keeps the files bucket's S3 access logs (accessLogs only). */
  public readonly accessLogBucket?: pulumi.Output<string>;

  constructor(name: string, config: ProgramConfig, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:index:FileShare", name, {}, opts);
    const { settings, stack } = config;
    const storage = new Storage(name, { settings }, { parent: this });
    // Two values are needed before what makes them: the sign-in client lists the API's URL (the page's), while the
    // functions carry the client's id and the API names the functions; the API names the key authorizer, while the
    // authorizer's usage plans meter the API's stage. Each is promised here and resolved as soon as it exists, so
    // every component is built in one step (on AWS there is no cycle: infra/api.ts).
    const [pageUrl, resolvePageUrl] = pulumi.deferredOutput<string>();
    const [keyAuthorizerArn, resolveKeyAuthorizerArn] = pulumi.deferredOutput<string>();
    // Where the stack runs, read from an ARN (a provider call would be one more thing to mock and to fail).
    const account = storage.table.arn.apply(accountOf);
    const region = storage.table.arn.apply(regionOf);
    const auth =
      settings.auth === "cognito"
        ? new Auth(name, { settings, stack, pageUrl, account, region }, { parent: this })
        : undefined;
    const audit = new AuditEvents(name, { settings, stack }, { parent: this });
    const functions = new Functions(
      name,
      {
        settings,
        stack,
        routes: ROUTES,
        bucket: storage.bucket,
        table: storage.table,
        auth: auth?.endpoints,
        audit: { bus: audit.bus, source: audit.source },
      },
      { parent: this },
    );
    const api = new Api(
      name,
      {
        settings,
        stack,
        routes: ROUTES,
        functions: functions.functions,
        userPoolArn: auth?.userPool.arn,
        keyAuthorizerArn: settings.apiKeys ? keyAuthorizerArn : undefined,
      },
      { parent: this },
    );
    resolvePageUrl(api.url);
    const keys = settings.apiKeys
      ? new ApiKeys(
          name,
          { settings, stack, restApi: api.restApi, stage: api.stage, auth: auth?.endpoints },
          { parent: this },
        )
      : undefined;
    if (keys !== undefined) resolveKeyAuthorizerArn(keys.authorizer.invokeArn);
    this.domain = settings.domainName
      ? new Domain(
          name,
          {
            domainName: settings.domainName,
            hostedZoneId: settings.hostedZoneId,
            certificateArn: settings.certificateArn,
            region,
            restApi: api.restApi,
            stage: api.stage,
          },
          { parent: this },
        )
      : undefined;
    this.apiKeys = keys;
    this.clientApiKeyId = keys?.clientKey.id;
    if (settings.waf) new Waf(name, { settings, stack, stage: api.stage }, { parent: this });
    this.auth = auth;
    const uploadEvents = new UploadEvents(
      name,
      { bucket: storage.bucket, function: functions.functions.objectCreated, role: functions.roles.objectCreated },
      { parent: this },
    );
    createBucketCors(name, storage, [...settings.corsOrigins, api.origin]);
    this.allFunctions = {
      ...functions.functions,
      ...(auth?.preSignUp === undefined ? {} : { preSignUp: auth.preSignUp }),
      ...(keys === undefined ? {} : { keyAuthorizer: keys.authorizer }),
    };
    const accessLogs = settings.accessLogs
      ? new AccessLogs(name, { settings, source: storage.bucket, account }, { parent: this })
      : undefined;
    const alarms = new Alarms(
      name,
      {
        settings,
        stack,
        account,
        region,
        functions: this.allFunctions,
        apiName: api.restApi.name,
        stageName: api.stage.stageName,
        failedUploadEvents: uploadEvents.failedEvents,
        table: storage.table,
      },
      { parent: this },
    );
    const dashboard = new Dashboard(
      name,
      {
        stack,
        region,
        apiName: api.restApi.name,
        stageName: api.stage.stageName,
        functions: functions.functions,
        bucketName: storage.bucket.bucket,
        alarms: Object.values(alarms.alarms),
      },
      { parent: this },
    );

    this.bucket = storage.bucket;
    this.table = storage.table;
    this.functions = functions.functions;
    this.failedUploadEvents = uploadEvents.failedEvents;
    this.audit = audit;
    this.apiUrl = api.url;
    this.bucketName = storage.bucket.bucket;
    this.tableName = storage.table.name;
    this.alarmTopicArn = alarms.topic.arn;
    this.dashboardName = dashboard.dashboard.dashboardName;
    this.accessLogBucket = accessLogs?.bucket.bucket;
    this.registerOutputs({ apiUrl: this.apiUrl, bucketName: this.bucketName, tableName: this.tableName });
  }
}
