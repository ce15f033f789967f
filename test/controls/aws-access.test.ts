/**
 * The AWS access pack (and the IAM segregation-of-duties control): for every control a passing, a failing and
 * an error case, each a small recording in the real API shapes, replayed through the engine exactly as
 * `run --replay` does, asserting the status and the exact resources flagged.
 */
import { describe, expect, it } from "vitest";
import { analyzerSummary } from "../../fixtures/aws/demo-src/accessanalyzer.js";
import {
  accessDeniedException,
  awsPolicyArn,
  customerPolicyArn,
  doc,
  groupDetail,
  managedPolicyDetail,
  type PolicyDoc,
  roleDetail,
  trustAws,
  trustService,
  userDetail,
} from "../../fixtures/aws/demo-src/iam-shapes.js";
import { accessDenied, awsCall, type CallSpec } from "../../fixtures/lib/aws.js";
import { CREDENTIAL_REPORT_COLUMNS } from "../../src/queries/aws/iam/credential-report.js";
import { flagged, resultOf, runOnCalls } from "../support/recording.js";

const ACCOUNT = "111122223333";
const CALLER = `arn:aws:sts::${ACCOUNT}:assumed-role/ITGCAuditReadOnly/auditor`;
const NOW = "2026-11-20T09:00:00.000Z";
const A = `arn:aws:iam::${ACCOUNT}`;
const ROOT = `${A}:root`;

const identity = (): CallSpec[] => [
  awsCall({
    service: "STS",
    operation: "GetCallerIdentity",
    account: ACCOUNT,
    region: "us-east-1",
    output: { UserId: "AROAYLXQ2EXAMPLE7ROLE:auditor", Account: ACCOUNT, Arn: CALLER },
  }),
];

const iam = (
  operation: string,
  answer: { output?: Record<string, unknown>; error?: CallSpec["error"] },
  input?: Record<string, unknown>,
) => awsCall({ service: "IAM", operation, account: ACCOUNT, region: "us-east-1", input, ...answer });

const denied = (action: string) => ({ error: accessDenied(CALLER, action) });

async function run(
  controls: string[],
  calls: CallSpec[],
  extra: { params?: Record<string, Record<string, unknown>>; regions?: string[] } = {},
) {
  return runOnCalls({
    controls,
    calls: [...identity(), ...calls],
    now: NOW,
    regions: extra.regions ?? ["us-east-1"],
    params: extra.params,
  });
}

// ---------------------------------------------------------------------------------------------------------
// Credential report

type ReportRow = Partial<Record<(typeof CREDENTIAL_REPORT_COLUMNS)[number], string>> & { user: string };

const ROOT_ROW: ReportRow = {
  user: "<root_account>",
  arn: ROOT,
  user_creation_time: "2019-03-11T14:02:19+00:00",
  password_enabled: "not_supported",
  password_last_used: "2026-01-02T10:00:00+00:00",
  password_last_changed: "not_supported",
  password_next_rotation: "not_supported",
  mfa_active: "true",
};

function reportRow(r: ReportRow): string {
  const defaults: Record<string, string> = {
    arn: `${A}:user/${r.user}`,
    user_creation_time: "2024-01-01T09:00:00+00:00",
    password_enabled: "false",
    password_last_used: "N/A",
    password_last_changed: "N/A",
    password_next_rotation: "N/A",
    mfa_active: "false",
    access_key_1_active: "false",
    access_key_2_active: "false",
    cert_1_active: "false",
    cert_2_active: "false",
  };
  return CREDENTIAL_REPORT_COLUMNS.map((c) => (r as Record<string, string>)[c] ?? defaults[c] ?? "N/A").join(
    ",",
  );
}

/**
 * GetAccountSummary consistent with the other answers of the same account (real AWS counts the same
 * entities): the credential report's users, and the authorization details' users, groups, roles and customer
 * managed policies. The completeness checks reconcile each population against it.
 */
function accountSummary(counts: Record<string, number>): CallSpec {
  return iam("GetAccountSummary", {
    output: {
      SummaryMap: {
        AccountMFAEnabled: 1,
        AccountAccessKeysPresent: 0,
        AccountSigningCertificatesPresent: 0,
        MFADevices: 0,
        MFADevicesInUse: 0,
        UsersQuota: 5000,
        ...counts,
      },
    },
  });
}

function credentialReport(rows: ReportRow[], root: Partial<ReportRow> = {}): CallSpec[] {
  const csv = [
    CREDENTIAL_REPORT_COLUMNS.join(","),
    reportRow({ ...ROOT_ROW, ...root }),
    ...rows.map(reportRow),
  ].join("\n");
  const rootKeys = root.access_key_1_active === "true" || root.access_key_2_active === "true";
  return [
    accountSummary({ Users: rows.length, AccountAccessKeysPresent: rootKeys ? 1 : 0 }),
    iam("GenerateCredentialReport", { output: { State: "COMPLETE" } }),
    iam("GetCredentialReport", {
      output: {
        Content: Buffer.from(`${csv}\n`).toString("base64"),
        ReportFormat: "text/csv",
        GeneratedTime: "2026-11-20T08:58:03.000Z",
      },
    }),
  ];
}

