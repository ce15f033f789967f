/**
 * Issue 9, items 1, 2 and 5 — each measured failure reproduced as a recording in the real API shapes and
 * replayed through the engine (and, for the caller identity, the real CLI):
 * - a credential report without the `<root_account>` row: the root controls are `error`, the IAM-user
 *   controls are evaluated with their exact findings;
 * - a managed policy without PolicyName is named from its ARN; an unreadable policy is an error finding for
 *   that policy (and the principals holding it) only;
 * - an empty GetAccountAuthorizationDetails (the caller's own role missing) makes the admin review `error`;
 *   a GetAccountSummary count that does not reconcile is `error` with both numbers, recorded as evidence;
 * - an STS identity without Account / Arn (and a Google identity without a principal) is exit 3 with no
 *   bundle, never account `undefined`;
 * - an A→B→A paging cycle in ListVirtualMFADevices and ListAnalyzers stops at the first repeated token;
 * - zero regions from DescribeRegions makes the account-level CloudTrail controls `error`.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  awsPolicyArn,
  customerPolicyArn,
  doc,
  managedPolicyDetail,
  roleDetail,
  trustAws,
  userDetail,
} from "../../fixtures/aws/demo-src/iam-shapes.js";
import { awsCall, type CallSpec, finalise } from "../../fixtures/lib/aws.js";
import { CallerIdentityError } from "../../src/core/errors.js";
import { GcpRuntime } from "../../src/providers/gcp/runtime.js";
import { CREDENTIAL_REPORT_COLUMNS } from "../../src/queries/aws/iam/credential-report.js";
import { Recorder } from "../../src/recording/recorder.js";
import { writeRecordedCalls } from "../../src/recording/store.js";
import { cli } from "../support/cli.js";
import { flagged, resultOf, runOnCalls } from "../support/recording.js";

const ACCOUNT = "111122223333";
const CALLER = `arn:aws:sts::${ACCOUNT}:assumed-role/ITGCAuditReadOnly/auditor`;
const NOW = "2026-11-20T09:00:00.000Z";
const A = `arn:aws:iam::${ACCOUNT}`;
const ROOT = `${A}:root`;
const T = "2024-01-01T00:00:00Z";

/** [resource, status] of every finding, by resource. */
const verdicts = (r: { findings: { resource: string; status: string }[] }) =>
  r.findings.map((f) => [f.resource, f.status]).sort((a, b) => a[0]!.localeCompare(b[0]!));

const sts = (output: Record<string, unknown>): CallSpec =>
  awsCall({ service: "STS", operation: "GetCallerIdentity", account: ACCOUNT, region: "us-east-1", output });
const identity = () => sts({ UserId: "AROAYLXQ2EXAMPLE7ROLE:auditor", Account: ACCOUNT, Arn: CALLER });
const iam = (operation: string, output: Record<string, unknown>, input?: Record<string, unknown>) =>
  awsCall({ service: "IAM", operation, account: ACCOUNT, region: "us-east-1", input, output });

const summary = (counts: Record<string, number>) =>
  iam("GetAccountSummary", {
    SummaryMap: {
      AccountMFAEnabled: 1,
      AccountAccessKeysPresent: 0,
      AccountSigningCertificatesPresent: 0,
      UsersQuota: 5000,
      ...counts,
    },
  });

function run(controls: string[], calls: CallSpec[], regions = ["us-east-1"]) {
  return runOnCalls({ controls, calls: [identity(), ...calls], now: NOW, regions });
}

// ---------------------------------------------------------------------------------------------------------
// Credential report without the root row

type ReportRow = Partial<Record<(typeof CREDENTIAL_REPORT_COLUMNS)[number], string>> & { user: string };

function reportCsv(rows: ReportRow[]): string {
  const defaults: Record<string, string> = {
    user_creation_time: "2024-01-01T09:00:00+00:00",
    password_enabled: "false",
    mfa_active: "false",
    access_key_1_active: "false",
    access_key_2_active: "false",
    cert_1_active: "false",
    cert_2_active: "false",
  };
  const line = (r: ReportRow) =>
    CREDENTIAL_REPORT_COLUMNS.map(
      (c) =>
        (r as Record<string, string>)[c] ?? (c === "arn" ? `${A}:user/${r.user}` : (defaults[c] ?? "N/A")),
    ).join(",");
  return `${[CREDENTIAL_REPORT_COLUMNS.join(","), ...rows.map(line)].join("\n")}\n`;
}

