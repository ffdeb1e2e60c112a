// fileshare:waf: a WAFv2 web ACL (REGIONAL) on the API's stage, in front of API Gateway: a per-IP rate limit and
// AWS's common rule set (AWSManagedRulesCommonRuleSet). A blocked client gets the docs/api.md error body
// (429 Throttled for the rate limit, 403 Forbidden for the rule set) with CORS headers, like API Gateway's own
// errors. Every rule has CloudWatch metrics and sampled requests.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../config/schema";

/** The window the rate limit counts requests in, seconds (wafRateLimit is per this window). */
export const WAF_WINDOW_SECONDS = 300;
/**
 * The rules of AWS's common rule set (AWSManagedRulesCommonRuleSet, as documented), each overridden to block with
 * the API's error body: the group's own block is WAF's bare 403. A name WAF does not know is ignored by it (the
 * rule then keeps its own bare block), so a renamed or added rule still blocks.
 */
export const COMMON_RULES = [
  "NoUserAgent_HEADER",
  "UserAgent_BadBots_HEADER",
  "SizeRestrictions_QUERYSTRING",
  "SizeRestrictions_Cookie_HEADER",
  "SizeRestrictions_BODY",
  "SizeRestrictions_URIPATH",
  "EC2MetaDataSSRF_BODY",
  "EC2MetaDataSSRF_COOKIE",
  "EC2MetaDataSSRF_URIPATH",
  "EC2MetaDataSSRF_QUERYARGUMENTS",
  "GenericLFI_QUERYARGUMENTS",
  "GenericLFI_URIPATH",
  "GenericLFI_BODY",
  "RestrictedExtensions_URIPATH",
  "RestrictedExtensions_QUERYARGUMENTS",
  "GenericRFI_QUERYARGUMENTS",
  "GenericRFI_BODY",
  "GenericRFI_URIPATH",
  "CrossSiteScripting_COOKIE",
  "CrossSiteScripting_QUERYARGUMENTS",
  "CrossSiteScripting_BODY",
  "CrossSiteScripting_URIPATH",
] as const;
/**
 * The one rule of the set that only counts (and labels): it blocks bodies over 8 KB, and a multipart completion
 * (up to 10,000 parts) is larger. Counting is not terminating, so the set's other rules still inspect such a body;
 * the next rule then blocks large bodies everywhere but on complete.
 */
export const COUNTED_RULE = "SizeRestrictions_BODY";
export const LARGE_BODY_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body";
/** The one route whose body may pass 8 KB: POST /uploads/{id}/complete. */
export const LARGE_BODY_PATH_SUFFIX = "/complete";

/** The blocked answers, in the docs/api.md error shape. */
export const WAF_BODIES = {
  "rate-limited": {
    code: "Throttled",
    message: `Too many requests from your address (more than the limit per ${WAF_WINDOW_SECONDS / 60} minutes); wait a few minutes and retry.`,
  },
  blocked: { code: "Forbidden", message: "The firewall refused this request as malformed or malicious." },
} as const;

/**
 * WAF cannot echo the Origin (a custom response header is a fixed value): with exactly one allowed origin it is
 * that origin, so that site can read the error; with none or several, no Access-Control-Allow-Origin. The page
 * itself is served by the API (same origin) and reads these errors either way.
 */
export function wafResponseHeaders(corsOrigins: readonly string[], retryAfter?: string) {
  return [
    ...(corsOrigins.length === 1 ? [{ name: "Access-Control-Allow-Origin", value: corsOrigins[0] as string }] : []),
    { name: "Vary", value: "Origin" },
    { name: "Cache-Control", value: "no-store" },
    ...(retryAfter === undefined ? [] : [{ name: "Retry-After", value: retryAfter }]),
  ];
}

const visibility = (metricName: string) => ({
  cloudwatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

export interface WafArgs {
  settings: Pick<Settings, "corsOrigins" | "wafRateLimit">;
  stack: string;
  /** The API stage the web ACL protects. */
  stage: aws.apigateway.Stage;
}

export class Waf extends pulumi.ComponentResource {
  public readonly webAcl: aws.wafv2.WebAcl;

  constructor(name: string, args: WafArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:waf:Waf", name, {}, opts);
    const { settings, stack } = args;
    const prefix = `fileshare-${stack}`;
    const block = (responseCode: number, key: keyof typeof WAF_BODIES, retryAfter?: string) => ({
      block: {
        customResponse: {
          responseCode,
          customResponseBodyKey: key,
          responseHeaders: wafResponseHeaders(settings.corsOrigins, retryAfter),
        },
      },
    });
    this.webAcl = new aws.wafv2.WebAcl(
      `${name}-waf`,
      {
        name: prefix,
        // WAFv2 descriptions allow no apostrophe (botocore wafv2 EntityDescription); the preflight checks it.
        description: "fileshare API: per-IP rate limit and the AWS common rule set",
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        customResponseBodies: Object.entries(WAF_BODIES).map(([key, error]) => ({
          key,
          contentType: "APPLICATION_JSON",
          content: JSON.stringify({ error }),
        })),
        rules: [
          {
            name: "per-ip-rate-limit",
            priority: 0,
            action: block(429, "rate-limited", String(WAF_WINDOW_SECONDS / 5)),
            statement: {
              rateBasedStatement: {
                limit: settings.wafRateLimit,
                aggregateKeyType: "IP",
                evaluationWindowSec: WAF_WINDOW_SECONDS,
              },
            },
            visibilityConfig: visibility(`${prefix}-rate-limit`),
          },
          {
            // Rule overrides, not a group-wide count: counting the whole group would still stop it at its first
            // match, so a body over 8 KB would never reach the XSS, LFI and RFI body rules.
            name: "aws-common-rule-set",
            priority: 1,
            overrideAction: { none: {} },
            statement: {
              managedRuleGroupStatement: {
                vendorName: "AWS",
                name: "AWSManagedRulesCommonRuleSet",
                ruleActionOverrides: COMMON_RULES.map((rule) => ({
                  name: rule,
                  actionToUse: rule === COUNTED_RULE ? { count: {} } : block(403, "blocked"),
                })),
              },
            },
            visibilityConfig: visibility(`${prefix}-common-rules`),
          },
          {
            name: "large-body-outside-complete",
            priority: 2,
            action: block(403, "blocked"),
            statement: {
              andStatement: {
                statements: [
                  { labelMatchStatement: { scope: "LABEL", key: LARGE_BODY_LABEL } },
                  {
                    notStatement: {
                      statement: {
                        byteMatchStatement: {
                          fieldToMatch: { uriPath: {} },
                          positionalConstraint: "ENDS_WITH",
                          searchString: LARGE_BODY_PATH_SUFFIX,
                          textTransformations: [{ priority: 0, type: "NONE" }],
                        },
                      },
                    },
                  },
                ],
              },
            },
            visibilityConfig: visibility(`${prefix}-large-body`),
          },
        ],
        visibilityConfig: visibility(prefix),
      },
      { parent: this },
    );
    new aws.wafv2.WebAclAssociation(
      `${name}-waf-stage`,
      { resourceArn: args.stage.arn, webAclArn: this.webAcl.arn },
      { parent: this },
    );
    this.registerOutputs({ webAclArn: this.webAcl.arn });
  }
}
