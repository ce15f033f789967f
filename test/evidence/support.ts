/** Test support for evidence bundles: a deterministic run outcome, keys, and bundle helpers. */
import { spawnSync } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Control, ControlResult } from "../../src/core/types.js";
import type { RunOutcome } from "../../src/engine/execute-run.js";
import { toDocument } from "../../src/report/results-document.js";
import { signerFromPrivateKey } from "../../src/signing/local-key.js";
import type { Signer } from "../../src/signing/signer.js";
import { TOOL_NAME, TOOL_VERSION } from "../../src/util/version.js";
import { ROOT } from "../support/cli.js";

export const TEST_KEY = join(ROOT, "test/evidence/fixtures/test-signing-key.pem");
export const OTHER_KEY = join(ROOT, "test/evidence/fixtures/other-key.pem");
export const DEMO_RECORDING = join(ROOT, "fixtures/aws/demo");
export const FIXED_CLOCK = () => new Date("2026-11-20T09:05:00.000Z");

export function testSigner(file = TEST_KEY, keyRef = "test/evidence/fixtures/test-signing-key.pem"): Signer {
  return signerFromPrivateKey(createPrivateKey(spawnSync("cat", [file]).stdout), "file", keyRef);
}

export function tempDir(prefix = "itgc-ev-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The only entry of a directory (the bundle a run wrote). */
export function onlyEntry(dir: string): string {
  const entries = readdirSync(dir);
  if (entries.length !== 1) throw new Error(`expected one entry in ${dir}, got ${entries.join(", ")}`);
  return join(dir, entries[0]!);
}

const CONTROL_YAML = `id: access.aws-iam-console-mfa
title: IAM users with a console password have an active MFA device
provider: aws
domain: access
severity: high
objective: Only authenticated, authorised people reach the console.
procedure: Obtain the IAM credential report; for every user with a console password, inspect mfa_active.
remediation: Enable MFA.
query: aws.iam.credentialReport
resource: arn
where: "password_enabled == true"
expect:
  - that: mfa_active
    message: "{user} can sign in to the console without MFA"
when_empty: pass
`;

/** A small, fully deterministic outcome (fixed ids, times and calls) for the golden bundle. */
export function goldenOutcome(): RunOutcome {
  const control: Control = {
    id: "access.aws-iam-console-mfa",
    title: "IAM users with a console password have an active MFA device",
    provider: "aws",
    domain: "access",
    severity: "high",
    objective: "Only authenticated, authorised people reach the console.",
    procedure:
      "Obtain the IAM credential report; for every user with a console password, inspect mfa_active.",
    remediation: "Enable MFA.",
    mappings: { soc2: ["CC6.1"] },
    query: "aws.iam.credentialReport",
    query_params: {},
    resource: "arn",
    where: "password_enabled == true",
    expect: [{ that: "mfa_active", message: "{user} can sign in to the console without MFA" }],
    assert: [],
    when_empty: "pass",
    params: {},
    source: { file: "controls/access/aws-iam-console-mfa.yaml", text: CONTROL_YAML },
  };
  const result: ControlResult = {
    id: control.id,
    title: control.title,
    provider: "aws",
    domain: "access",
    severity: "high",
    status: "fail",
    query: control.query,
    population: 2,
    exceptions: 1,
    params: { values: { max_age: 120 }, defaults: { max_age: 90 }, overridden: ["max_age"] },
    mappings: control.mappings,
    errors: [],
    findings: [
      {
        resource: "arn:aws:iam::111122223333:user/alice",
        account: "111122223333",
        region: "global",
        status: "pass",
        message: null,
      },
      {
        resource: "arn:aws:iam::111122223333:user/bob",
        account: "111122223333",
        region: "global",
        status: "fail",
        message: "bob can sign in to the console without MFA",
      },
    ],
    items: [
      {
        user: "alice",
        arn: "arn:aws:iam::111122223333:user/alice",
        password_enabled: true,
        mfa_active: true,
      },
      {
        user: "bob",
        arn: "arn:aws:iam::111122223333:user/bob",
        password_enabled: true,
        mfa_active: false,
        password_last_used: new Date("2026-11-01T10:00:00.000Z"),
      },
    ],
  };
  const run = {
    id: "00000000-0000-4000-8000-000000000001",
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    startedAt: "2026-11-20T09:00:00.000Z",
    endedAt: "2026-11-20T09:00:02.000Z",
    evaluatedAt: "2026-11-20T09:00:00.000Z",
    mode: "live" as const,
    command: ["run", "--control", "access.aws-iam-console-mfa", "--sign-key", "test key.pem"],
    providers: [
      {
        provider: "aws" as const,
        caller: {
          provider: "aws" as const,
          principal: "arn:aws:sts::111122223333:assumed-role/Audit/auditor",
          account: "111122223333",
        },
        targets: [{ provider: "aws" as const, unit: "111122223333", regions: ["us-east-1"] }],
        gaps: [
          {
            provider: "aws" as const,
            unit: "111122223333",
            region: "ap-east-1",
            reason: "region not enabled",
          },
        ],
        homeRegion: "us-east-1",
      },
    ],
    regions: { "111122223333": ["us-east-1"] },
    params: { overrides: { "access.aws-iam-console-mfa": { max_age: 120 } } },
    controlsSelected: 1,
    stats: { apiCalls: 2, apiErrors: 0, retries: 0, throttles: 0, distinctQueries: 1, cacheHits: 0 },
  };
  const calls = [
    {
      seq: 1,
      provider: "aws" as const,
      service: "IAM",
      operation: "GenerateCredentialReport",
      account: "111122223333",
      region: "us-east-1",
      input: {},
      output: { State: "COMPLETE" },
      requestId: "req-1",
      attempts: 1,
      startedAt: "2026-11-20T09:00:00.100Z",
      endedAt: "2026-11-20T09:00:00.200Z",
    },
    {
      seq: 2,
      provider: "aws" as const,
      service: "IAM",
      operation: "GetCredentialReport",
      account: "111122223333",
      region: "us-east-1",
      input: {},
      output: {
        Content: "dXNlcixhcm4K",
        ReportFormat: "text/csv",
        GeneratedTime: "2026-11-20T08:59:00.000Z",
      },
      requestId: "req-2",
      attempts: 1,
      startedAt: "2026-11-20T09:00:00.300Z",
      endedAt: "2026-11-20T09:00:00.400Z",
    },
  ];
  return {
    document: toDocument(run, [result]),
    results: [result],
    controls: [control],
    calls,
    overrides: run.params.overrides,
  } as RunOutcome;
}
