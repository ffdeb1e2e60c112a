// Wiring only: load and validate the stack's config, build the application, export the stack outputs.
import { loadConfig } from "./infra/config";
import { FileShare } from "./infra/fileshare";

const config = loadConfig();
const app = new FileShare("fileshare", config);

export const apiUrl = app.apiUrl;
export const bucketName = app.bucketName;
export const tableName = app.tableName;
/** Sign-in (fileshare:auth cognito): the user pool, its app client and the managed sign-in domain. */
export const userPoolId = app.auth?.userPool.id;
export const userPoolClientId = app.auth?.client.id;
export const signInDomain = app.auth?.signInDomain;
/** Operations: the alarm topic (subscribe to it), the dashboard, and the S3 access-log bucket (accessLogs only). */
export const alarmTopicArn = app.alarmTopicArn;
export const dashboardName = app.dashboardName;
export const accessLogBucket = app.accessLogBucket;
/** fileshare:apiKeys: the machine clients' API key id; its value: aws apigateway get-api-key --api-key <id> --include-value */
export const clientApiKeyId = app.clientApiKeyId;
/** fileshare:domainName without hostedZoneId: the DNS records you create (docs/deploy.md, "Your own domain"):
 *  the certificate's validation CNAME, and the name the domain's CNAME (or ALIAS) points at. */
export const domainValidationRecord = app.domain?.validationRecord;
export const domainDnsTarget = app.domain?.dnsTarget;
