// fileshare:domainName: the certificate, its DNS validation, the custom domain, the base path mapping and
// the alias record, as the program declares them under Pulumi mocks, and every stack output and the share links on
// https://<domainName>/. What only AWS proves: that ACM issues the certificate (the CNAME resolves), that API
// Gateway accepts it for the domain, and that the name resolves to the API.
import assert from "node:assert/strict";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { parseSettings } from "../../config/parse";
import { handleApiEvent } from "../../handlers/http";
import { certificateInRegion } from "../../infra/domain";
import { testConfig } from "../support/harness";
import { RecordedResource, runMocked, stackConfigText, valueOf } from "./mocks";

const DOMAIN = "files.acme.internal";
const ZONE = "Z0123456789ABCDEFGHIJ";
const PROD = {
  ...stackConfigText("prod"),
  "fileshare:auth": "cognito",
  "fileshare:authSelfSignUp": "false",
  "fileshare:domainName": DOMAIN,
};

/** Runs index.ts itself (its exports are the stack outputs) for a config. index.ts runs the program when it is
 *  loaded, so it is loaded anew for each run; the modules it imports are kept (every whole-program test builds
 *  FileShare from them again and again, so they hold no state of a run), which spares compiling the whole project
 *  again for each run. */
async function runIndex(config: Record<string, string>) {
  const run = await runMocked(
    "prod",
    () => {
      delete require.cache[require.resolve("../../index")];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require("../../index") as Record<string, unknown>;
    },
    config,
  );
  process.emit("beforeExit", 0);
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(run.result)) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    outputs[key] = value === undefined ? undefined : await valueOf(value as any);
  }
  const ofType = (type: string) => run.resources.filter((r) => r.type === type);
  return { ...run, outputs, ofType };
}

const only = (list: RecordedResource[]): RecordedResource => {
  assert.equal(list.length, 1, list.map((r) => r.name).join(", "));
  return list[0] as RecordedResource;
};

