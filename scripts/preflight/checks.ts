// The preflight's checks on what a stack would send AWS (recorded under Pulumi mocks): every constrained string
// against AWS's models and docs (mapping.ts), the API Gateway body as OpenAPI 3.0, and rules that span resources.
// Each finding names the resource, the input, the rule and the fix.
import { Validator } from "@seriousme/openapi-schema-validator";
import { CLI_CALLBACK_PORT, cliCallbackUrl, Settings } from "../../config/schema";
import { memberConstraints, StringConstraints, violation } from "./models";
import { RESOURCE_RULES, Rule } from "./mapping";
import type { RecordedResource } from "./mocks";

/** The part of a recorded resource the checks read. */
export type Resource = Pick<
  RecordedResource,
  "type" | "name" | "urn" | "id" | "custom" | "inputs" | "outputs" | "protect" | "retainOnDelete"
>;

export interface Finding {
  resource: string;
  input: string;
  rule: string;
  fix: string;
}

/** One line per finding: what, where, which rule, how to fix it. */
export function formatFinding(f: Finding): string {
  return `${f.resource}: ${f.input}: ${f.rule}. Fix: ${f.fix}`;
}

const label = (r: Resource) => `${r.type} "${r.name}"`;
const PULUMI_SUFFIX = "-a1b2c3d"; // what Pulumi appends to an auto-name: a dash and 7 random characters

/** The values at `path` (`a.b`, `list[].c`) with their concrete paths. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function valuesAt(value: any, path: string, prefix = ""): [string, unknown][] {
  if (path === "") return [[prefix, value]];
  const [head = "", ...rest] = path.split(".");
  const list = head.endsWith("[]");
  const key = list ? head.slice(0, -2) : head;
  const next = value?.[key];
  if (next === undefined || next === null) return [];
  const where = prefix === "" ? key : `${prefix}.${key}`;
  if (!list) return valuesAt(next, rest.join("."), where);
  if (!Array.isArray(next)) return [];
  return next.flatMap((item, i) => valuesAt(item, rest.join("."), `${where}[${i}]`));
}

function constraintsOf(rule: Rule): StringConstraints {
  return "model" in rule
    ? memberConstraints(rule.model[0], rule.model[1])
    : { ...rule.documented, source: `AWS docs ${rule.url}` };
}

/** Every custom resource's mapped strings against their rules; a type the mapping does not know is a finding. */
export function checkStrings(resources: readonly Resource[]): Finding[] {
  const findings: Finding[] = [];
  for (const r of resources.filter((x) => x.custom)) {
    const rules = RESOURCE_RULES[r.type];
    if (rules === undefined) {
      findings.push({
        resource: label(r),
        input: "(type)",
        rule: "the preflight does not know this resource type, so nothing it sends is checked",
        fix: "add the type to scripts/preflight/mapping.ts with its constrained inputs (or {} when it has none)",
      });
      continue;
    }
    const inputs = { ...r.inputs };
    if (rules.autoName !== undefined && inputs[rules.autoName] === undefined) {
      inputs[rules.autoName] = `${r.name}${PULUMI_SUFFIX}`;
    }
    for (const [path, rule] of Object.entries(rules.inputs ?? {})) {
      for (const [where, value] of valuesAt(inputs, path)) {
        if (typeof value !== "string") continue;
        for (const c of [rule].flat().map(constraintsOf)) {
          const problem = violation(value, c);
          if (problem === undefined) continue;
          const auto = rules.autoName === path && r.inputs[path] === undefined;
          findings.push({
            resource: label(r),
            input: `${where} = ${JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value)}${auto ? " (Pulumi's auto-name)" : ""}`,
            rule: `${problem} (${c.source})`,
            fix: auto
              ? "give the resource a shorter name in infra/, or an explicit name that fits"
              : "change the value in infra/ (or the setting it comes from) to fit the rule",
          });
        }
      }
    }
  }
  return findings;
}