const reportDenied = (): CallSpec[] => [
  iam("GenerateCredentialReport", { output: { State: "COMPLETE" } }),
  iam("GetCredentialReport", denied("iam:GetCredentialReport")),
];

const user = (name: string) => `${A}:user/${name}`;

describe("root user controls (credential report, account summary, virtual MFA devices)", () => {
  it("access.aws-root-mfa: pass, fail, error", async () => {
    const id = "access.aws-root-mfa";
    expect(resultOf(await run([id], credentialReport([])), id).status).toBe("pass");
    const fail = await run([id], credentialReport([], { mfa_active: "false" }));
    expect(resultOf(fail, id).status).toBe("fail");
    expect(flagged(fail, id)).toEqual([ROOT]);
    expect(resultOf(await run([id], reportDenied()), id).status).toBe("error");
  });

  it("access.aws-root-no-access-keys: pass, fail, error", async () => {
    const id = "access.aws-root-no-access-keys";
    expect(resultOf(await run([id], credentialReport([])), id).status).toBe("pass");
    const fail = await run(
      [id],
      credentialReport([], {
        access_key_2_active: "true",
        access_key_2_last_rotated: "2020-01-01T00:00:00+00:00",
      }),
    );
    expect(flagged(fail, id)).toEqual([ROOT]);
    expect(resultOf(await run([id], reportDenied()), id).status).toBe("error");
  });

  it("access.aws-root-not-used: root sign-in or key use within root_usage_days is an exception", async () => {
    const id = "access.aws-root-not-used";
    const pass = await run([id], credentialReport([], { password_last_used: "2026-07-01T10:00:00+00:00" }));
    expect(resultOf(pass, id).status).toBe("pass");
    const never = await run([id], credentialReport([], { password_last_used: "no_information" }));
    expect(resultOf(never, id).status).toBe("pass");
    const fail = await run(
      [id],
      credentialReport([], {
        password_last_used: "2026-07-01T10:00:00+00:00",
        access_key_1_active: "false",
        access_key_1_last_rotated: "2019-05-01T00:00:00+00:00",
        access_key_1_last_used_date: "2026-11-10T03:00:00+00:00",
      }),
    );
    expect(resultOf(fail, id).status).toBe("fail");
    expect(flagged(fail, id)).toEqual([ROOT]);
    expect(resultOf(fail, id).findings[0]?.message).toMatch(/access key 1 was used on 2026-11-10/);
    const stricter = await run(
      [id],
      credentialReport([], { password_last_used: "2026-07-01T10:00:00+00:00" }),
      {
        params: { [id]: { root_usage_days: 180 } },
      },
    );
    expect(flagged(stricter, id)).toEqual([ROOT]);
    expect(resultOf(await run([id], reportDenied()), id).status).toBe("error");
  });

  const summary = (mfa: number) =>
    iam("GetAccountSummary", {
      output: { SummaryMap: { AccountMFAEnabled: mfa, AccountAccessKeysPresent: 0, Users: 1 } },
    });
  const devices = (list: Record<string, unknown>[], input?: Record<string, unknown>, more?: string) =>
    iam(
      "ListVirtualMFADevices",
      {
        output: {
          VirtualMFADevices: list,
          IsTruncated: more !== undefined,
          ...(more ? { Marker: more } : {}),
        },
      },
      input,
    );
  const rootDevice = {
    SerialNumber: `${A}:mfa/root-account-mfa-device`,
    User: { Path: "/", UserName: "", UserId: ACCOUNT, Arn: ROOT, CreateDate: "2019-03-11T14:02:19Z" },
    EnableDate: "2019-03-11T14:20:00Z",
  };
  const aliceDevice = {
    SerialNumber: `${A}:mfa/alice`,
    User: {
      Path: "/",
      UserName: "alice",
      UserId: "AIDAEXAMPLEALICE0001",
      Arn: user("alice"),
      CreateDate: "2020-01-01T00:00:00Z",
    },
    EnableDate: "2020-01-02T00:00:00Z",
  };

  it("access.aws-root-hardware-mfa: pass with no root virtual device, fail with one (found on page 2) or without MFA", async () => {
    const id = "access.aws-root-hardware-mfa";
    const pass = await run(
      [id],
      [summary(1), devices([aliceDevice, { SerialNumber: `${A}:mfa/unassigned` }])],
    );
    expect(resultOf(pass, id).status).toBe("pass");
    const virtual = await run(
      [id],
      [summary(1), devices([aliceDevice], undefined, "m1"), devices([rootDevice], { Marker: "m1" })],
    );
    expect(resultOf(virtual, id).status).toBe("fail");
    expect(flagged(virtual, id)).toEqual([ROOT]);
    expect(resultOf(virtual, id).findings[0]?.message).toContain("root-account-mfa-device");
    const none = await run([id], [summary(0), devices([])]);
    expect(flagged(none, id)).toEqual([ROOT]);
    expect(resultOf(none, id).findings[0]?.message).toMatch(/no MFA device/);
  });

  it("access.aws-root-hardware-mfa: error when either call is denied", async () => {
    const id = "access.aws-root-hardware-mfa";
    const r1 = await run(
      [id],
      [summary(1), iam("ListVirtualMFADevices", denied("iam:ListVirtualMFADevices"))],
    );
    expect(resultOf(r1, id).status).toBe("error");
    expect(resultOf(r1, id).reason).toMatch(/AccessDenied/);
    const r2 = await run([id], [iam("GetAccountSummary", denied("iam:GetAccountSummary")), devices([])]);
    expect(resultOf(r2, id).status).toBe("error");
  });
});

