/**
 * access.aws-break-glass-readiness: the named break-glass users exist, use a hardware MFA device, have no
 * active access key, and a console sign-in by them raises an alarm with an action (a metric filter on the
 * trail's log group that matches a sample sign-in record, evaluated, not compared as text).
 */
import { describe, expect, it } from "vitest";
import type { CallSpec } from "../../fixtures/lib/aws.js";
import { CREDENTIAL_REPORT_COLUMNS } from "../../src/queries/aws/iam/credential-report.js";
import { call, deniedException, run, trailCalls } from "../controls/aws-logging-support.js";
import { flagged, resultOf } from "../support/recording.js";

const ACCOUNT = "111122223333";
const ID = "access.aws-break-glass-readiness";
const T = "2024-01-01T09:00:00+00:00";

function report(users: { name: string; mfa: boolean; key: boolean }[]): CallSpec[] {
  const row = (cells: Record<string, string>) =>
    CREDENTIAL_REPORT_COLUMNS.map((c) => cells[c] ?? (c.endsWith("_active") ? "false" : "N/A")).join(",");
  const csv = [
    CREDENTIAL_REPORT_COLUMNS.join(","),
    row({
      user: "<root_account>",
      arn: `arn:aws:iam::${ACCOUNT}:root`,
      user_creation_time: T,
      password_enabled: "not_supported",
      mfa_active: "true",
    }),
    ...users.map((u) =>
      row({
        user: u.name,
        arn: `arn:aws:iam::${ACCOUNT}:user/${u.name}`,
        user_creation_time: T,
        password_enabled: "true",
        mfa_active: String(u.mfa),
        access_key_1_active: String(u.key),
        ...(u.key ? { access_key_1_last_rotated: T } : {}),
      }),
    ),
  ].join("\n");
  return [
    // The independent count the credential report's users are reconciled with (issue 9, completeness).
    call("IAM", "GetAccountSummary", {
      output: {
        SummaryMap: {
          Users: users.length,
          AccountMFAEnabled: 1,
          AccountAccessKeysPresent: 0,
          AccountSigningCertificatesPresent: 0,
        },
      },
    }),
    call("IAM", "GenerateCredentialReport", { output: { State: "COMPLETE" } }),
    call("IAM", "GetCredentialReport", {
      output: {
        Content: Buffer.from(`${csv}\n`).toString("base64"),
        ReportFormat: "text/csv",
        GeneratedTime: "2026-11-20T08:58:03.000Z",
      },
    }),
  ];
}

const devices = (virtualFor: string[]): CallSpec[] => [
  call("IAM", "ListVirtualMFADevices", {
    output: {
      VirtualMFADevices: virtualFor.map((u) => ({
        SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/${u}`,
        User: {
          UserName: u,
          Arn: `arn:aws:iam::${ACCOUNT}:user/${u}`,
          UserId: "AIDAEXAMPLE",
          CreateDate: T,
          Path: "/",
        },
        EnableDate: "2024-01-02T09:00:00Z",
      })),
      IsTruncated: false,
    },
  }),
];

function alarmChain(pattern: string, o: { filtersDenied?: boolean } = {}): CallSpec[] {
  return [
    ...trailCalls([{ name: "main", logGroup: "cloudtrail" }]),
    call(
      "CloudWatchLogs",
      "DescribeMetricFilters",
      o.filtersDenied
        ? deniedException("logs:DescribeMetricFilters")
        : {
            output: {
              metricFilters: [
                {
                  filterName: "BreakGlassSignIn",
                  filterPattern: pattern,
                  metricTransformations: [
                    { metricName: "BreakGlassUse", metricNamespace: "Security", metricValue: "1" },
                  ],
                  creationTime: 1700000000000,
                  logGroupName: "cloudtrail",
                },
              ],
            },
          },
    ),
    call(
      "CloudWatch",
      "DescribeAlarms",
      {
        output: {
          MetricAlarms: [
            {
              AlarmName: "BreakGlassUsed",
              AlarmArn: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:BreakGlassUsed`,
              ActionsEnabled: true,
              OKActions: [],
              AlarmActions: [`arn:aws:sns:us-east-1:${ACCOUNT}:security-oncall`],
              InsufficientDataActions: [],
              StateValue: "OK",
              MetricName: "BreakGlassUse",
              Namespace: "Security",
              Statistic: "Sum",
              Dimensions: [],
              Period: 60,
              EvaluationPeriods: 1,
              Threshold: 1,
              ComparisonOperator: "GreaterThanOrEqualToThreshold",
            },
          ],
          CompositeAlarms: [],
        },
      },
      { AlarmTypes: ["MetricAlarm"] },
    ),
  ];
}

const USERS = [
  { name: "breakglass-1", mfa: true, key: false },
  { name: "breakglass-2", mfa: true, key: true },
  { name: "breakglass-3", mfa: true, key: false },
  { name: "alice", mfa: false, key: true },
];

describe(ID, () => {
  it("passes for a hardware-MFA user without keys whose sign-in raises an alarm", async () => {
    const out = await run(
      [ID],
      [...report(USERS), ...devices([]), ...alarmChain('{ $.userIdentity.userName = "breakglass-1" }')],
      { params: { [ID]: { break_glass_users: ["breakglass-1"] } } },
    );
    expect(resultOf(out, ID).status).toBe("pass");
    expect(resultOf(out, ID).population).toBe(1);
  });

  it("flags exactly the break-glass users missing hardware MFA, with keys, or without an alarm — and missing ones", async () => {
    const out = await run(
      [ID],
      [
        ...report(USERS),
        ...devices(["breakglass-3"]),
        ...alarmChain('{ ($.userIdentity.type = "IAMUser") && ($.userIdentity.userName = "breakglass-*") }'),
      ],
      {
        params: {
          [ID]: {
            break_glass_users: ["breakglass-1", "breakglass-2", `${ACCOUNT}:breakglass-3`, "breakglass-4"],
          },
        },
      },
    );
    expect(flagged(out, ID)).toEqual([
      `${ACCOUNT}:breakglass-2`,
      `${ACCOUNT}:breakglass-3`,
      `aws-account:${ACCOUNT}`,
    ]);
    const msg = (res: string) => resultOf(out, ID).findings.find((f) => f.resource === res)?.message ?? "";
    expect(msg(`${ACCOUNT}:breakglass-2`)).toMatch(/1 active access key/);
    expect(msg(`${ACCOUNT}:breakglass-3`)).toMatch(/no hardware MFA/);
    const noAlarm = await run(
      [ID],
      [...report(USERS), ...devices([]), ...alarmChain('{ $.userIdentity.userName = "someone-else" }')],
      { params: { [ID]: { break_glass_users: ["breakglass-1"] } } },
    );
    expect(flagged(noAlarm, ID)).toEqual([`${ACCOUNT}:breakglass-1`]);
    expect(resultOf(noAlarm, ID).findings[0]?.message).toMatch(/raises no alarm/);
  });

  it("errors when the metric filters cannot be read, and fails when nobody is named", async () => {
    const out = await run(
      [ID],
      [...report(USERS), ...devices([]), ...alarmChain("", { filtersDenied: true })],
      { params: { [ID]: { break_glass_users: ["breakglass-1"] } } },
    );
    expect(resultOf(out, ID).status).toBe("error");
    expect(resultOf(out, ID).reason).toMatch(/AccessDenied/);
    const none = await run([ID], [...report(USERS), ...devices([]), ...alarmChain("{ $.x = 1 }")]);
    expect(flagged(none, ID)).toEqual([`aws-account:${ACCOUNT}`]);
  });
});