/** The API Gateway body exactly as sent: valid OpenAPI 3.0, and no gateway response API Gateway cannot customise. */
export async function checkApiBodies(resources: readonly Resource[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const r of resources.filter((x) => x.type === "aws:apigateway/restApiPut:RestApiPut")) {
    const body = JSON.parse(r.inputs["body"] as string) as Record<string, unknown>;
    const result = await new Validator().validate(body);
    if (!result.valid) {
      const errors = (Array.isArray(result.errors) ? result.errors : [result.errors]) as {
        instancePath?: string;
        message?: string;
      }[];
      for (const e of errors.slice(0, 5)) {
        findings.push({
          resource: label(r),
          input: `body${e.instancePath ?? ""}`,
          rule: `not valid OpenAPI 3.0: ${e.message ?? JSON.stringify(e)}`,
          fix: "fix infra/openapi.ts (or handlers/apiDocument.ts) so the document is valid",
        });
      }
    }
    const responses = (body["x-amazon-apigateway-gateway-responses"] ?? {}) as Record<string, unknown>;
    if ("REQUEST_TOO_LARGE" in responses) {
      findings.push({
        resource: label(r),
        input: "body.x-amazon-apigateway-gateway-responses.REQUEST_TOO_LARGE",
        rule: "API Gateway cannot customise the REQUEST_TOO_LARGE response",
        fix: "drop it from infra/openapi.ts GATEWAY_RESPONSES",
      });
    }
  }
  return findings;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const statementsOf = (policy: unknown): any[] => {
  const doc = typeof policy === "string" ? JSON.parse(policy) : policy;
  return [doc?.Statement ?? []].flat();
};
const conditionKeys = (condition: unknown): string[] =>
  Object.values((condition ?? {}) as Record<string, Record<string, unknown>>).flatMap((c) => Object.keys(c));

/** Rules that span resources or need the stack's settings. */
export function checkCrossResource(resources: readonly Resource[], settings: Settings): Finding[] {
  const findings: Finding[] = [];
  const ofType = (type: string) => resources.filter((r) => r.type === type);

  // SNS: EventBridge cannot publish to a topic whose key policy puts source conditions on it.
  for (const key of ofType("aws:kms/key:Key")) {
    for (const s of statementsOf(key.inputs["policy"])) {
      const services = [s.Principal?.Service ?? []].flat();
      const bad = conditionKeys(s.Condition).filter((k) => /^aws:Source(Account|Arn)$/i.test(k));
      if (services.includes("events.amazonaws.com") && bad.length > 0) {
        findings.push({
          resource: label(key),
          input: `policy statement ${s.Sid ?? "(no Sid)"}`,
          rule: `EventBridge's statement has ${bad.join(", ")}: SNS documents that EventBridge cannot publish to an encrypted topic then (sns-key-management)`,
          fix: "remove the condition from the key policy; the topic policy's aws:SourceArn limits publishers",
        });
      }
    }
  }

  // Cognito: callbacks https or http://localhost only, and the CLI's callback registered on every client.
  const cli = cliCallbackUrl(CLI_CALLBACK_PORT);
  for (const client of ofType("aws:cognito/userPoolClient:UserPoolClient")) {
    for (const key of ["callbackUrls", "logoutUrls"]) {
      for (const url of (client.inputs[key] ?? []) as string[]) {
        if (!/^https:\/\//.test(url) && !/^http:\/\/localhost(:\d+)?(\/|$)/.test(url)) {
          findings.push({
            resource: label(client),
            input: `${key} ${url}`,
            rule: "Cognito accepts plain http only for http://localhost",
            fix: "use https, or http://localhost:<port>/... in fileshare:authCallbackUrls",
          });
        }
      }
    }
    if (!((client.inputs["callbackUrls"] ?? []) as string[]).includes(cli)) {
      findings.push({
        resource: label(client),
        input: "callbackUrls",
        rule: `the CLI's callback ${cli} is not registered, so \`fileshare login\` is refused`,
        fix: `add ${cli} to fileshare:authCallbackUrls`,
      });
    }
  }

  // Managed login version 2: every client of the pool needs a branding style, else "Login pages unavailable".
  for (const domain of ofType("aws:cognito/userPoolDomain:UserPoolDomain")) {
    if (domain.inputs["managedLoginVersion"] !== 2) continue;
    const branded = new Set(
      ofType("aws:cognito/managedLoginBranding:ManagedLoginBranding").map((b) => b.inputs["clientId"]),
    );
    for (const client of ofType("aws:cognito/userPoolClient:UserPoolClient")) {
      if (client.inputs["userPoolId"] !== domain.inputs["userPoolId"] || branded.has(client.id)) continue;
      findings.push({
        resource: label(client),
        input: "(managed login branding)",
        rule: "managed login version 2 shows 'Login pages unavailable' to a client without a ManagedLoginBranding",
        fix: "create aws.cognito.ManagedLoginBranding for the client (useCognitoProvidedValues: true) in infra/auth.ts",
      });
    }
  }

  // API Gateway: a stage that logs needs the account's CloudWatch Logs role.
  const logs = ofType("aws:apigateway/stage:Stage").filter((s) => s.inputs["accessLogSettings"] !== undefined);
  if (logs.length > 0 && ofType("aws:apigateway/account:Account").length === 0 && !settings.manageApiGatewayAccount) {
    for (const stage of logs) {
      findings.push({
        resource: label(stage),
        input: "accessLogSettings",
        rule: "access logs need the account's API Gateway CloudWatch Logs role, which this stack does not set (AWS alone knows whether the account has one)",
        fix: "check `aws apigateway get-account` shows a cloudwatchRoleArn in this region, or set fileshare:manageApiGatewayAccount true",
      });
    }
  }

  // S3: `filter: {}` draws the provider's "will be an error" warning.
  for (const lifecycle of ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")) {
    for (const [i, rule] of ((lifecycle.inputs["rules"] ?? []) as { filter?: object }[]).entries()) {
      if (rule.filter !== undefined && Object.keys(rule.filter).length === 0) {
        findings.push({
          resource: label(lifecycle),
          input: `rules[${i}].filter`,
          rule: "an empty lifecycle filter is deprecated by the provider (a future error)",
          fix: 'use filter: { prefix: "" } for every object',
        });
      }
    }
  }

  // S3: a bucket `pulumi destroy` could not delete (BucketNotEmpty) must be emptied, retained or protected.
  for (const bucket of ofType("aws:s3/bucket:Bucket")) {
    if (bucket.inputs["forceDestroy"] !== true && !bucket.retainOnDelete && !bucket.protect) {
      findings.push({
        resource: label(bucket),
        input: "forceDestroy / retainOnDelete / protect",
        rule: "a kept bucket with objects makes `pulumi destroy` fail with BucketNotEmpty",
        fix: "set retainOnDelete (keep it) or forceDestroy (disposable data) in infra/",
      });
    }
  }

  // fileshare:production: no documentation domains anywhere in what the stack sends.
  if (settings.production) {
    for (const r of resources.filter((x) => x.custom)) {
      // Not a function's code: its text is the handlers', whose messages may show examples.
      const text = JSON.stringify({ ...r.inputs, code: undefined });
      const placeholder = /[\w.-]*\bexample\.(com|org|net)\b/.exec(text);
      if (placeholder !== null) {
        findings.push({
          resource: label(r),
          input: `(any input) ${placeholder[0]}`,
          rule: "a production stack (fileshare:production) sends a placeholder domain",
          fix: "replace the placeholder setting with the real value",
        });
      }
    }
  }
  return findings;
}
