// The page's CSP on a stack with sign-in: the page exchanges and refreshes tokens with fetch(), so connect-src
// names exactly the token endpoint's origin, and nothing is added without sign-in.
import assert from "node:assert/strict";
import { pageCsp } from "../../handlers/page";

const BUCKET = "https://b.s3.eu-west-1.amazonaws.com";
const connectSrc = (csp: string) => csp.split("; ").find((d) => d.startsWith("connect-src "));

describe("the page's CSP with sign-in (pure)", () => {
  it("lets the page reach exactly the token endpoint's origin besides itself and the bucket", () => {
    const csp = pageCsp(BUCKET, "https://fileshare-dev-x.auth.eu-west-1.amazoncognito.com/oauth2/token");
    assert.equal(
      connectSrc(csp),
      `connect-src 'self' ${BUCKET} https://fileshare-dev-x.auth.eu-west-1.amazoncognito.com`,
    );
  });

  it("adds no origin without sign-in", () => {
    assert.equal(connectSrc(pageCsp(BUCKET, "")), `connect-src 'self' ${BUCKET}`);
    assert.equal(connectSrc(pageCsp(BUCKET)), `connect-src 'self' ${BUCKET}`);
  });
});
