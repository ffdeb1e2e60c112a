// Sign-in on AWS (fileshare:auth cognito): a Cognito user pool with email as the user name, an app client for
// the page (and CLI callbacks) using the authorization code grant with PKCE and refresh tokens, and a
// Cognito-hosted sign-in domain. The API's authorizer and the functions read the pool's issuer from here.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AuthEndpoints } from "../config/runtime";
import { Settings } from "../config/schema";
import { preSignUpFunctionFactory } from "../handlers/preSignUp";
import { createLambdaFunction, NO_DATA_FUNCTION, RUNTIME_PACKAGES } from "./lambdaFunction";
import { OTHER_ENV_NAMES } from "../config/runtime";

/** Token lifetimes: short ID/access tokens (the page refreshes them silently), 30-day refresh tokens. */
export const ID_TOKEN_MINUTES = 60;
export const REFRESH_TOKEN_DAYS = 30;

const MFA = { off: "OFF", optional: "OPTIONAL", required: "ON" } as const;

export interface AuthArgs {
  settings: Pick<
    Settings,
    | "protectData"
    | "logRetentionDays"
    | "authEmailDomains"
    | "authEmailFrom"
    | "authMfa"
    | "authSelfSignUp"
    | "authCallbackUrls"
  >;
  stack: string;
  /** The page's own URL (the API's base URL, ending with "/"): always a callback and sign-out URL. */
  pageUrl: pulumi.Input<string>;
  /** Where the stack runs (for the SES identity's ARN with fileshare:authEmailFrom). */
  account: pulumi.Input<string>;
  region: pulumi.Input<string>;
}

/**
 * fileshare:authEmailFrom: the user pool sends through SES (DEVELOPER) from that address, as the verified identity
 * of its domain in the stack's region. Needed beyond Cognito's own sender's 50 emails a day, or for a sender of
 * your own; the SES identity must exist and be out of the SES sandbox (docs/deploy.md).
 */
export function sesEmailConfiguration(from: string, account: pulumi.Input<string>, region: pulumi.Input<string>) {
  const domain = from.split("@")[1] ?? "";
  return {
    emailSendingAccount: "DEVELOPER",
    fromEmailAddress: from,
    sourceArn: pulumi.interpolate`arn:aws:ses:${region}:${account}:identity/${domain}`,
  };
}

export class Auth extends pulumi.ComponentResource {
  public readonly userPool: aws.cognito.UserPool;
  public readonly client: aws.cognito.UserPoolClient;
  public readonly domain: aws.cognito.UserPoolDomain;
  /** The managed login (version 2) style of the client. */
  public readonly branding: aws.cognito.ManagedLoginBranding;
  /** Where sign-in happens, for GET /config and the token checks. */
  public readonly endpoints: pulumi.Output<AuthEndpoints>;
  /** The managed sign-in page's host, e.g. fileshare-dev-….auth.eu-west-1.amazoncognito.com */
  public readonly signInDomain: pulumi.Output<string>;
  /** The pre-sign-up trigger that enforces fileshare:authEmailDomains (only when domains are listed). */
  public readonly preSignUp?: aws.lambda.CallbackFunction<never, unknown>;