describe("IAM user credential controls (credential report)", () => {
  const rows: ReportRow[] = [
    // console user, MFA, recent use, one fresh key used recently
    {
      user: "alice",
      password_enabled: "true",
      password_last_used: "2026-11-19T10:00:00+00:00",
      mfa_active: "true",
      access_key_1_active: "true",
      access_key_1_last_rotated: "2026-10-01T00:00:00+00:00",
      access_key_1_last_used_date: "2026-11-19T11:00:00+00:00",
    },
    // console user without MFA, password last used 80 days ago
    {
      user: "bob",
      password_enabled: "true",
      password_last_used: "2026-09-01T10:00:00+00:00",
      mfa_active: "false",
    },
    // console user never signed in, created 10 days ago
    {
      user: "new.hire",
      user_creation_time: "2026-11-10T09:00:00+00:00",
      password_enabled: "true",
      password_last_used: "N/A",
      mfa_active: "true",
    },
    // console user never signed in, created a year ago
    {
      user: "ghost",
      user_creation_time: "2025-11-01T09:00:00+00:00",
      password_enabled: "true",
      password_last_used: "no_information",
      mfa_active: "true",
    },
    // service user with two active keys, key 2 old and never used
    {
      user: "svc",
      arn: `${A}:user/system/svc`,
      access_key_1_active: "true",
      access_key_1_last_rotated: "2026-10-20T00:00:00+00:00",
      access_key_1_last_used_date: "2026-11-20T01:00:00+00:00",
      access_key_2_active: "true",
      access_key_2_last_rotated: "2026-05-01T00:00:00+00:00",
      access_key_2_last_used_date: "N/A",
    },
    // user with only an inactive key: no active credential
    {
      user: "gone",
      access_key_1_active: "false",
      access_key_1_last_rotated: "2019-01-01T00:00:00+00:00",
      access_key_1_last_used_date: "2019-02-01T00:00:00+00:00",
    },
  ];

  it("access.aws-iam-console-mfa: flags console users without MFA", async () => {
    const id = "access.aws-iam-console-mfa";
    const r = await run([id], credentialReport(rows));
    expect(flagged(r, id)).toEqual([user("bob")]);
    expect(resultOf(await run([id], credentialReport(rows.filter((x) => x.user !== "bob"))), id).status).toBe(
      "pass",
    );
    expect(resultOf(await run([id], reportDenied()), id).status).toBe("error");
  });

  it("access.aws-iam-access-keys-rotated: flags active keys older than max_key_age_days", async () => {
    const id = "access.aws-iam-access-keys-rotated";
    const r = await run([id], credentialReport(rows));
    expect(flagged(r, id)).toEqual([`${A}:user/system/svc`]);
    expect(resultOf(await run([id], credentialReport(rows.slice(0, 1))), id).status).toBe("pass");
    expect(resultOf(await run([id], reportDenied()), id).status).toBe("error");
  });

  it("access.aws-iam-unused-credentials-disabled: password or key unused (or never used since creation) beyond max_unused_days", async () => {
    const id = "access.aws-iam-unused-credentials-disabled";
    const r = await run([id], credentialReport(rows));
    expect(resultOf(r, id).status).toBe("fail");
    expect(flagged(r, id)).toEqual([user("bob"), user("ghost"), `${A}:user/system/svc`]);
    expect(resultOf(r, id).population).toBe(5); // gone has no active credential
    const svc = resultOf(r, id).findings.find((f) => f.resource.endsWith("svc"));
    expect(svc?.message).toMatch(/access key 2 unused/);
    expect(svc?.message).not.toMatch(/access key 1/);
    const lenient = await run([id], credentialReport(rows), { params: { [id]: { max_unused_days: 400 } } });
    expect(resultOf(lenient, id).status).toBe("pass");
    expect(resultOf(await run([id], reportDenied()), id).status).toBe("error");
  });

  it("access.aws-iam-single-active-access-key: flags users with two active keys", async () => {
    const id = "access.aws-iam-single-active-access-key";
    const r = await run([id], credentialReport(rows));
    expect(flagged(r, id)).toEqual([`${A}:user/system/svc`]);
    expect(resultOf(await run([id], credentialReport(rows.slice(0, 3))), id).status).toBe("pass");
    expect(resultOf(await run([id], reportDenied()), id).status).toBe("error");
  });

  it("access.aws-iam-console-users-without-keys: flags console users with an active key", async () => {
    const id = "access.aws-iam-console-users-without-keys";
    const r = await run([id], credentialReport(rows));
    expect(flagged(r, id)).toEqual([user("alice")]);
    expect(resultOf(await run([id], credentialReport(rows.slice(1))), id).status).toBe("pass");
    expect(resultOf(await run([id], reportDenied()), id).status).toBe("error");
  });

  it("access.aws-iam-no-users-sso-only: not applicable by default; with sso_only every IAM user is an exception", async () => {
    const id = "access.aws-iam-no-users-sso-only";
    const byDefault = resultOf(await run([id], credentialReport(rows)), id);
    expect(byDefault.status).toBe("not_applicable");
    expect(byDefault.exceptions).toBe(0);
    const on = { params: { [id]: { sso_only: true } } };
    const fail = await run([id], credentialReport(rows.slice(0, 2)), on);
    expect(flagged(fail, id)).toEqual([user("alice"), user("bob")]);
    const onlyRoot = await run([id], credentialReport([]), on);
    expect(resultOf(onlyRoot, id).status).toBe("pass");
    expect(resultOf(await run([id], reportDenied(), on), id).status).toBe("error");
    expect(resultOf(await run([id], reportDenied()), id).status).toBe("error");
  });
});