describe("infra: fileshare:domainName (your own domain)", function () {
  // Whole-stack builds under mocks on a busy machine: a deadline for hangs only.
  this.timeout(600_000);

  it("with a Route 53 zone: a DNS-validated certificate, its validation record, a REGIONAL TLS 1.2 domain mapped at its root to the stage, an alias; nothing names execute-api", async () => {
    const run = await runIndex({ ...PROD, "fileshare:hostedZoneId": ZONE });
    const certificate = only(run.ofType("aws:acm/certificate:Certificate"));
    assert.deepEqual(certificate.inputs, { domainName: DOMAIN, validationMethod: "DNS" });
    const records = run.ofType("aws:route53/record:Record");
    assert.equal(records.length, 2);
    const validation = only(records.filter((r) => r.inputs["type"] === "CNAME"));
    assert.deepEqual(validation.inputs, {
      zoneId: ZONE,
      name: `_3f2a1b.${DOMAIN}.`,
      type: "CNAME",
      records: ["_9c8d7e.mhbtsbpdnt.acm-validations.aws."],
      ttl: 300,
      allowOverwrite: true,
    });
    const waited = only(run.ofType("aws:acm/certificateValidation:CertificateValidation"));
    assert.deepEqual(waited.inputs, { certificateArn: certificate.id, validationRecordFqdns: [`_3f2a1b.${DOMAIN}.`] });
    const domain = only(run.ofType("aws:apigateway/domainName:DomainName"));
    assert.deepEqual(domain.inputs, {
      domainName: DOMAIN,
      regionalCertificateArn: certificate.id,
      endpointConfiguration: { types: "REGIONAL" },
      securityPolicy: "TLS_1_2",
    });
    assert.ok(domain.dependencies?.includes(waited.urn), "the domain waits for the issued certificate");
    const mapping = only(run.ofType("aws:apigateway/basePathMapping:BasePathMapping"));
    const restApi = only(run.ofType("aws:apigateway/restApi:RestApi"));
    assert.deepEqual(mapping.inputs, { domainName: DOMAIN, restApi: restApi.id, stageName: "prod" });
    const alias = only(records.filter((r) => r.inputs["type"] === "A"));
    assert.deepEqual(alias.inputs, {
      zoneId: ZONE,
      name: DOMAIN,
      type: "A",
      aliases: [{ name: domain.outputs["regionalDomainName"], zoneId: "ZMOCKREGIONAL1", evaluateTargetHealth: false }],
    });

    assert.equal(run.outputs["apiUrl"], `https://${DOMAIN}/`);
    assert.equal(run.outputs["domainDnsTarget"], undefined, "the stack points the name itself");
    assert.doesNotMatch(JSON.stringify(run.outputs), /execute-api/);
    // The page's origin: the sign-in client's callbacks and the bucket's CORS rule.
    const client = only(run.ofType("aws:cognito/userPoolClient:UserPoolClient"));
    for (const key of ["callbackUrls", "logoutUrls"]) {
      assert.ok((client.inputs[key] as string[]).includes(`https://${DOMAIN}/`), key);
      assert.doesNotMatch(JSON.stringify(client.inputs[key]), /execute-api/, key);
    }
    const cors = only(run.ofType("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration"));
    assert.match(JSON.stringify(cors.inputs), new RegExp(`"https://${DOMAIN.replace(/\./g, "\\.")}"`));
    assert.doesNotMatch(JSON.stringify(cors.inputs), /execute-api/);
  });

  it("without a zone: the certificate waits for a hand-made CNAME; the validation record and the DNS target are stack outputs", async () => {
    const run = await runIndex(PROD);
    assert.equal(run.ofType("aws:route53/record:Record").length, 0);
    const waited = only(run.ofType("aws:acm/certificateValidation:CertificateValidation"));
    assert.equal(waited.inputs["validationRecordFqdns"], undefined);
    assert.deepEqual(run.outputs["domainValidationRecord"], {
      name: `_3f2a1b.${DOMAIN}.`,
      type: "CNAME",
      value: "_9c8d7e.mhbtsbpdnt.acm-validations.aws.",
    });
    const domain = only(run.ofType("aws:apigateway/domainName:DomainName"));
    assert.equal(run.outputs["domainDnsTarget"], domain.outputs["regionalDomainName"]);
    assert.equal(run.outputs["apiUrl"], `https://${DOMAIN}/`);
    // The DNS target is the one output that names execute-api: it is where the CNAME points, not a link.
    const visible = Object.fromEntries(Object.entries(run.outputs).filter(([key]) => key !== "domainDnsTarget"));
    assert.doesNotMatch(JSON.stringify(visible), /execute-api/);
  });

  it("with fileshare:certificateArn: no certificate of its own, no validation; the given one must be in the stack's region", async () => {
    const arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
    const run = await runIndex({ ...PROD, "fileshare:certificateArn": arn, "fileshare:hostedZoneId": ZONE });
    assert.equal(run.ofType("aws:acm/certificate:Certificate").length, 0);
    assert.equal(run.ofType("aws:acm/certificateValidation:CertificateValidation").length, 0);
    assert.equal(only(run.ofType("aws:apigateway/domainName:DomainName")).inputs["regionalCertificateArn"], arn);
    assert.equal(only(run.ofType("aws:route53/record:Record")).inputs["type"], "A");
    assert.throws(
      () => certificateInRegion(arn.replace("eu-west-1", "us-east-1"), "eu-west-1"),
      /fileshare:certificateArn is in us-east-1, but a REGIONAL custom domain needs a certificate in the stack's region \(eu-west-1\)/,
    );
  });

  it("without fileshare:domainName: the execute-api URL, and no domain resources", async () => {
    const run = await runIndex(stackConfigText("prod"));
    assert.match(
      run.outputs["apiUrl"] as string,
      /^https:\/\/[a-z0-9]+\.execute-api\.eu-west-1\.amazonaws\.com\/prod\/$/,
    );
    for (const type of ["aws:acm/certificate:Certificate", "aws:apigateway/domainName:DomainName"]) {
      assert.equal(run.ofType(type).length, 0, type);
    }
  });

  it("the settings: a domain name, a zone id and a certificate ARN in AWS's forms; the zone and the certificate need the domain", () => {
    assert.throws(() => parseSettings({ domainName: "Files.Acme.internal" }), /fileshare:domainName/);
    assert.throws(() => parseSettings({ domainName: DOMAIN, hostedZoneId: "z123" }), /fileshare:hostedZoneId/);
    assert.throws(() => parseSettings({ domainName: DOMAIN, certificateArn: "arn:aws:iam::1:x" }), /certificateArn/);
    assert.throws(() => parseSettings({ hostedZoneId: ZONE }), /fileshare:hostedZoneId needs fileshare:domainName/);
    assert.throws(
      () =>
        parseSettings({
          production: "true",
          alarmEmail: "ops@acme.internal",
          corsOrigins: "[]",
          domainName: "files.example.com",
        }),
      /fileshare:domainName is "files.example.com", a placeholder/,
    );
  });

  it("share links: a request through the custom domain (root mapping, no stage in the path) links to https://<domainName>/", async () => {
    // What API Gateway sends through a custom domain whose base path mapping is the root: the Host is the
    // domain and neither path carries the stage.
    const event = {
      httpMethod: "GET",
      path: "/files/abc",
      resource: "/files/{id}",
      headers: { Host: DOMAIN, "X-Forwarded-Proto": "https" },
      pathParameters: { id: "abc" },
      queryStringParameters: null,
      body: null,
      isBase64Encoded: false,
      requestContext: { path: "/files/abc", domainName: DOMAIN, stage: "prod", identity: { sourceIp: "192.0.2.1" } },
    } as unknown as APIGatewayProxyEvent;
    const deps = { config: testConfig(), bucketOrigin: "https://b.s3.eu-west-1.amazonaws.com", fingerprint: () => "f" };
    const response = await handleApiEvent(
      async (request) => ({ status: 200, body: { shareUrl: `${request.baseUrl}files/abc` } }),
      event,
      { awsRequestId: "r" },
      deps,
    );
    assert.equal(JSON.parse(response.body).shareUrl, `https://${DOMAIN}/files/abc`);
  });
});