const report = (rows: ReportRow[]): CallSpec[] => [
  iam("GenerateCredentialReport", { State: "COMPLETE" }),
  iam("GetCredentialReport", {
    Content: Buffer.from(reportCsv(rows)).toString("base64"),
    ReportFormat: "text/csv",
    GeneratedTime: "2026-11-20T08:58:03.000Z",
  }),
];

/** Two IAM users, as an emulator (or a member account under centralised root management) answers: no root row. */
const USERS: ReportRow[] = [
  {
    user: "alice",
    password_enabled: "true",
    password_last_used: "2026-11-19T10:00:00+00:00",
    mfa_active: "true",
    access_key_1_active: "true",
    access_key_1_last_rotated: "2026-10-01T00:00:00+00:00",
    access_key_1_last_used_date: "2026-11-18T00:00:00+00:00",
  },
  {
    user: "bob",
    password_enabled: "true",
    password_last_used: "2026-11-01T10:00:00+00:00",
    mfa_active: "false",
    access_key_1_active: "true",
    access_key_1_last_rotated: "2025-01-01T00:00:00+00:00",
    access_key_1_last_used_date: "2026-11-01T00:00:00+00:00",
    access_key_2_active: "true",
    access_key_2_last_rotated: "2026-09-01T00:00:00+00:00",
    access_key_2_last_used_date: "2026-11-02T00:00:00+00:00",
  },
];

const ROOT_CONTROLS = ["access.aws-root-mfa", "access.aws-root-no-access-keys", "access.aws-root-not-used"];
const USER_CONTROLS = [
  "access.aws-iam-console-mfa",
  "access.aws-iam-access-keys-rotated",
  "access.aws-iam-single-active-access-key",
  "access.aws-iam-console-users-without-keys",
  "access.aws-iam-unused-credentials-disabled",
  "access.aws-iam-no-users-sso-only",
];

