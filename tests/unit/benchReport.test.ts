// The bench's report (bench/report.ts): a row whose measurement or baseline failed says "failed", never a ratio,
// "Infinity" or "NaN" from a division by zero.
import assert from "node:assert/strict";
import { formatRatio, ratioOf, Row, shareOf, table } from "../../bench/report";

describe("bench report", () => {
  it("gives the ratio of two measurements that both succeeded", () => {
    assert.equal(ratioOf(6, 3), 2);
    assert.equal(formatRatio(ratioOf(6, 3)), "2.00×");
    assert.equal(formatRatio(ratioOf(1, 40)), "0.025×");
  });

  it("says failed, not a ratio, when the baseline or the measurement failed or is zero", () => {
    for (const [a, b] of [
      [5, undefined],
      [undefined, 5],
      [5, 0],
      [0, 5],
      [5, Number.NaN],
      [Number.POSITIVE_INFINITY, 5],
    ] as const) {
      assert.equal(ratioOf(a, b), null, `${a} / ${b}`);
      assert.equal(formatRatio(ratioOf(a, b)), "failed");
    }
  });

  it("gives a phase that took no time a share of 0, not failed; a failed phase or whole says failed", () => {
    assert.equal(formatRatio(shareOf(0, 5)), "0.000×");
    assert.equal(shareOf(1, 4), 0.25);
    for (const [a, b] of [
      [undefined, 5],
      [1, undefined],
      [1, 0],
      [-1, 5],
      [Number.NaN, 5],
    ] as const) {
      assert.equal(formatRatio(shareOf(a, b)), "failed", `${a} of ${b}`);
    }
  });

  it("prints failed in the table's ratio column for such a row", () => {
    const row: Row = {
      section: "peers",
      what: "upload 512 MiB",
      measured: "5.00 s",
      ratio: ratioOf(5, undefined),
      baseline: "aws s3 cp failed",
      goal: "≥ 1",
    };
    const line = table([row]).split("\n")[2] as string;
    assert.equal(line, "| peers | upload 512 MiB | 5.00 s | failed | aws s3 cp failed | ≥ 1 |");
    assert.doesNotMatch(line, /Infinity|NaN/);
  });
});
