// The whole application: storage, the functions that use it, and the API in front of them.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ROUTES } from "../handlers/routes";
import { Api } from "./api";
import { Auth } from "./auth";
import { StackConfig } from "./config";
import { FunctionMap, Functions } from "./functions";
import { Storage } from "./storage";

export class FileShare extends pulumi.ComponentResource {
  /** The API's base URL, ending with "/". */
  public readonly apiUrl: pulumi.Output<string>;
  public readonly bucketName: pulumi.Output<string>;
  public readonly tableName: pulumi.Output<string>;
  /** Every Lambda function by name (`functions.createUpload.code` is its serialized archive). */
  public readonly functions: FunctionMap;
  public readonly bucket: aws.s3.Bucket;
  public readonly table: aws.dynamodb.Table;
  /** The user pool, its app client and sign-in domain (auth cognito only). */
  public readonly auth?: Auth;

  constructor(name: string, config: StackConfig, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:index:FileShare", name, {}, opts);
    const { settings, stack } = config;
    // The bucket's CORS rule needs the API's origin (the web page is served by the API), and the API
    // needs the functions, which need the bucket: a deferred output closes that loop without a cycle.
    const [apiOrigin, resolveApiOrigin] = pulumi.deferredOutput<string>();
    const storage = new Storage(name, { settings, extraCorsOrigins: [apiOrigin] }, { parent: this });
    const auth = settings.auth === "cognito" ? new Auth(name, { settings, stack }, { parent: this }) : undefined;
    const functions = new Functions(
      name,
      { settings, stack, routes: ROUTES, bucket: storage.bucket, table: storage.table, auth: auth?.endpoints },
      { parent: this },
    );
    const api = new Api(
      name,
      { settings, stack, routes: ROUTES, functions: functions.functions, userPoolArn: auth?.userPool.arn },
      { parent: this },
    );
    resolveApiOrigin(api.origin);
    this.auth = auth;

    this.bucket = storage.bucket;
    this.table = storage.table;
    this.functions = functions.functions;
    this.apiUrl = api.url;
    this.bucketName = storage.bucket.bucket;
    this.tableName = storage.table.name;
    this.registerOutputs({ apiUrl: this.apiUrl, bucketName: this.bucketName, tableName: this.tableName });
  }
}