describe("a credential report without the <root_account> row", () => {
  it("makes the root controls error and evaluates every IAM-user control with its exact findings", async () => {
    const out = await run([...ROOT_CONTROLS, ...USER_CONTROLS], [summary({ Users: 2 }), ...report(USERS)]);
    for (const id of ROOT_CONTROLS) {
      const r = resultOf(out, id);
      expect(r.status, id).toBe("error");
      expect(r.reason, id).toContain("the credential report has no root row");
      expect(r.findings, id).toEqual([
        {
          resource: ROOT,
          account: ACCOUNT,
          region: "us-east-1",
          status: "error",
          message: "the credential report has no root row",
        },
      ]);
      expect(
        r.problems?.map((p) => [p.scope, p.subject, p.effect]),
        id,
      ).toEqual([["item", ROOT, "error"]]);
    }
    const bob = `${A}:user/bob`;
    expect(resultOf(out, "access.aws-iam-console-mfa").status).toBe("fail");
    expect(flagged(out, "access.aws-iam-console-mfa")).toEqual([bob]);
    expect(flagged(out, "access.aws-iam-access-keys-rotated")).toEqual([bob]);
    expect(flagged(out, "access.aws-iam-single-active-access-key")).toEqual([bob]);
    expect(flagged(out, "access.aws-iam-console-users-without-keys")).toEqual([`${A}:user/alice`, bob]);
    expect(resultOf(out, "access.aws-iam-unused-credentials-disabled").status).toBe("pass");
    expect(resultOf(out, "access.aws-iam-unused-credentials-disabled").population).toBe(2);
    expect(resultOf(out, "access.aws-iam-no-users-sso-only").status).toBe("not_applicable");
    for (const id of USER_CONTROLS) {
      const r = resultOf(out, id);
      expect(r.errors, id).toEqual([]);
      // The problem is listed with every control of the query, with no effect on the user controls.
      expect(
        r.problems?.map((p) => [p.scope, p.effect]),
        id,
      ).toEqual([["item", "none"]]);
      // The users were reconciled with GetAccountSummary (the IPE completeness test).
      expect(
        r.completeness?.map((c) => [c.population, c.found, c.expected, c.outcome]),
        id,
      ).toEqual([["IAM users", 2, 2, "reconciled"]]);
    }
  });

  it("root with access keys (AccountAccessKeysPresent = 1): the key controls get one error finding, for root only", async () => {
    const out = await run(
      ["access.aws-iam-access-keys-rotated", "access.aws-iam-console-mfa"],
      [summary({ Users: 2, AccountAccessKeysPresent: 1 }), ...report(USERS)],
    );
    const rotated = resultOf(out, "access.aws-iam-access-keys-rotated");
    expect(rotated.status).toBe("error");
    expect(verdicts(rotated)).toEqual([
      [ROOT, "error"],
      [`${A}:user/alice`, "pass"],
      [`${A}:user/bob`, "fail"],
    ]);
    expect(resultOf(out, "access.aws-iam-console-mfa").status).toBe("fail");
  });

  it("a report whose users do not reconcile with GetAccountSummary is error with both numbers; root controls still evaluate", async () => {
    const rootRow: ReportRow = {
      user: "<root_account>",
      arn: ROOT,
      password_enabled: "not_supported",
      password_last_changed: "not_supported",
      password_next_rotation: "not_supported",
      mfa_active: "true",
    };
    const out = await run(
      ["access.aws-iam-console-mfa", "access.aws-root-mfa"],
      [summary({ Users: 3 }), ...report([rootRow, ...USERS])],
    );
    const users = resultOf(out, "access.aws-iam-console-mfa");
    expect(users.status).toBe("error");
    expect(users.reason).toMatch(
      /IAM users: IAM:GetCredentialReport .* has 2, IAM:GetAccountSummary SummaryMap.Users says 3/,
    );
    expect(users.completeness?.[0]).toMatchObject({
      found: 2,
      expected: 3,
      outcome: "mismatch",
      effect: "error",
    });
    // The exception found is still listed.
    expect(flagged(out, "access.aws-iam-console-mfa")).toEqual([`${A}:user/bob`]);
    const root = resultOf(out, "access.aws-root-mfa");
    expect(root.status).toBe("pass");
    expect(root.completeness?.[0]).toMatchObject({ outcome: "mismatch", effect: "none" });
  });
});

