// fileshare:waf under Pulumi mocks: the web ACL's inputs and its association with the stage. Not proven here: that
// WAF accepts these rules, what the managed rule set matches, or that a blocked client really sees these answers.
import assert from "node:assert/strict";
import { COMMON_RULES, COUNTED_RULE, LARGE_BODY_LABEL } from "../../infra/waf";
import { stackConfigText, buildProgram } from "./mocks";

const ACL = "aws:wafv2/webAcl:WebAcl";
const ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation";

async function build(stack: "dev" | "prod", extra: Record<string, string>) {
  const run = await buildProgram(stack, {
    ...stackConfigText(stack),
    ...extra,
  });
  return { ofType: (t: string) => run.resources.filter((r) => r.type === t) };
}

describe("WAF on the API stage (fileshare:waf; resource inputs under mocks, not a deployed web ACL)", function () {
  // Whole-program builds under mocks on a busy machine: a deadline for hangs only.
  this.timeout(600_000);
  it("creates no web ACL when waf is off (the default)", async () => {
    const { ofType } = await build("dev", {});
    assert.equal(ofType(ACL).length + ofType(ASSOCIATION).length, 0);
  });

  it("puts a REGIONAL web ACL on exactly this stack's stage: a per-IP rate rule at wafRateLimit per 5 minutes, then AWS's common rule set", async () => {
    const { ofType } = await build("prod", { "fileshare:waf": "true", "fileshare:wafRateLimit": "500" });
    const [acl] = ofType(ACL);
    const [association] = ofType(ASSOCIATION);
    const [stage] = ofType("aws:apigateway/stage:Stage");
    assert.equal(ofType(ACL).length, 1);
    assert.equal(acl!.inputs["scope"], "REGIONAL");
    assert.deepEqual(acl!.inputs["defaultAction"], { allow: {} });
    assert.equal(association!.inputs["webAclArn"], acl!.outputs["arn"]);
    assert.equal(association!.inputs["resourceArn"], stage!.outputs["arn"]);
    // WAFv2 descriptions allow no apostrophe (botocore wafv2 EntityDescription); the provider checks only the length.
    assert.match(acl!.inputs["description"], /^[\w+=:#@/\-,.][\w+=:#@/\-,.\s]+[\w+=:#@/\-,.]$/);
    assert.match(association!.inputs["resourceArn"], /^arn:aws:apigateway:eu-west-1::\/restapis\/\w+\/stages\/prod$/);

    const rules = acl!.inputs["rules"];
    assert.deepEqual(
      rules.map((r: { name: string; priority: number }) => [r.priority, r.name]),
      [
        [0, "per-ip-rate-limit"],
        [1, "aws-common-rule-set"],
        [2, "large-body-outside-complete"],
      ],
    );
    assert.deepEqual(rules[0].statement, {
      rateBasedStatement: { limit: 500, aggregateKeyType: "IP", evaluationWindowSec: 300 },
    });
    const group = rules[1].statement.managedRuleGroupStatement;
    assert.deepEqual([group.vendorName, group.name], ["AWS", "AWSManagedRulesCommonRuleSet"]);
    // Not a group-wide count (WAF would stop the group at its first match, the 8 KB rule, and never run the body
    // rules): the group acts, each rule overridden, every rule of the set named once.
    assert.deepEqual(rules[1].overrideAction, { none: {} });
    const overrides = group.ruleActionOverrides as { name: string; actionToUse: Record<string, unknown> }[];
    assert.deepEqual(
      overrides.map((o) => o.name),
      [...COMMON_RULES],
    );
    assert.equal(new Set(overrides.map((o) => o.name)).size, 22, "the 22 rules of the documented set");
    for (const o of overrides) {
      if (o.name === COUNTED_RULE) assert.deepEqual(o.actionToUse, { count: {} }, "large bodies are counted");
      else assert.equal(o.actionToUse["block"] !== undefined, true, `${o.name} does not block`);
    }
    // Large bodies (the counted rule's label) are blocked everywhere but on POST /uploads/{id}/complete.
    assert.deepEqual(rules[2].statement.andStatement.statements, [
      { labelMatchStatement: { scope: "LABEL", key: LARGE_BODY_LABEL } },
      {
        notStatement: {
          statement: {
            byteMatchStatement: {
              fieldToMatch: { uriPath: {} },
              positionalConstraint: "ENDS_WITH",
              searchString: "/complete",
              textTransformations: [{ priority: 0, type: "NONE" }],
            },
          },
        },
      },
    ]);
    for (const r of [...rules, acl!.inputs]) {
      assert.equal(r.visibilityConfig.cloudwatchMetricsEnabled, true);
      assert.equal(r.visibilityConfig.sampledRequestsEnabled, true);
      assert.match(r.visibilityConfig.metricName, /^fileshare-prod/);
    }
  });

  it("answers a blocked client in the docs/api.md error shape with CORS for the stack's one origin: 429 Throttled (Retry-After) for the rate, 403 Forbidden for the rule set", async () => {
    // One allowed origin (prod's own list is empty: its page is served by the API).
    const { ofType } = await build("prod", {
      "fileshare:waf": "true",
      "fileshare:corsOrigins": JSON.stringify(["https://files.acme.internal"]),
    });
    const acl = ofType(ACL)[0]!;
    const bodies = Object.fromEntries(
      acl.inputs["customResponseBodies"].map((b: { key: string; contentType: string; content: string }) => {
        assert.equal(b.contentType, "APPLICATION_JSON");
        return [b.key, JSON.parse(b.content)];
      }),
    );
    const [rate, common, large] = acl.inputs["rules"];
    const xss = common.statement.managedRuleGroupStatement.ruleActionOverrides.find(
      (o: { name: string }) => o.name === "CrossSiteScripting_BODY",
    );
    for (const [action, status, code] of [
      [rate.action, 429, "Throttled"],
      [xss.actionToUse, 403, "Forbidden"],
      [large.action, 403, "Forbidden"],
    ] as const) {
      const response = action.block.customResponse;
      assert.equal(response.responseCode, status);
      const body = bodies[response.customResponseBodyKey];
      assert.equal(body.error.code, code);
      assert.ok(body.error.message.length > 10);
      assert.deepEqual(Object.keys(body), ["error"]);
      const headers = Object.fromEntries(
        response.responseHeaders.map((h: { name: string; value: string }) => [h.name, h.value]),
      );
      assert.equal(headers["Access-Control-Allow-Origin"], "https://files.acme.internal", "the single origin");
      assert.equal(headers["Vary"], "Origin");
    }
    assert.equal(
      rate.action.block.customResponse.responseHeaders.find((h: { name: string }) => h.name === "Retry-After").value,
      "60",
    );
  });

  it("sends no Access-Control-Allow-Origin from WAF when several origins are allowed (it cannot echo one)", async () => {
    const { ofType } = await build("dev", { "fileshare:waf": "true" });
    const rules = ofType(ACL)[0]!.inputs["rules"];
    const overrides = rules[1].statement.managedRuleGroupStatement.ruleActionOverrides;
    const actions = [
      ...rules.map((r: { action?: unknown }) => r.action),
      ...overrides.map((o: { actionToUse: unknown }) => o.actionToUse),
    ];
    assert.equal(actions.filter((a) => a?.block).length, 2 + 21, "every blocking action is checked");
    for (const action of actions) {
      const headers = action?.block?.customResponse?.responseHeaders ?? [];
      assert.ok(!headers.some((h: { name: string }) => h.name === "Access-Control-Allow-Origin"));
    }
  });
});