describe("password policy", () => {
  const id = "access.aws-iam-password-policy";
  const policy = (p: Record<string, unknown>) =>
    iam("GetAccountPasswordPolicy", {
      output: {
        PasswordPolicy: {
          MinimumPasswordLength: 14,
          RequireSymbols: true,
          RequireNumbers: true,
          RequireUppercaseCharacters: true,
          RequireLowercaseCharacters: true,
          AllowUsersToChangePassword: true,
          ExpirePasswords: false,
          PasswordReusePrevention: 24,
          HardExpiry: false,
          ...p,
        },
      },
    });

  it("passes a CIS-strength policy, fails weak settings and a missing policy, errors on AccessDenied", async () => {
    expect(resultOf(await run([id], [policy({})]), id).status).toBe("pass");
    const weak = await run([id], [policy({ MinimumPasswordLength: 8, RequireSymbols: false })]);
    expect(flagged(weak, id)).toEqual([ROOT]);
    expect(resultOf(weak, id).findings[0]?.message).toBe(
      "minimum password length is 8, below 14; the password policy does not require symbols",
    );
    const none = await run(
      [id],
      [
        iam("GetAccountPasswordPolicy", {
          error: {
            name: "NoSuchEntityException",
            message: `The Password Policy with domain name ${ACCOUNT} cannot be found.`,
            fault: "client",
            httpStatusCode: 404,
          },
        }),
      ],
    );
    expect(flagged(none, id)).toEqual([ROOT]);
    const denyRun = await run(
      [id],
      [iam("GetAccountPasswordPolicy", denied("iam:GetAccountPasswordPolicy"))],
    );
    expect(resultOf(denyRun, id).status).toBe("error");
  });

  it("requires expiry only when max_password_age_days is set", async () => {
    const params = { params: { [id]: { max_password_age_days: 90 } } };
    expect(flagged(await run([id], [policy({})], params), id)).toEqual([ROOT]);
    expect(
      resultOf(await run([id], [policy({ ExpirePasswords: true, MaxPasswordAge: 60 })], params), id).status,
    ).toBe("pass");
  });
});

// ---------------------------------------------------------------------------------------------------------
// Authorization details

const ADMIN = awsPolicyArn("AdministratorAccess");
const SUPPORT = awsPolicyArn("AWSSupportAccess");
const ADMIN_DOC = doc({ Effect: "Allow", Action: "*", Resource: "*" });
const READ_DOC = doc({ Effect: "Allow", Action: ["s3:Get*", "s3:List*"], Resource: "*" });
const T = "2024-01-01T00:00:00Z";
const policy = (arn: string, d: PolicyDoc, attachments = 1, older?: PolicyDoc) =>
  managedPolicyDetail({
    arn,
    created: T,
    attachments,
    versions: [
      { id: older ? "v2" : "v1", created: T, doc: d },
      ...(older ? [{ id: "v1", created: T, doc: older }] : []),
    ],
  });

