/**
 * Organization trail coverage: every ACTIVE account of ListAccounts is logged by a multi-region trail that
 * records all management events — an organization trail, or its own. In-process over the org test
 * recording (management + three members, one AssumeRole denied, one suspended), with each account's trails
 * in the real DescribeTrails / GetTrailStatus / GetEventSelectors shapes; exact accounts asserted.
 */
import { describe, expect, it } from "vitest";
import { accessDenied, awsCall, type CallSpec, finalise } from "../../fixtures/lib/aws.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { resultOf } from "../support/recording.js";
import { DENIED, MANAGEMENT, MEMBERS, orgCalls, RECORDED_AT, SUSPENDED } from "./org-recording.js";

const CONTROL = "logging.aws-org-trail-coverage";
const REGIONS = ["us-east-1", "eu-west-1"];
const [PAYMENTS, DATA] = MEMBERS as [string, string, string];

interface TrailSpec {
  name: string;
  owner: string;
  organization?: boolean;
  multiRegion?: boolean;
  logging?: boolean;
}
const arn = (t: TrailSpec) => `arn:aws:cloudtrail:us-east-1:${t.owner}:trail/${t.name}`;

/** The trails an account sees (its own and, as shadow trails, the organization's), every region. */
function trailCalls(account: string, trails: TrailSpec[]): CallSpec[] {
  const describe = (t: TrailSpec) => ({
    Name: t.name,
    S3BucketName: `${t.name}-logs`,
    IncludeGlobalServiceEvents: true,
    IsMultiRegionTrail: t.multiRegion ?? true,
    HomeRegion: "us-east-1",
    TrailARN: arn(t),
    LogFileValidationEnabled: true,
    HasCustomEventSelectors: false,
    HasInsightSelectors: false,
    IsOrganizationTrail: t.organization ?? false,
  });
  const at = (region: string) => ({ service: "CloudTrail", account, region });
  return [
    ...REGIONS.map((region) =>
      awsCall({
        ...at(region),
        operation: "DescribeTrails",
        input: { includeShadowTrails: true },
        output: {
          trailList: trails.filter((t) => region === "us-east-1" || t.multiRegion !== false).map(describe),
        },
      }),
    ),
    ...trails.flatMap((t) => [
      awsCall({
        ...at("us-east-1"),
        operation: "GetTrailStatus",
        input: { Name: arn(t) },
        output: { IsLogging: t.logging ?? true, LatestDeliveryTime: "2026-11-20T08:55:12.000Z" },
      }),
      awsCall({
        ...at("us-east-1"),
        operation: "GetEventSelectors",
        input: { TrailName: arn(t) },
        output: {
          TrailARN: arn(t),
          EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [] }],
        },
      }),
    ]),
  ];
}

/**
 * The member the central role cannot assume is left out of the run (--exclude-accounts): otherwise the run's
 * scope gap alone makes every control `error` for it, and the query's own handling would go untested.
 */
async function run(
  calls: CallSpec[],
  aws: { org?: boolean; accounts?: string[]; excludeAccounts?: string[] } = {
    org: true,
    excludeAccounts: [DENIED],
  },
) {
  const outcome = await executeRun({
    filter: { control: [CONTROL] },
    recording: {
      dir: "(in-memory)",
      meta: { startedAt: RECORDED_AT, homeRegion: "us-east-1" },
      calls: finalise(calls, RECORDED_AT),
    },
    aws: { ...aws, regions: REGIONS },
  });
  return resultOf(outcome, CONTROL);
}

const byStatus = (r: Awaited<ReturnType<typeof run>>, status: string) =>
  r.findings
    .filter((f) => f.status === status)
    .map((f) => f.resource)
    .sort();

describe("organization trail coverage", () => {
  it("pass: an organization trail covers every active account, the one outside the run included; the table lists each with the trail", async () => {
    const org: TrailSpec = { name: "org-trail", owner: MANAGEMENT, organization: true };
    const r = await run([
      ...orgCalls(),
      ...[MANAGEMENT, PAYMENTS, DATA].flatMap((a) => trailCalls(a, [org])),
    ]);
    expect(r.status).toBe("pass");
    expect(byStatus(r, "pass")).toEqual([MANAGEMENT, ...MEMBERS].sort());
    // The reconciliation table (the population, with ListAccounts' own answer in the recorded calls): every
    // ACTIVE account; the suspended one is not required to be logged.
    const table = r.items!.map((i) => [
      i.account_id,
      i.account_status,
      i.covering_trails,
      i.covered,
      i.own_trails_read,
    ]);
    expect(table).toEqual([
      [MANAGEMENT, "ACTIVE", [arn(org)], true, true],
      [PAYMENTS, "ACTIVE", [arn(org)], true, true],
      [DATA, "ACTIVE", [arn(org)], true, true],
      [DENIED, "ACTIVE", [arn(org)], true, false],
    ]);
  });

  it("fail and error: no organization trail; a member whose only trails are single-region or stopped fails, the member outside the run is error", async () => {
    const r = await run([
      ...orgCalls(),
      ...trailCalls(MANAGEMENT, [{ name: "mgmt-trail", owner: MANAGEMENT }]),
      ...trailCalls(PAYMENTS, [{ name: "payments-trail", owner: PAYMENTS }]),
      // single-region, and a stopped multi-region one: neither covers
      ...trailCalls(DATA, [
        { name: "data-eu", owner: DATA, multiRegion: false },
        { name: "data-stopped", owner: DATA, logging: false },
      ]),
    ]);
    expect(r.status).toBe("error");
    expect(byStatus(r, "pass")).toEqual([MANAGEMENT, PAYMENTS].sort());
    expect(byStatus(r, "fail")).toEqual([DATA]);
    expect(r.findings.find((f) => f.resource === DATA)!.message).toBe(
      `account ${DATA} (data) is logged by no multi-region trail recording all management events: no organization trail, and none of its own`,
    );
    expect(byStatus(r, "error")).toEqual([DENIED]);
    expect(r.findings.find((f) => f.resource === DENIED)!.message).toMatch(
      /no organization trail covers it and its own trails were not read \(the account is not in this run's scope/,
    );
    // The suspended account is in the table's source, not in the population: no finding.
    expect(r.findings.map((f) => f.resource)).not.toContain(SUSPENDED);
  });

  it("error: Organizations ListAccounts denied (a run over listed accounts from a non-management caller)", async () => {
    const calls = orgCalls().map((c) =>
      c.operation === "ListAccounts"
        ? {
            ...c,
            output: undefined,
            error: accessDenied(
              `arn:aws:sts::${MANAGEMENT}:assumed-role/ITGCAuditCentral/itgc-validate`,
              "organizations:ListAccounts",
            ),
          }
        : c,
    );
    const r = await run(
      [
        ...calls,
        ...trailCalls(MANAGEMENT, [{ name: "mgmt-trail", owner: MANAGEMENT }]),
        ...trailCalls(PAYMENTS, []),
      ],
      {
        accounts: [MANAGEMENT, PAYMENTS],
      },
    );
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(
      /cannot list the organization's accounts from account 111111111111: .*organizations:ListAccounts/,
    );
    expect(r.findings.filter((f) => f.status === "pass")).toEqual([]);
  });
});