describe("a credential report without a column", () => {
  it("is a field problem: controls reading the column are error, the others are evaluated", async () => {
    const columns = CREDENTIAL_REPORT_COLUMNS.filter((c) => c !== "mfa_active");
    const rootRow = `<root_account>,${ROOT},2019-03-11T14:02:19+00:00,not_supported,N/A,not_supported,not_supported,${columns
      .slice(7)
      .map((c) => (c.endsWith("_active") ? "false" : "N/A"))
      .join(",")}`;
    const bobRow = [
      "bob",
      `${A}:user/bob`,
      "2024-01-01T09:00:00+00:00",
      "true",
      "2026-11-01T10:00:00+00:00",
      "N/A",
      "N/A",
      ...columns
        .slice(7)
        .map((c) =>
          c === "access_key_1_active"
            ? "true"
            : c === "access_key_1_last_rotated"
              ? "2025-01-01T00:00:00+00:00"
              : c.endsWith("_active")
                ? "false"
                : "N/A",
        ),
    ].join(",");
    const csv = `${[columns.join(","), rootRow, bobRow].join("\n")}\n`;
    const out = await run(
      ["access.aws-iam-console-mfa", "access.aws-iam-access-keys-rotated"],
      [
        summary({ Users: 1 }),
        iam("GenerateCredentialReport", { State: "COMPLETE" }),
        iam("GetCredentialReport", {
          Content: Buffer.from(csv).toString("base64"),
          ReportFormat: "text/csv",
          GeneratedTime: "2026-11-20T08:58:03.000Z",
        }),
      ],
    );
    const mfa = resultOf(out, "access.aws-iam-console-mfa");
    expect(mfa.status).toBe("error");
    expect(mfa.reason).toContain("the credential report has no mfa_active column");
    expect(mfa.problems).toMatchObject([{ scope: "field", subject: "mfa_active", effect: "error" }]);
    const keys = resultOf(out, "access.aws-iam-access-keys-rotated");
    expect(keys.status).toBe("fail");
    expect(flagged(out, "access.aws-iam-access-keys-rotated")).toEqual([`${A}:user/bob`]);
    expect(keys.problems).toMatchObject([{ scope: "field", subject: "mfa_active", effect: "none" }]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// GetAccountAuthorizationDetails: nameless and unreadable managed policies, empty populations

const ADMIN = awsPolicyArn("AdministratorAccess");
const BROKEN = customerPolicyArn("Broken");
const ADMIN_DOC = doc({ Effect: "Allow", Action: "*", Resource: "*" });
const CALLER_ROLE = roleDetail({ name: "ITGCAuditReadOnly", created: T, trust: trustAws(ROOT) });

function authz(
  p: { users?: unknown[]; roles?: unknown[]; policies?: unknown[] },
  counts: Record<string, number>,
) {
  return [
    summary(counts),
    iam(
      "GetAccountAuthorizationDetails",
      {
        UserDetailList: p.users ?? [],
        GroupDetailList: [],
        RoleDetailList: p.roles ?? [],
        Policies: p.policies ?? [],
        IsTruncated: false,
      },
      { MaxItems: 1000 },
    ),
  ];
}

describe("GetAccountAuthorizationDetails, narrowly", () => {
  it("names a managed policy without PolicyName from its ARN; an unreadable policy is an error finding for it alone", async () => {
    const { PolicyName: _dropped, ...nameless } = managedPolicyDetail({
      arn: ADMIN,
      created: T,
      attachments: 1,
      versions: [{ id: "v1", created: T, doc: ADMIN_DOC }],
    });
    const broken = {
      ...managedPolicyDetail({
        arn: BROKEN,
        created: T,
        attachments: 1,
        versions: [{ id: "v1", created: T, doc: ADMIN_DOC }],
      }),
      PolicyVersionList: [
        { Document: "%7Bnot-json", VersionId: "v1", IsDefaultVersion: true, CreateDate: T },
      ],
    };
    const users = [
      userDetail({ name: "ann", created: T, attached: [ADMIN] }),
      userDetail({ name: "ben", created: T, attached: [BROKEN] }),
      userDetail({ name: "cid", created: T }),
    ];
    const out = await run(
      [
        "access.aws-iam-no-full-admin-policies",
        "access.aws-iam-admin-access-review",
        "access.aws-iam-policies-through-groups",
      ],
      authz(
        { users, roles: [CALLER_ROLE], policies: [nameless, broken] },
        { Users: 3, Roles: 1, Groups: 0, Policies: 1 },
      ),
    );
    const policies = resultOf(out, "access.aws-iam-no-full-admin-policies");
    expect(policies.status).toBe("error");
    expect(verdicts(policies)).toEqual([
      [BROKEN, "error"],
      [ADMIN, "fail"],
    ]);
    expect(policies.findings.find((f) => f.status === "error")?.message).toMatch(
      /default version of .*Broken: policy document is not valid JSON/,
    );
    const review = resultOf(out, "access.aws-iam-admin-access-review");
    expect(review.status).toBe("error");
    expect(verdicts(review)).toEqual([
      [`${A}:user/ann`, "fail"],
      [`${A}:user/ben`, "error"],
    ]);
    // ann's path names the policy by the name taken from its ARN.
    const finding = (resource: string) => review.findings.find((f) => f.resource === resource);
    expect(finding(`${A}:user/ann`)?.message).toContain("attached policy AdministratorAccess");
    expect(finding(`${A}:user/ben`)?.message).toMatch(
      /has policy .*Broken attached, which could not be read/,
    );
    // A control that reads neither the policy nor ben's verdicts is evaluated in full.
    const groups = resultOf(out, "access.aws-iam-policies-through-groups");
    expect(groups.status).toBe("error");
    expect(verdicts(groups)).toEqual([
      [`${A}:user/ann`, "fail"],
      [`${A}:user/ben`, "error"],
      [`${A}:user/cid`, "pass"],
    ]);
  });

  it("an empty answer (the caller's own role missing) makes the admin review error, not pass", async () => {
    const out = await run(
      ["access.aws-iam-admin-access-review"],
      authz({}, { Users: 0, Roles: 4, Groups: 0, Policies: 0 }),
    );
    const r = resultOf(out, "access.aws-iam-admin-access-review");
    expect(r.status).toBe("error");
    expect(r.population).toBe(0);
    const byPopulation = Object.fromEntries((r.completeness ?? []).map((c) => [c.population, c]));
    expect(byPopulation["IAM roles"]).toMatchObject({
      found: 0,
      expected: 4,
      outcome: "mismatch",
      effect: "error",
    });
    expect(byPopulation["IAM users and roles"]).toMatchObject({ found: 0, expected: 1, outcome: "mismatch" });
    expect(byPopulation["IAM users and roles"]?.detail).toContain("ITGCAuditReadOnly");
    expect(r.reason).toMatch(
      /IAM roles: IAM:GetAccountAuthorizationDetails has 0, .*SummaryMap.Roles says 4/,
    );
  });

  it("with the caller present and the counts reconciled, the same review passes", async () => {
    const out = await run(
      ["access.aws-iam-admin-access-review"],
      authz({ roles: [CALLER_ROLE] }, { Users: 0, Roles: 1, Groups: 0, Policies: 0 }),
    );
    const r = resultOf(out, "access.aws-iam-admin-access-review");
    expect(r.status).toBe("pass");
    expect(r.completeness?.every((c) => c.outcome === "reconciled")).toBe(true);
    expect(r.completeness?.map((c) => c.population).sort()).toEqual([
      "IAM groups",
      "IAM roles",
      "IAM users",
      "IAM users and roles",
      "customer managed policies",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Paging cycles and zero regions

describe("paging cycles (A → B → A) stop at the first repeated token", () => {
  it("ListVirtualMFADevices", async () => {
    const page = (marker: string | undefined, next: string) =>
      iam(
        "ListVirtualMFADevices",
        { VirtualMFADevices: [], IsTruncated: true, Marker: next },
        marker ? { Marker: marker } : undefined,
      );
    const out = await run(
      ["access.aws-root-hardware-mfa"],
      [summary({ Users: 0 }), page(undefined, "A"), page("A", "B"), page("B", "A")],
    );
    const r = resultOf(out, "access.aws-root-hardware-mfa");
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/IAM:ListVirtualMFADevices: the API repeated page token A/);
    expect(out.calls.filter((c) => c.operation === "ListVirtualMFADevices")).toHaveLength(3);
  });

  it("ListAnalyzers", async () => {
    const page = (token: string | undefined, next: string) =>
      awsCall({
        service: "AccessAnalyzer",
        operation: "ListAnalyzers",
        account: ACCOUNT,
        region: "us-east-1",
        input: token ? { nextToken: token } : {},
        output: { analyzers: [], nextToken: next },
      });
    const out = await run(
      ["access.aws-access-analyzer-all-regions"],
      [page(undefined, "A"), page("A", "B"), page("B", "A")],
    );
    const r = resultOf(out, "access.aws-access-analyzer-all-regions");
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/AccessAnalyzer:ListAnalyzers: the API repeated page token A/);
    expect(out.calls.filter((c) => c.operation === "ListAnalyzers")).toHaveLength(3);
  });
});

describe("zero regions from DescribeRegions", () => {
  it("makes the account-level CloudTrail controls error, not fail or not_applicable", async () => {
    const ids = [
      "logging.aws-cloudtrail-multi-region-logging",
      "logging.aws-cloudtrail-log-file-validation",
      "change-management.aws-cloudtrail-management-write-events",
      "change-management.aws-config-recorder-all-regions",
    ];
    const regions = awsCall({
      service: "EC2",
      operation: "DescribeRegions",
      account: ACCOUNT,
      region: "us-east-1",
      output: { Regions: [] },
    });
    const out = await runOnCalls({ controls: ids, calls: [identity(), regions], now: NOW });
    for (const id of ids) {
      const r = resultOf(out, id);
      expect(r.status, id).toBe("error");
      expect(r.reason, id).toMatch(/EC2:DescribeRegions returned no region/);
      expect(r.findings, id).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Caller identity without an account

describe("a caller identity without Account / Arn", () => {
  const dir = mkdtempSync(join(tmpdir(), "itgc-identity-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is refused in process: no run as account undefined", async () => {
    const bad = [sts({ UserId: "AROAEXAMPLE:auditor" })];
    await expect(runOnCalls({ controls: ["access.aws-root-mfa"], calls: bad, now: NOW })).rejects.toThrow(
      CallerIdentityError,
    );
    await expect(
      runOnCalls({
        controls: ["access.aws-root-mfa"],
        calls: [sts({ Account: ACCOUNT, UserId: "x" })],
        now: NOW,
      }),
    ).rejects.toThrow(/Arn is missing/);
  });

  it("ends the CLI with exit 3 and writes no bundle (a scheduler retries)", () => {
    const recording = join(dir, "recording");
    writeRecordedCalls(recording, finalise([sts({ UserId: "AROAEXAMPLE:auditor" })], NOW));
    writeFileSync(join(recording, "run.json"), JSON.stringify({ startedAt: NOW, homeRegion: "us-east-1" }));
    const out = join(dir, "out");
    const r = cli([
      "run",
      "--replay",
      recording,
      "--out",
      out,
      "--no-sign",
      "--control",
      "access.aws-root-mfa",
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/without a usable caller identity \(Account is missing\)/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
    let written: string[] = [];
    try {
      written = readdirSync(out);
    } catch {
      written = [];
    }
    expect(written.filter((n) => n.includes("undefined"))).toEqual([]);
    expect(written).toEqual([]);
  });

  it("a Google identity without a principal is refused too", async () => {
    const call = {
      seq: 1,
      provider: "gcp" as const,
      service: "GoogleAuth",
      operation: "getCallerIdentity",
      account: "caller",
      region: "global",
      input: {},
      output: { source: "adc", requestedScope: { projects: ["demo-prod"] } },
      startedAt: NOW,
      endedAt: NOW,
      attempts: 1,
    };
    const rt = new GcpRuntime({
      recorder: new Recorder(),
      replay: { dir: "(in-memory)", meta: { startedAt: NOW }, calls: [call as never] },
    });
    await expect(rt.init()).rejects.toThrow(CallerIdentityError);
    await expect(rt.init()).rejects.toThrow(/the Google caller identity has no principal/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Per-item reads: one trail's status denied

describe("a trail whose GetTrailStatus is denied", () => {
  it("is an error finding for that trail; the other trail is still evaluated", async () => {
    const trails = await import("./aws-logging-support.js");
    const good = { name: "main", validation: false };
    const bad = { name: "denied-trail", validation: true, kmsKey: null, logGroup: null };
    const calls = trails.trailCalls([good, bad]);
    const status = calls.findIndex(
      (c) => c.operation === "GetTrailStatus" && (c.input as { Name?: string }).Name === trails.trailArn(bad),
    );
    calls[status] = {
      ...calls[status]!,
      output: undefined,
      ...trails.deniedException("cloudtrail:GetTrailStatus"),
    };
    const out = await trails.run(
      ["logging.aws-cloudtrail-log-file-validation", "logging.aws-cloudtrail-multi-region-logging"],
      calls,
    );
    const validation = resultOf(out, "logging.aws-cloudtrail-log-file-validation");
    expect(validation.status).toBe("error");
    expect(verdicts(validation)).toEqual([
      [trails.trailArn(bad), "error"],
      [trails.trailArn(good), "fail"],
    ]);
    expect(validation.reason).toMatch(
      /GetTrailStatus for trail .*denied-trail.* failed: AccessDeniedException/,
    );
    // "At least one multi-region logging trail" cannot be decided without every trail's status: error.
    expect(resultOf(out, "logging.aws-cloudtrail-multi-region-logging").status).toBe("error");
  });
});
