import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { IDENTITY_CENTER_READ_ACTIONS } from "../../src/permissions/least-privilege.js";
import { cli } from "../support/cli.js";

/** Action list of an AWS managed policy, committed under test/data/ (see the header of each file). */
function managedPolicy(name: string): string[] {
  return readFileSync(new URL(`../data/aws-managed-policy-${name}.txt`, import.meta.url), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

/** IAM action matching: case-insensitive, `*` and `?` wildcards (iam:Get* covers iam:GetCredentialReport). */
function covers(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );
  return re.test(action);
}

const ALLOWED = [...managedPolicy("SecurityAudit"), ...managedPolicy("ViewOnlyAccess")];
/** Not for the member role: GetCallerIdentity needs no permission; AssumeRole is the central role's. */
const NOT_IN_MANAGED = new Set([
  "sts:GetCallerIdentity",
  "sts:AssumeRole",
  // Read-only, but in neither managed policy: the event controls over the audit period need them on top of
  // SecurityAudit (`itgc-validate permissions` lists them).
  "codepipeline:ListActionExecutions",
  "codepipeline:ListPipelineExecutions",
  // Read-only EKS access-entry actions (the cluster-admin population) that neither managed policy grants in
  // the recorded versions: named here so a reviewer sees exactly what the member role needs beyond them.
  "eks:ListAccessEntries",
  "eks:ListAssociatedAccessPolicies",
]);
/** Identity Center reads outside both managed policies, named (and only these) in permissions.ts. */
const IDENTITY_CENTER = new Set(IDENTITY_CENTER_READ_ACTIONS);

describe("itgc-validate permissions", () => {
  it("prints one Allow statement with sorted unique actions, including the run's own calls", () => {
    const r = cli(["permissions", "--provider", "aws"]);
    expect(r.code).toBe(0);
    const policy = JSON.parse(r.stdout);
    expect(policy.Version).toBe("2012-10-17");
    expect(policy.Statement).toHaveLength(1);
    const s = policy.Statement[0];
    expect(s.Effect).toBe("Allow");
    expect(s.Resource).toBe("*");
    const actions: string[] = s.Action;
    expect(actions).toEqual([...new Set(actions)].sort((a, b) => a.localeCompare(b)));
    for (const a of [
      "sts:GetCallerIdentity",
      "ec2:DescribeRegions",
      "organizations:ListAccounts",
      "sts:AssumeRole",
      "iam:GenerateCredentialReport",
      "iam:GetCredentialReport",
      "cloudtrail:DescribeTrails",
    ])
      expect(actions).toContain(a);
  });

  it("follows the control filters, and --no-org drops the fan-out actions", () => {
    const r = cli([
      "permissions",
      "--provider",
      "aws",
      "--control",
      "access.aws-iam-console-mfa",
      "--no-org",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).Statement[0].Action).toEqual([
      "ec2:DescribeRegions",
      "iam:GenerateCredentialReport",
      // The completeness test of the report's users (GetAccountSummary's Users count).
      "iam:GetAccountSummary",
      "iam:GetCredentialReport",
      "sts:GetCallerIdentity",
    ]);
  });

  it("every AWS action is covered by the SecurityAudit or ViewOnlyAccess managed policy", () => {
    expect(covers("iam:Get*", "iam:GetCredentialReport")).toBe(true);
    expect(covers("iam:Get*", "iam:ListUsers")).toBe(false);
    expect(covers("ec2:DescribeVpc*", "ec2:DescribeVpcs")).toBe(true);
    const actions: string[] = JSON.parse(cli(["permissions", "--provider", "aws"]).stdout).Statement[0]
      .Action;
    const uncovered = actions.filter((a) => !NOT_IN_MANAGED.has(a) && !ALLOWED.some((p) => covers(p, a)));
    expect(uncovered).toEqual([...IDENTITY_CENTER_READ_ACTIONS].sort());
    for (const a of IDENTITY_CENTER) expect(a).toMatch(/^(sso|identitystore):(Get|List|Describe)/);
  });
});
