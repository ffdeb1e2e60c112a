// fileshare:domainName: the API (and so the page and the share links) at https://<domainName>/. An API Gateway
// custom domain (REGIONAL, TLS 1.2) mapped at its root to the stage, with a certificate from ACM in the stack's
// region (a regional custom domain takes only a certificate of its own region) or the one given in
// fileshare:certificateArn. With fileshare:hostedZoneId the stack also writes the certificate's DNS validation
// record and the alias that points the name at the API; otherwise you create both (docs/deploy.md).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface DomainArgs {
  /** The name to serve, e.g. files.yourcompany.com. */
  domainName: string;
  /** The Route 53 zone of that name, or "" when the zone lives elsewhere. */
  hostedZoneId: string;
  /** An issued ACM certificate to use, or "" to request one validated by DNS. */
  certificateArn: string;
  /** The stack's region (the certificate must be in it). */
  region: pulumi.Input<string>;
  restApi: aws.apigateway.RestApi;
  stage: aws.apigateway.Stage;
}

/** The CNAME ACM looks up before it issues (and renews) the certificate. */
export interface ValidationRecord {
  name: string;
  type: string;
  value: string;
}

/** The base URL of a custom domain mapped at its root: no stage in the path. */
export function domainUrlOf(domainName: string): string {
  return `https://${domainName}/`;
}

/** Refuses a certificate from another region: API Gateway would reject it only at deploy time. */
export function certificateInRegion(arn: string, region: string): string {
  const certificateRegion = arn.split(":")[3];
  if (certificateRegion !== region) {
    throw new Error(
      `fileshare:certificateArn is in ${certificateRegion}, but a REGIONAL custom domain needs a certificate in the stack's region (${region}): request or import one there, or leave fileshare:certificateArn empty to let the stack request it.`,
    );
  }
  return arn;
}

export class Domain extends pulumi.ComponentResource {
  public readonly domain: aws.apigateway.DomainName;
  /** The API's base URL on this domain, ending with "/". */
  public readonly url: string;
  /** Without hostedZoneId: what the name must point at (a CNAME, or an ALIAS/ANAME at a zone apex). It names
   *  execute-api (d-<id>.execute-api.<region>.amazonaws.com), but no visitor ever sees it. */
  public readonly dnsTarget?: pulumi.Output<string>;
  /** The certificate's DNS validation record, when the stack requested the certificate. */
  public readonly validationRecord?: pulumi.Output<ValidationRecord>;

  constructor(name: string, args: DomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:domain:Domain", name, {}, opts);
    const parent = { parent: this };
    let certificateArn: pulumi.Output<string>;
    if (args.certificateArn !== "") {
      certificateArn = pulumi.output(args.region).apply((region) => certificateInRegion(args.certificateArn, region));
    } else {
      const certificate = new aws.acm.Certificate(
        `${name}-certificate`,
        { domainName: args.domainName, validationMethod: "DNS" },
        parent,
      );
      // One name, so one validation option (ACM gives one per name on the certificate).
      const option = certificate.domainValidationOptions.apply((options) => {
        const first = options[0];
        if (first === undefined) throw new Error(`ACM returned no DNS validation record for ${args.domainName}`);
        return first;
      });
      this.validationRecord = option.apply((o) => ({
        name: o.resourceRecordName,
        type: o.resourceRecordType,
        value: o.resourceRecordValue,
      }));
      const records =
        args.hostedZoneId === ""
          ? undefined
          : [
              new aws.route53.Record(
                `${name}-certificate-validation`,
                {
                  zoneId: args.hostedZoneId,
                  name: option.resourceRecordName,
                  type: option.resourceRecordType,
                  records: [option.resourceRecordValue],
                  ttl: 300,
                  // The same record serves every certificate for this name (ACM reuses it): a second stack or a
                  // replaced certificate finds it already there.
                  allowOverwrite: true,
                },
                parent,
              ).fqdn,
            ];
      // Waits until ACM has issued the certificate: API Gateway refuses one still pending validation. Without a
      // zone, it waits for the record you create by hand (docs/deploy.md).
      certificateArn = new aws.acm.CertificateValidation(
        `${name}-certificate-validation`,
        { certificateArn: certificate.arn, validationRecordFqdns: records },
        parent,
      ).certificateArn;
    }
    this.domain = new aws.apigateway.DomainName(
      `${name}-domain-name`,
      {
        domainName: args.domainName,
        regionalCertificateArn: certificateArn,
        endpointConfiguration: { types: "REGIONAL" },
        securityPolicy: "TLS_1_2",
      },
      parent,
    );
    // No base path: the stage is served at the domain's root, so https://<domainName>/files/<id> is a share link.
    new aws.apigateway.BasePathMapping(
      `${name}-base-path`,
      { domainName: this.domain.domainName, restApi: args.restApi.id, stageName: args.stage.stageName },
      parent,
    );
    if (args.hostedZoneId !== "") {
      new aws.route53.Record(
        `${name}-alias`,
        {
          zoneId: args.hostedZoneId,
          name: args.domainName,
          type: "A",
          aliases: [
            { name: this.domain.regionalDomainName, zoneId: this.domain.regionalZoneId, evaluateTargetHealth: false },
          ],
        },
        parent,
      );
    }
    this.url = domainUrlOf(args.domainName);
    if (args.hostedZoneId === "") this.dnsTarget = this.domain.regionalDomainName;
    this.registerOutputs({ url: this.url });
  }
}
