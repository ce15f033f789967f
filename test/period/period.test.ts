/** The audit period: its syntax, its resolution against the evaluation time, and where it is visible. */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { awsCall } from "../../fixtures/lib/aws.js";
import { main } from "../../src/cli/main.js";
import { PeriodError, parsePeriod, resolvePeriod } from "../../src/core/period.js";
import type { Control } from "../../src/core/types.js";
import { compileControl, evaluateControl } from "../../src/engine/evaluate.js";
import { runOnCalls } from "../support/recording.js";

const NOW = new Date("2026-11-20T09:00:00.000Z");
const iso = (spec: string, now = NOW) => {
  const p = resolvePeriod(parsePeriod(spec), now);
  return [p.start.toISOString(), p.end.toISOString()];
};

describe("parsePeriod / resolvePeriod", () => {
  it("dates cover whole days, both ends inclusive, in UTC", () => {
    expect(iso("2026-07-01..2026-09-30")).toEqual(["2026-07-01T00:00:00.000Z", "2026-09-30T23:59:59.999Z"]);
  });
  it("datetimes are exact; a datetime without a zone is UTC; offsets are converted", () => {
    expect(iso("2026-07-01T08:00..2026-07-02T08:30:15Z")).toEqual([
      "2026-07-01T08:00:00.000Z",
      "2026-07-02T08:30:15.000Z",
    ]);
    expect(iso("2026-07-01T02:00+02:00..2026-07-02")[0]).toBe("2026-07-01T00:00:00.000Z");
  });
  it("FROM.. runs until the evaluation time", () => {
    expect(iso("2026-10-01..")).toEqual(["2026-10-01T00:00:00.000Z", NOW.toISOString()]);
  });
  it("last-Nd / -Nh / -Nw end at the evaluation time", () => {
    expect(iso("last-90d")).toEqual(["2026-08-22T09:00:00.000Z", NOW.toISOString()]);
    expect(iso("last-24h")[0]).toBe("2026-11-19T09:00:00.000Z");
    expect(iso("last-2w")[0]).toBe("2026-11-06T09:00:00.000Z");
  });
  it("a calendar quarter or month", () => {
    expect(iso("2026-Q3")).toEqual(["2026-07-01T00:00:00.000Z", "2026-09-30T23:59:59.999Z"]);
    expect(iso("2026-02")).toEqual(["2026-02-01T00:00:00.000Z", "2026-02-28T23:59:59.999Z"]);
  });
  it("the default is the last 90 days", () => {
    const p = resolvePeriod(undefined, NOW);
    expect(p.start.toISOString()).toBe("2026-08-22T09:00:00.000Z");
    expect(p.end.toISOString()).toBe(NOW.toISOString());
  });
  it.each([
    ["2026-07-01"],
    ["2026-07-01...2026-08-01"],
    ["..2026-08-01"],
    ["2026-02-30..2026-03-01"],
    ["2026-09-30..2026-07-01"],
    ["last-0d"],
    ["last-90y"],
    ["2026-13"],
    ["yesterday"],
  ])("rejects %s with the accepted forms", (spec) => {
    expect(() => parsePeriod(spec)).toThrow(PeriodError);
  });
  it("a period ending after the evaluation time is refused (its population cannot be complete)", () => {
    expect(() => resolvePeriod(parsePeriod("2026-10-01..2026-12-31"), NOW)).toThrow(
      /after the evaluation time/,
    );
    expect(() => resolvePeriod(parsePeriod("2026-12-01.."), NOW)).toThrow(/starts after/);
  });
});

describe("--period on the command line", () => {
  it.each([["garbage"], ["2026-02-30..2026-03-01"], ["2026-10-01..2030-01-01"]])(
    "run --period %s exits 2 with a clear message",
    async (spec) => {
      const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
      try {
        // --out not there yet: the run creates it before the period is read, and must not leave it behind.
        const out = join(mkdtempSync(join(tmpdir(), "itgc-period-")), "evidence", "q3");
        const code = await main([
          "run",
          "--replay",
          "fixtures/aws/demo",
          "--period",
          spec,
          "--json",
          "--out",
          out,
        ]);
        expect(code).toBe(2);
        expect(err.mock.calls.map((c) => String(c[0])).join("")).toMatch(/period/);
        expect(existsSync(out)).toBe(false);
        expect(existsSync(dirname(out))).toBe(false);
      } finally {
        err.mockRestore();
        stdout.mockRestore();
      }
    },
  );
});

describe("the period in a run", () => {
  const identity = [
    awsCall({
      service: "STS",
      operation: "GetCallerIdentity",
      account: "111122223333",
      region: "us-east-1",
      output: {
        UserId: "AIDAEXAMPLE",
        Account: "111122223333",
        Arn: "arn:aws:iam::111122223333:user/auditor",
      },
    }),
  ];
  it("is recorded in the results document with its origin", async () => {
    const outcome = await runOnCalls({
      controls: ["access.aws-root-mfa"],
      calls: identity,
      period: "2026-Q3",
    });
    // The control itself is error here (no IAM answers); the period is what this test is about.
    expect(outcome.document.run.period).toEqual({
      start: "2026-07-01T00:00:00.000Z",
      end: "2026-09-30T23:59:59.999Z",
      spec: "2026-Q3",
      source: "option",
    });
  });
  it("defaults to the last 90 days, and says so", async () => {
    const outcome = await runOnCalls({ controls: ["access.aws-root-mfa"], calls: identity });
    expect(outcome.document.run.period).toMatchObject({ source: "default", spec: "last-90d" });
  });
  it("a replay reuses the recorded period instead of recomputing a rolling one", async () => {
    const outcome = await runOnCalls({
      controls: ["access.aws-root-mfa"],
      calls: identity,
      meta: {
        period: { start: "2026-07-01T00:00:00.000Z", end: "2026-09-30T23:59:59.999Z", spec: "2026-Q3" },
      },
    });
    expect(outcome.document.run.period).toEqual({
      start: "2026-07-01T00:00:00.000Z",
      end: "2026-09-30T23:59:59.999Z",
      spec: "2026-Q3",
      source: "recording",
    });
  });

  it("is bound in CEL as period.start / period.end (timestamps)", () => {
    const control = {
      id: "t.period",
      title: "t",
      provider: "aws",
      domain: "logging",
      severity: "low",
      objective: "",
      procedure: "",
      remediation: "",
      mappings: {},
      query: "q",
      query_params: {},
      resource: "id",
      where: "time >= period.start && time <= period.end",
      expect: [{ that: "period.end - period.start > days(80)", message: "short" }],
      assert: [],
      when_empty: "pass",
      params: {},
      source: { file: "t.yaml", text: "" },
    } as Control;
    const rows = [
      "2026-06-30T23:59:59.999Z",
      "2026-07-01T00:00:00.000Z",
      "2026-09-30T23:59:59.999Z",
      "2026-10-01T00:00:00.000Z",
    ].map((t, i) => ({ id: `e${i}`, time: new Date(t) }));
    const r = evaluateControl({
      compiled: compileControl(control),
      params: { values: {}, defaults: {}, overridden: [] },
      scopes: [{ account: "1", region: "us-east-1", rows }],
      now: NOW,
      period: { start: new Date("2026-07-01T00:00:00.000Z"), end: new Date("2026-09-30T23:59:59.999Z") },
    });
    expect(r.findings.map((f) => [f.resource, f.status])).toEqual([
      ["e1", "pass"],
      ["e2", "pass"],
    ]);
  });
});