interface Authz {
  users?: unknown[];
  groups?: unknown[];
  roles?: unknown[];
  policies?: unknown[];
}

/**
 * The run's own role (the CALLER assumes it): it is in every real answer, and the completeness check
 * requires it. It trusts the account and holds no policy, so it enters no population tested here.
 */
const CALLER_ROLE = roleDetail({ name: "ITGCAuditReadOnly", created: T, trust: trustAws(ROOT) });

/** GetAccountSummary counting what `a` holds (with the caller's role). */
function summaryOf(a: Authz): CallSpec {
  const customer = (a.policies ?? []).filter(
    (p) => !String((p as { Arn: string }).Arn).includes(":iam::aws:"),
  );
  return accountSummary({
    Users: (a.users ?? []).length,
    Groups: (a.groups ?? []).length,
    Roles: (a.roles ?? []).length,
    Policies: customer.length,
  });
}

/**
 * GetAccountAuthorizationDetails, optionally split into two pages (users first), with the caller's role
 * added to the roles (unless `withCaller` is false) and a matching GetAccountSummary.
 */
function authz(given: Authz, paged = false, withCaller = true): CallSpec[] {
  const a = withCaller ? { ...given, roles: [...(given.roles ?? []), CALLER_ROLE] } : given;
  return [summaryOf(a), ...authzPages(a, paged)];
}

function authzPages(a: Authz, paged: boolean): CallSpec[] {
  const page = (p: Authz, more?: string) => ({
    UserDetailList: p.users ?? [],
    GroupDetailList: p.groups ?? [],
    RoleDetailList: p.roles ?? [],
    Policies: p.policies ?? [],
    IsTruncated: more !== undefined,
    ...(more ? { Marker: more } : {}),
  });
  if (!paged) return [iam("GetAccountAuthorizationDetails", { output: page(a) }, { MaxItems: 1000 })];
  return [
    iam("GetAccountAuthorizationDetails", { output: page({ users: a.users }, "page-2") }, { MaxItems: 1000 }),
    iam(
      "GetAccountAuthorizationDetails",
      { output: page({ ...a, users: [] }) },
      { MaxItems: 1000, Marker: "page-2" },
    ),
  ];
}

const authzDenied = (): CallSpec[] => [
  iam("GetAccountAuthorizationDetails", denied("iam:GetAccountAuthorizationDetails"), { MaxItems: 1000 }),
];

/** A small account: an admin group, a read-only group, a directly attached admin and an inline NotAction. */
const ACCOUNT_A: Authz = {
  users: [
    userDetail({ name: "alice", created: T, groups: ["Admins"] }),
    userDetail({ name: "bob", created: T, groups: ["ReadOnly"] }),
    userDetail({ name: "ci", path: "/system/", created: T, attached: [ADMIN] }),
    userDetail({
      name: "carol",
      created: T,
      groups: ["ReadOnly"],
      inline: { everything: doc({ Effect: "Allow", NotAction: "s3:*", Resource: "*" }) },
    }),
  ],
  groups: [
    groupDetail({ name: "Admins", created: T, attached: [ADMIN] }),
    groupDetail({ name: "ReadOnly", created: T, attached: [customerPolicyArn("Read")] }),
  ],
  roles: [
    roleDetail({
      name: "app",
      path: "/service-role/",
      created: T,
      trust: trustService("lambda.amazonaws.com"),
      attached: [customerPolicyArn("Read")],
    }),
  ],
  policies: [
    policy(ADMIN, ADMIN_DOC, 2),
    policy(customerPolicyArn("Read"), READ_DOC, 3, ADMIN_DOC),
    policy(customerPolicyArn("Unused"), ADMIN_DOC, 0),
  ],
};

