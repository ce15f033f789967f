/**
 * Identity Center read through the real SDK clients in live mode: AWS_ENDPOINT_URL points them at a local
 * HTTP server that speaks sso-admin's and identitystore's awsJson1_1 protocol (X-Amz-Target, JSON bodies,
 * epoch-second timestamps, NextToken paging) and STS / IAM's query protocol. The same `run` command as
 * against AWS; nothing is replayed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliAsync, liveAwsEnv } from "../support/cli.js";

const ACCOUNT = "123456789012";
const MEMBER = "210987654321";
const INSTANCE = "arn:aws:sso:::instance/ssoins-0123456789abcdef";
const STORE = "d-0123456789";
const PS_ADMIN = `arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-aaaaaaaaaaaaaaaa`;
const PS_READ = `arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-bbbbbbbbbbbbbbbb`;
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
const READ = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const uid = (n: number) => `90670000-0000-4000-8000-00000000000${n}`;
const USERS = ["alice", "bob", "carol", "dave", "erin"].map((name, i) => ({
  UserId: uid(i + 1),
  UserName: name,
}));
const GROUPS = [
  { GroupId: "g-admins", DisplayName: "Admins", members: [uid(1), uid(2)] },
  { GroupId: "g-readers", DisplayName: "Readers", members: [uid(3), uid(1), uid(5)] },
];
const ASSIGNMENTS: Record<string, { PrincipalType: string; PrincipalId: string }[]> = {
  [`${PS_ADMIN}|${ACCOUNT}`]: [{ PrincipalType: "GROUP", PrincipalId: "g-admins" }],
  [`${PS_ADMIN}|${MEMBER}`]: [{ PrincipalType: "USER", PrincipalId: uid(4) }],
  [`${PS_READ}|${ACCOUNT}`]: [{ PrincipalType: "GROUP", PrincipalId: "g-readers" }],
  [`${PS_READ}|${MEMBER}`]: [{ PrincipalType: "GROUP", PrincipalId: "g-readers" }],
};

/** One page of `items` of size 2, by an opaque NextToken, as the awsJson list operations page. */
function paged<T>(items: T[], token: unknown): { items: T[]; next?: string } {
  const start = typeof token === "string" ? Number(token.slice(1)) : 0;
  return {
    items: items.slice(start, start + 2),
    ...(start + 2 < items.length ? { next: `n${start + 2}` } : {}),
  };
}

function json(target: string, body: Record<string, unknown>): { status: number; body: unknown } {
  const op = target.split(".")[1]!;
  const withToken = (key: string, p: { items: unknown[]; next?: string }) => ({
    [key]: p.items,
    ...(p.next ? { NextToken: p.next } : {}),
  });
  switch (op) {
    case "ListInstances":
      return {
        status: 200,
        body: {
          Instances: [
            {
              InstanceArn: INSTANCE,
              IdentityStoreId: STORE,
              OwnerAccountId: ACCOUNT,
              Status: "ACTIVE",
              CreatedDate: 1700000000,
            },
          ],
        },
      };
    case "ListPermissionSets":
      return { status: 200, body: { PermissionSets: [PS_ADMIN, PS_READ] } };
    case "DescribePermissionSet":
      return {
        status: 200,
        body: {
          PermissionSet: {
            Name: body.PermissionSetArn === PS_ADMIN ? "AdministratorAccess" : "ReadOnly",
            PermissionSetArn: body.PermissionSetArn,
            CreatedDate: 1700000000.5,
            SessionDuration: "PT4H",
          },
        },
      };
    case "ListManagedPoliciesInPermissionSet": {
      const arn = body.PermissionSetArn === PS_ADMIN ? ADMIN : READ;
      return { status: 200, body: { AttachedManagedPolicies: [{ Name: arn.split("/").pop(), Arn: arn }] } };
    }
    case "ListCustomerManagedPolicyReferencesInPermissionSet":
      return { status: 200, body: { CustomerManagedPolicyReferences: [] } };
    case "GetInlinePolicyForPermissionSet":
      return { status: 200, body: { InlinePolicy: "" } };
    case "GetPermissionsBoundaryForPermissionSet":
      return {
        status: 400,
        body: {
          __type: "com.amazonaws.swbexternalservice#ResourceNotFoundException",
          Message: "no permissions boundary",
        },
      };
    case "ListAccountsForProvisionedPermissionSet":
      return { status: 200, body: { AccountIds: [ACCOUNT, MEMBER] } };
    case "ListAccountAssignments": {
      const list = (ASSIGNMENTS[`${body.PermissionSetArn}|${body.AccountId}`] ?? []).map((a) => ({
        AccountId: body.AccountId,
        PermissionSetArn: body.PermissionSetArn,
        ...a,
      }));
      return { status: 200, body: { AccountAssignments: list } };
    }
    case "ListUsers":
      return {
        status: 200,
        body: withToken(
          "Users",
          paged(
            USERS.map((u) => ({ ...u, IdentityStoreId: STORE })),
            body.NextToken,
          ),
        ),
      };
    case "ListGroups":
      return {
        status: 200,
        body: {
          Groups: GROUPS.map((g) => ({
            GroupId: g.GroupId,
            DisplayName: g.DisplayName,
            IdentityStoreId: STORE,
          })),
        },
      };
    case "ListGroupMemberships": {
      const g = GROUPS.find((x) => x.GroupId === body.GroupId)!;
      const members = g.members.map((m, i) => ({
        IdentityStoreId: STORE,
        MembershipId: `${g.GroupId}-${i}`,
        GroupId: g.GroupId,
        MemberId: { UserId: m },
      }));
      return { status: 200, body: withToken("GroupMemberships", paged(members, body.NextToken)) };
    }
    default:
      return {
        status: 400,
        body: { __type: "AccessDeniedException", Message: `not in this test double: ${op}` },
      };
  }
}

