/**
 * A small AWS Organization recording for the org tests: the management account (the caller), three member
 * accounts reached by AssumeRole (one denied), and a suspended account that must be skipped. Every answer is
 * in the real API shapes (fixtures/lib/aws.ts).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accessDenied, awsCall, type CallSpec, finalise } from "../../fixtures/lib/aws.js";
import { writeRecordedCalls } from "../../src/recording/store.js";

export const MANAGEMENT = "111111111111";
export const MEMBERS = ["222222222222", "333333333333", "444444444444"];
export const DENIED = "444444444444";
export const SUSPENDED = "555555555555";
export const RECORDED_AT = "2026-11-20T09:00:00.000Z";
const HOME = "us-east-1";
const CENTRAL = `arn:aws:sts::${MANAGEMENT}:assumed-role/ITGCAuditCentral/itgc-validate`;

const HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

function report(account: string): string {
  const t = "2026-01-10T08:00:00+00:00";
  const rows = [
    `<root_account>,arn:aws:iam::${account}:root,${t},not_supported,${t},not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
    `alice,arn:aws:iam::${account}:user/alice,${t},true,${t},${t},N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
    // Every account has one user without MFA, so each account's verdicts show in the findings.
    `bob-${account},arn:aws:iam::${account}:user/bob-${account},${t},true,${t},${t},N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
  ];
  return Buffer.from(`${[HEADER, ...rows].join("\n")}\n`).toString("base64");
}

function accountCalls(account: string): CallSpec[] {
  return [
    awsCall({
      service: "IAM",
      operation: "GenerateCredentialReport",
      account,
      region: HOME,
      output: { State: "COMPLETE" },
    }),
    awsCall({
      service: "IAM",
      operation: "GetCredentialReport",
      account,
      region: HOME,
      output: {
        Content: report(account),
        ReportFormat: "text/csv",
        GeneratedTime: "2026-11-20T08:59:00.000Z",
      },
    }),
    // The report's two IAM users, reconciled with GetAccountSummary (the completeness test).
    awsCall({
      service: "IAM",
      operation: "GetAccountSummary",
      account,
      region: HOME,
      output: {
        SummaryMap: {
          Users: 2,
          Groups: 0,
          Roles: 1,
          Policies: 0,
          AccountMFAEnabled: 1,
          AccountAccessKeysPresent: 0,
        },
      },
    }),
  ];
}

function assumeRole(account: string, externalId?: string): CallSpec {
  const RoleArn = `arn:aws:iam::${account}:role/ITGCAuditReadOnly`;
  const input = {
    RoleArn,
    RoleSessionName: "itgc-validate",
    DurationSeconds: 3600,
    ...(externalId ? { ExternalId: externalId } : {}),
  };
  if (account === DENIED) {
    return awsCall({
      service: "STS",
      operation: "AssumeRole",
      account,
      region: HOME,
      input,
      error: accessDenied(CENTRAL, "sts:AssumeRole", RoleArn),
    });
  }
  return awsCall({
    service: "STS",
    operation: "AssumeRole",
    account,
    region: HOME,
    input,
    output: {
      Credentials: {
        AccessKeyId: "[REDACTED]",
        SecretAccessKey: "[REDACTED]",
        SessionToken: "[REDACTED]",
        Expiration: "2026-11-20T10:00:00.000Z",
      },
      AssumedRoleUser: {
        AssumedRoleId: `AROAEXAMPLE${account}:itgc-validate`,
        Arn: `arn:aws:sts::${account}:assumed-role/ITGCAuditReadOnly/itgc-validate`,
      },
    },
  });
}

function orgAccount(id: string, name: string, state = "ACTIVE") {
  return {
    Id: id,
    Arn: `arn:aws:organizations::${MANAGEMENT}:account/o-exampleorg1/${id}`,
    Email: `aws+${name}@example.com`,
    Name: name,
    Status: state === "ACTIVE" ? "ACTIVE" : "SUSPENDED",
    State: state,
    JoinedMethod: "CREATED",
    JoinedTimestamp: "2024-03-01T10:00:00.000Z",
  };
}

export function orgCalls(opts: { externalId?: string } = {}): CallSpec[] {
  return [
    awsCall({
      service: "STS",
      operation: "GetCallerIdentity",
      account: MANAGEMENT,
      region: HOME,
      output: { UserId: "AROAEXAMPLECENTRAL:itgc-validate", Account: MANAGEMENT, Arn: CENTRAL },
    }),
    awsCall({
      service: "Organizations",
      operation: "ListAccounts",
      account: MANAGEMENT,
      region: "us-east-1",
      output: {
        Accounts: [orgAccount(MANAGEMENT, "management"), orgAccount(MEMBERS[0]!, "payments")],
        NextToken: "page-2",
      },
    }),
    awsCall({
      service: "Organizations",
      operation: "ListAccounts",
      account: MANAGEMENT,
      region: "us-east-1",
      input: { NextToken: "page-2" },
      output: {
        Accounts: [
          orgAccount(MEMBERS[1]!, "data"),
          orgAccount(MEMBERS[2]!, "legacy"),
          orgAccount(SUSPENDED, "closed", "SUSPENDED"),
        ],
      },
    }),
    ...MEMBERS.map((m) => assumeRole(m, opts.externalId)),
    ...[MANAGEMENT, ...MEMBERS.filter((m) => m !== DENIED)].flatMap(accountCalls),
  ];
}

/** Writes the recording to a fresh directory; returns it. */
export function writeOrgRecording(opts: { externalId?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "itgc-org-"));
  mkdirSync(dir, { recursive: true });
  writeRecordedCalls(dir, finalise(orgCalls(opts), RECORDED_AT));
  writeFileSync(
    join(dir, "run.json"),
    JSON.stringify({ startedAt: RECORDED_AT, evaluatedAt: RECORDED_AT, homeRegion: HOME }, null, 2),
  );
  return dir;
}