describe("IAM authorization controls (GetAccountAuthorizationDetails)", () => {
  it("access.aws-iam-policies-through-groups: flags users with attached or inline policies (both pages read)", async () => {
    const id = "access.aws-iam-policies-through-groups";
    const r = await run([id], authz(ACCOUNT_A, true));
    expect(resultOf(r, id).status).toBe("fail");
    expect(flagged(r, id)).toEqual([user("carol"), `${A}:user/system/ci`]);
    expect(resultOf(r, id).population).toBe(4);
    const pass = await run([id], authz({ ...ACCOUNT_A, users: ACCOUNT_A.users!.slice(0, 2) }));
    expect(resultOf(pass, id).status).toBe("pass");
    expect(resultOf(await run([id], authzDenied()), id).status).toBe("error");
  });

  it("access.aws-iam-policies-through-groups: a missing second page is an error, never a partial pass", async () => {
    const id = "access.aws-iam-policies-through-groups";
    const [summary, first] = authz(ACCOUNT_A, true);
    const r = await run([id], [summary!, first!]);
    expect(resultOf(r, id).status).toBe("error");
    expect(resultOf(r, id).reason).toMatch(/no recorded answer.*GetAccountAuthorizationDetails/);
  });

  it("access.aws-iam-no-full-admin-policies: attached AWS/customer managed and inline *:* are exceptions; unattached and old versions are not", async () => {
    const id = "access.aws-iam-no-full-admin-policies";
    const r = await run([id], authz(ACCOUNT_A));
    expect(flagged(r, id)).toEqual([`${user("carol")}#inline-policy/everything`, ADMIN]);
    expect(resultOf(r, id).population).toBe(3); // Admin, Read (v1 was *:*, v2 is default), carol's inline
    const noInline = await run([id], authz(ACCOUNT_A), { params: { [id]: { include_inline: false } } });
    expect(flagged(noInline, id)).toEqual([ADMIN]);
    const pass = await run(
      [id],
      authz({
        users: [ACCOUNT_A.users![1]],
        groups: ACCOUNT_A.groups!.slice(1),
        policies: ACCOUNT_A.policies!.slice(1),
      }),
    );
    expect(resultOf(pass, id).status).toBe("pass");
    expect(resultOf(await run([id], authzDenied()), id).status).toBe("error");
  });

  it("access.aws-iam-no-full-admin-policies: a policy whose default version is missing fails the query", async () => {
    const id = "access.aws-iam-no-full-admin-policies";
    const broken = { ...policy(customerPolicyArn("Broken"), READ_DOC), DefaultVersionId: "v9" };
    const r = await run([id], authz({ policies: [broken] }));
    expect(resultOf(r, id).status).toBe("error");
    expect(resultOf(r, id).reason).toMatch(/default version v9 is not in PolicyVersionList/);
  });

  it("access.aws-iam-admin-access-review: lists every administrator with its path; approved ones pass", async () => {
    const id = "access.aws-iam-admin-access-review";
    const withRoles: Authz = {
      ...ACCOUNT_A,
      roles: [
        ...ACCOUNT_A.roles!,
        roleDetail({ name: "BreakGlass", created: T, trust: trustAws(user("bob")), attached: [ADMIN] }),
        roleDetail({ name: "Support", created: T, trust: trustAws(`${A}:root`), attached: [SUPPORT] }),
      ],
      policies: [
        policy(ADMIN, ADMIN_DOC, 3),
        ...ACCOUNT_A.policies!.slice(1),
        policy(SUPPORT, doc({ Effect: "Allow", Action: "support:*", Resource: "*" })),
      ],
    };
    const r = await run([id], authz(withRoles));
    expect(resultOf(r, id).status).toBe("fail");
    const admins = [user("alice"), user("bob"), user("carol"), `${A}:role/BreakGlass`, `${A}:user/system/ci`];
    expect(flagged(r, id)).toEqual(admins.sort());
    const bob = resultOf(r, id).findings.find((f) => f.resource === user("bob"));
    expect(bob?.message).toContain("assumes role BreakGlass: attached policy AdministratorAccess");
    const alice = resultOf(r, id).findings.find((f) => f.resource === user("alice"));
    expect(alice?.message).toContain("group Admins: attached policy AdministratorAccess");
    const approved = await run([id], authz(withRoles), { params: { [id]: { approved_admins: admins } } });
    expect(resultOf(approved, id).status).toBe("pass");
    expect(resultOf(approved, id).population).toBe(5);
    const partly = await run([id], authz(withRoles), {
      params: { [id]: { approved_admins: admins.slice(1) } },
    });
    expect(flagged(partly, id)).toEqual([admins.sort()[0]]);
  });

  it("access.aws-iam-admin-access-review: error on AccessDenied and on a dangling policy reference", async () => {
    const id = "access.aws-iam-admin-access-review";
    expect(resultOf(await run([id], authzDenied()), id).status).toBe("error");
    const dangling = await run(
      [id],
      authz({ users: [userDetail({ name: "x", created: T, attached: [ADMIN] })] }),
    );
    expect(resultOf(dangling, id).status).toBe("error");
    expect(resultOf(dangling, id).reason).toMatch(/AdministratorAccess.*not in the authorization details/);
    const badGroup = await run(
      [id],
      authz({ users: [userDetail({ name: "x", created: T, groups: ["Nope"] })] }),
    );
    expect(resultOf(badGroup, id).status).toBe("error");
  });

  it("access.aws-iam-cross-account-trust-conditions: ExternalId / org / MFA conditions pass; none or IfExists fail", async () => {
    const id = "access.aws-iam-cross-account-trust-conditions";
    const read = customerPolicyArn("Read");
    const roles = [
      roleDetail({
        name: "vendor-ok",
        created: T,
        trust: trustAws("arn:aws:iam::444455556666:root", { StringEquals: { "sts:ExternalId": "x1" } }),
        attached: [read],
      }),
      roleDetail({
        name: "org-ok",
        created: T,
        trust: trustAws("222233334444", { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } }),
        attached: [read],
      }),
      roleDetail({
        name: "mfa-ok",
        created: T,
        trust: trustAws("arn:aws:iam::222233334444:user/x", {
          Bool: { "aws:MultiFactorAuthPresent": "true" },
        }),
        attached: [read],
      }),
      roleDetail({
        name: "open",
        created: T,
        trust: trustAws("arn:aws:iam::999988887777:root"),
        attached: [read],
      }),
      roleDetail({
        name: "ifexists",
        created: T,
        trust: trustAws("arn:aws:iam::777788889999:root", {
          StringEqualsIfExists: { "sts:ExternalId": "y" },
        }),
        attached: [read],
      }),
      roleDetail({ name: "anyone", created: T, trust: trustAws("*"), attached: [read] }),
      roleDetail({ name: "local", created: T, trust: trustAws(`${A}:root`), attached: [read] }),
      roleDetail({ name: "svc", created: T, trust: trustService("ec2.amazonaws.com"), attached: [read] }),
    ];
    const calls = authz({ roles, policies: [policy(read, READ_DOC, roles.length)] });
    const r = await run([id], calls);
    expect(resultOf(r, id).population).toBe(6);
    expect(flagged(r, id)).toEqual([`${A}:role/anyone`, `${A}:role/ifexists`, `${A}:role/open`]);
    const trusted = await run([id], calls, { params: { [id]: { trusted_account_ids: ["999988887777"] } } });
    expect(flagged(trusted, id)).toEqual([`${A}:role/anyone`, `${A}:role/ifexists`]);
    const pass = await run([id], authz({ roles: roles.slice(0, 3), policies: [policy(read, READ_DOC, 3)] }));
    expect(resultOf(pass, id).status).toBe("pass");
    expect(resultOf(await run([id], authzDenied()), id).status).toBe("error");
  });

  it("access.aws-support-role-exists: passes with a role holding AWSSupportAccess; a user or the service-linked role does not count", async () => {
    const id = "access.aws-support-role-exists";
    const supportDoc = doc({ Effect: "Allow", Action: "support:*", Resource: "*" });
    const slr = roleDetail({
      name: "AWSServiceRoleForSupport",
      path: "/aws-service-role/support.amazonaws.com/",
      created: T,
      trust: trustService("support.amazonaws.com"),
      attached: [SUPPORT],
    });
    const pass = await run(
      [id],
      authz({
        roles: [
          slr,
          roleDetail({ name: "SupportCases", created: T, trust: trustAws(`${A}:root`), attached: [SUPPORT] }),
        ],
        policies: [policy(SUPPORT, supportDoc, 2)],
      }),
    );
    expect(resultOf(pass, id).status).toBe("pass");
    expect(resultOf(pass, id).population).toBe(1);
    const fail = await run(
      [id],
      authz({
        users: [userDetail({ name: "helpdesk", created: T, attached: [SUPPORT] })],
        roles: [slr],
        policies: [policy(SUPPORT, supportDoc, 2)],
      }),
    );
    expect(resultOf(fail, id).status).toBe("fail");
    expect(flagged(fail, id)).toEqual([`aws-account:${ACCOUNT}`]);
    expect(resultOf(await run([id], authzDenied()), id).status).toBe("error");
  });

  it("change-management.aws-iam-write-access-review: principals that can change IAM, by path; self-service and PowerUser excluded", async () => {
    const id = "change-management.aws-iam-write-access-review";
    const power = awsPolicyArn("PowerUserAccess");
    const selfService = customerPolicyArn("SelfService");
    const deploy = customerPolicyArn("Deploy");
    const a: Authz = {
      users: [
        userDetail({ name: "dev", created: T, groups: ["Developers"] }),
        userDetail({ name: "deployer", path: "/system/", created: T, attached: [deploy] }),
        userDetail({ name: "iam-admin", created: T, groups: ["IamAdmins"] }),
      ],
      groups: [
        groupDetail({ name: "Developers", created: T, attached: [power, selfService] }),
        groupDetail({
          name: "IamAdmins",
          created: T,
          inline: { iam: doc({ Effect: "Allow", Action: "iam:*", Resource: "*" }) },
        }),
      ],
      roles: [
        roleDetail({
          name: "AWSServiceRoleForSSO",
          path: "/aws-service-role/sso.amazonaws.com/",
          created: T,
          trust: trustService("sso.amazonaws.com"),
          inline: {
            sso: doc({
              Effect: "Allow",
              Action: "iam:AttachRolePolicy",
              Resource: "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*",
            }),
          },
        }),
      ],
      policies: [
        policy(
          power,
          doc(
            { Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" },
            { Effect: "Allow", Action: ["iam:CreateServiceLinkedRole", "iam:ListRoles"], Resource: "*" },
          ),
        ),
        policy(
          selfService,
          doc({
            Effect: "Allow",
            Action: ["iam:CreateAccessKey", "iam:UpdateLoginProfile"],
            // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JS template
            Resource: "arn:aws:iam::*:user/${aws:username}",
          }),
        ),
        policy(
          deploy,
          doc({
            Effect: "Allow",
            Action: ["iam:CreateRole", "iam:AttachRolePolicy", "iam:PassRole"],
            Resource: "*",
          }),
        ),
      ],
    };
    const r = await run([id], authz(a));
    expect(flagged(r, id)).toEqual([user("iam-admin"), `${A}:user/system/deployer`]);
    expect(resultOf(r, id).findings.find((f) => f.resource.endsWith("deployer"))?.message).toContain(
      "attached policy Deploy [iam:CreateRole, iam:AttachRolePolicy]",
    );
    const withSlr = await run([id], authz(a), { params: { [id]: { include_service_linked_roles: true } } });
    expect(flagged(withSlr, id)).toContain(
      `${A}:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO`,
    );
    const approved = await run([id], authz(a), {
      params: { [id]: { approved_iam_admins: [user("iam-admin"), `${A}:user/system/deployer`] } },
    });
    expect(resultOf(approved, id).status).toBe("pass");
    expect(resultOf(await run([id], authzDenied()), id).status).toBe("error");
  });
});