function query(action: string, form: URLSearchParams): { status: number; body: string } {
  const ns =
    action === "GetCallerIdentity"
      ? "https://sts.amazonaws.com/doc/2011-06-15/"
      : "https://iam.amazonaws.com/doc/2010-05-08/";
  const ok = (result: string) => ({
    status: 200,
    body: `<${action}Response xmlns="${ns}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>req-${action}</RequestId></ResponseMetadata></${action}Response>`,
  });
  const arn = form.get("PolicyArn") ?? "";
  const doc = encodeURIComponent(
    JSON.stringify({
      Version: "2012-10-17",
      Statement:
        arn === ADMIN
          ? [{ Effect: "Allow", Action: "*", Resource: "*" }]
          : [{ Effect: "Allow", Action: ["s3:Get*"], Resource: "*" }],
    }),
  );
  switch (action) {
    case "GetCallerIdentity":
      return ok(
        `<Arn>arn:aws:iam::${ACCOUNT}:user/auditor</Arn><UserId>AIDAEXAMPLEAUDITOR</UserId><Account>${ACCOUNT}</Account>`,
      );
    case "GetPolicy":
      return ok(
        `<Policy><PolicyName>${arn.split("/").pop()}</PolicyName><Arn>${arn}</Arn><Path>/</Path><DefaultVersionId>v1</DefaultVersionId><AttachmentCount>1</AttachmentCount><IsAttachable>true</IsAttachable></Policy>`,
      );
    case "GetPolicyVersion":
      return ok(
        `<PolicyVersion><Document>${doc}</Document><VersionId>v1</VersionId><IsDefaultVersion>true</IsDefaultVersion></PolicyVersion>`,
      );
    default:
      return {
        status: 403,
        body: `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not in this test double: ${action}</Message></Error><RequestId>req-denied</RequestId></ErrorResponse>`,
      };
  }
}

let server: Server;
let endpoint = "";
const seen: string[] = [];
let denyListInstances = false;

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => resolve(body));
  });

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await read(req);
    const target = req.headers["x-amz-target"];
    if (typeof target === "string") {
      seen.push(target);
      const r =
        denyListInstances && target.endsWith(".ListInstances")
          ? {
              status: 400,
              body: {
                __type: "AccessDeniedException",
                Message: "User is not authorized to perform: sso:ListInstances",
              },
            }
          : json(target, JSON.parse(body || "{}"));
      res.writeHead(r.status, {
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-requestid": `req-${seen.length}`,
      });
      res.end(JSON.stringify(r.body));
      return;
    }
    const form = new URLSearchParams(body);
    const action = form.get("Action") ?? "?";
    seen.push(action);
    const r = query(action, form);
    res.writeHead(r.status, { "content-type": "text/xml", "x-amzn-requestid": `req-${action}` });
    res.end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function runCli(args: string[]) {
  const out = mkdtempSync(join(tmpdir(), "itgc-ic-live-"));
  try {
    return await cliAsync([...args, "--out", out], liveAwsEnv({ endpoint, home: out }));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe("Identity Center against AWS_ENDPOINT_URL (live mode, awsJson1_1 wire format)", () => {
  it("the admin population is exactly the users holding admin through a group or a direct assignment", async () => {
    const r = await runCli([
      "run",
      "--control",
      "access.aws-sso-privileged-users-approved",
      "--control",
      "access.aws-sso-assignments-to-groups",
      "--json",
      "--no-sign",
      "--regions",
      "us-east-1",
    ]);
    expect(r.stderr).not.toMatch(/cannot establish/);
    const doc = JSON.parse(r.stdout);
    expect(doc.run.mode).toBe("live");
    const byId = (id: string) => doc.controls.find((c: { id: string }) => c.id === id);
    const priv = byId("access.aws-sso-privileged-users-approved");
    expect(priv.status).toBe("fail");
    const flagged = priv.findings
      .filter((f: { status: string }) => f.status === "fail")
      .map((f: { resource: string }) => f.resource)
      .sort();
    // alice and bob through Admins; dave directly in the member account. carol and erin only read.
    expect(flagged).toEqual([`alice @ ${ACCOUNT}`, `bob @ ${ACCOUNT}`, `dave @ ${MEMBER}`]);
    expect(priv.population).toBe(3);
    const direct = byId("access.aws-sso-assignments-to-groups");
    expect(
      direct.findings
        .filter((f: { status: string }) => f.status === "fail")
        .map((f: { resource: string }) => f.resource),
    ).toEqual([`user dave → AdministratorAccess @ ${MEMBER}`]);
    // The paging was followed over the wire (5 users, 2 a page) and only declared reads were sent.
    expect(seen.filter((s) => s === "AWSIdentityStore.ListUsers")).toHaveLength(3);
    expect(seen.every((s) => /\.(List|Describe|Get)|^Get/.test(s))).toBe(true);
    expect(r.code).toBe(1);
  });

  it("a denied sso:ListInstances makes the Identity Center control error (exit 3), never pass", async () => {
    denyListInstances = true;
    try {
      const r = await runCli([
        "run",
        "--control",
        "access.aws-sso-privileged-users-approved",
        "--json",
        "--no-sign",
        "--regions",
        "us-east-1",
      ]);
      expect(r.code).toBe(3);
      const c = JSON.parse(r.stdout).controls[0];
      expect(c.status).toBe("error");
      expect(c.reason).toMatch(/AccessDenied/);
    } finally {
      denyListInstances = false;
    }
  });
});