  constructor(name: string, args: AuthArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fileshare:auth:Auth", name, {}, opts);
    const { settings } = args;
    const keep = settings.protectData;
    this.preSignUp =
      settings.authEmailDomains.length === 0
        ? undefined
        : createLambdaFunction(
            name,
            {
              stack: args.stack,
              fn: "preSignUp",
              logRetentionDays: settings.logRetentionDays,
              callbackFactory: preSignUpFunctionFactory(),
              environment: { [OTHER_ENV_NAMES.authEmailDomains]: settings.authEmailDomains.join(",") },
              ...NO_DATA_FUNCTION,
              excludePackages: RUNTIME_PACKAGES,
            },
            this,
          ).lambda;
    this.userPool = new aws.cognito.UserPool(
      `${name}-users`,
      {
        name: `fileshare-${args.stack}`,
        usernameAttributes: ["email"],
        autoVerifiedAttributes: ["email"],
        usernameConfiguration: { caseSensitive: false },
        passwordPolicy: {
          minimumLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireNumbers: true,
          requireSymbols: true,
          temporaryPasswordValidityDays: 3,
        },
        mfaConfiguration: MFA[settings.authMfa as keyof typeof MFA],
        ...(settings.authMfa === "off" ? {} : { softwareTokenMfaConfiguration: { enabled: true } }),
        accountRecoverySetting: { recoveryMechanisms: [{ name: "verified_email", priority: 1 }] },
        deletionProtection: keep ? "ACTIVE" : "INACTIVE",
        // Advanced security (threat protection) is a paid feature: off unless a stack turns it on.
        userPoolAddOns: { advancedSecurityMode: "OFF" },
        ...(this.preSignUp === undefined ? {} : { lambdaConfig: { preSignUp: this.preSignUp.arn } }),
        // fileshare:authSelfSignUp false: only administrators create users (a team's private service).
        adminCreateUserConfig: { allowAdminCreateUserOnly: !settings.authSelfSignUp },
        ...(settings.authEmailFrom === ""
          ? {}
          : { emailConfiguration: sesEmailConfiguration(settings.authEmailFrom, args.account, args.region) }),
      },
      { parent: this, protect: keep },
    );
    if (this.preSignUp !== undefined) {
      // Only this user pool may invoke the trigger.
      new aws.lambda.Permission(
        `${name}-preSignUp-invoke`,
        {
          function: this.preSignUp.name,
          action: "lambda:InvokeFunction",
          principal: "cognito-idp.amazonaws.com",
          sourceArn: this.userPool.arn,
        },
        { parent: this },
      );
    }
    // The page's URL comes from the API's id, known on AWS before the API's definition (infra/api.ts): no cycle
    // through client id -> functions -> API, and sign-in returns to the page from the first deploy on.
    const urls = pulumi.output(args.pageUrl).apply((page) => [...new Set([page, ...settings.authCallbackUrls])]);
    this.client = new aws.cognito.UserPoolClient(
      `${name}-client`,
      {
        name: `fileshare-${args.stack}-page`,
        userPoolId: this.userPool.id,
        // A browser page and a CLI cannot keep a secret: a public client, protected by PKCE.
        generateSecret: false,
        allowedOauthFlowsUserPoolClient: true,
        allowedOauthFlows: ["code"],
        allowedOauthScopes: ["openid", "email"],
        supportedIdentityProviders: ["COGNITO"],
        callbackUrls: urls,
        logoutUrls: urls,
        explicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"],
        idTokenValidity: ID_TOKEN_MINUTES,
        accessTokenValidity: ID_TOKEN_MINUTES,
        refreshTokenValidity: REFRESH_TOKEN_DAYS,
        tokenValidityUnits: { idToken: "minutes", accessToken: "minutes", refreshToken: "days" },
        preventUserExistenceErrors: "ENABLED",
        enableTokenRevocation: true,
      },
      { parent: this },
    );
    this.domain = new aws.cognito.UserPoolDomain(
      `${name}-domain`,
      {
        userPoolId: this.userPool.id,
        // Globally unique: the pool id (region_suffix) makes it so; Cognito forbids "aws"/"cognito" in it.
        domain: this.userPool.id.apply((id) => `fileshare-${args.stack}-${id.toLowerCase().replace(/[^a-z0-9]/g, "")}`),
        managedLoginVersion: 2,
      },
      { parent: this },
    );
    // Managed login version 2 shows "Login pages unavailable" to a client without a branding style: Cognito's
    // own look is enough.
    this.branding = new aws.cognito.ManagedLoginBranding(
      `${name}-branding`,
      { userPoolId: this.userPool.id, clientId: this.client.id, useCognitoProvidedValues: true },
      { parent: this },
    );
    this.signInDomain = pulumi.interpolate`${this.domain.domain}.auth.${args.region}.amazoncognito.com`;
    this.endpoints = pulumi
      .all([this.userPool.endpoint, this.client.id, this.signInDomain])
      .apply(([endpoint, clientId, host]) => ({
        issuer: `https://${endpoint}`,
        clientId,
        authorizationEndpoint: `https://${host}/oauth2/authorize`,
        tokenEndpoint: `https://${host}/oauth2/token`,
        logoutEndpoint: `https://${host}/logout`,
        revocationEndpoint: `https://${host}/oauth2/revoke`,
        jwksUrl: `https://${endpoint}/.well-known/jwks.json`,
      }));
    this.registerOutputs({ userPoolId: this.userPool.id, userPoolClientId: this.client.id });
  }
}