// ---------------------------------------------------------------------------------------------------------
// Access Analyzer

describe("access.aws-access-analyzer-all-regions", () => {
  const id = "access.aws-access-analyzer-all-regions";
  const regions = ["eu-west-1", "us-east-1"];
  const list = (
    region: string,
    analyzers: Record<string, unknown>[],
    input?: Record<string, unknown>,
    next?: string,
  ) =>
    awsCall({
      service: "AccessAnalyzer",
      operation: "ListAnalyzers",
      account: ACCOUNT,
      region,
      input,
      output: { analyzers, ...(next ? { nextToken: next } : {}) },
    });
  const region = (r: string) => `arn:aws:access-analyzer:${r}:${ACCOUNT}:analyzer`;

  it("passes when every region has an active ACCOUNT or ORGANIZATION analyzer (second page read)", async () => {
    const r = await run(
      [id],
      [
        list(
          "eu-west-1",
          [analyzerSummary("eu-west-1", "unused", "ACCOUNT_UNUSED_ACCESS", T)],
          undefined,
          "tok",
        ),
        list("eu-west-1", [analyzerSummary("eu-west-1", "org", "ORGANIZATION", T)], { nextToken: "tok" }),
        list("us-east-1", [analyzerSummary("us-east-1", "acct", "ACCOUNT", T)]),
      ],
      { regions },
    );
    expect(resultOf(r, id).status).toBe("pass");
    expect(resultOf(r, id).population).toBe(2);
  });

  it("flags regions with none, only unused-access, or a disabled analyzer", async () => {
    const r = await run(
      [id],
      [
        list("eu-west-1", [
          analyzerSummary("eu-west-1", "unused", "ACCOUNT_UNUSED_ACCESS", T),
          analyzerSummary("eu-west-1", "old", "ACCOUNT", T, "DISABLED"),
        ]),
        list("us-east-1", []),
        list("us-west-2", [analyzerSummary("us-west-2", "acct", "ACCOUNT", T)]),
      ],
      { regions: [...regions, "us-west-2"] },
    );
    expect(flagged(r, id)).toEqual([region("eu-west-1"), region("us-east-1")]);
  });

  it("an AccessDeniedException in one region is an error; the other region's failure is still listed", async () => {
    const r = await run(
      [id],
      [
        awsCall({
          service: "AccessAnalyzer",
          operation: "ListAnalyzers",
          account: ACCOUNT,
          region: "eu-west-1",
          error: accessDeniedException(
            CALLER,
            "access-analyzer:ListAnalyzers",
            `arn:aws:access-analyzer:eu-west-1:${ACCOUNT}:*`,
          ),
        }),
        list("us-east-1", []),
      ],
      { regions },
    );
    expect(resultOf(r, id).status).toBe("error");
    expect(resultOf(r, id).reason).toMatch(/eu-west-1.*AccessDeniedException/);
    expect(flagged(r, id)).toEqual([region("us-east-1")]);
  });
});
