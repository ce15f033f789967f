/**
 * IAM Identity Center controls: small Identity Centers in the real sso-admin / identitystore shapes,
 * replayed through the engine as `run --replay` does, asserting status and the exact resources flagged.
 */
import { describe, expect, it } from "vitest";
import {
  awsPolicyArn,
  customerPolicyArn,
  doc,
  managedPolicyDetail,
} from "../../fixtures/aws/demo-src/iam-shapes.js";
import {
  type IdentityCenterSpec,
  identityCenterCalls,
  instanceArn,
} from "../../fixtures/aws/demo-src/identity-center.js";
import { awsCall, type CallSpec } from "../../fixtures/lib/aws.js";
import { flagged, resultOf } from "../support/recording.js";
import { ACCOUNT, authzCalls, jsonDenied, MEMBER, REGION, run } from "./support.js";

const ADMIN = awsPolicyArn("AdministratorAccess");
const READ_ONLY = awsPolicyArn("ReadOnlyAccess");
const POWER_USER = awsPolicyArn("PowerUserAccess");

const PRIVILEGED = "access.aws-sso-privileged-users-approved";
const SETS = "access.aws-sso-admin-permission-sets-approved";
const DIRECT = "access.aws-sso-assignments-to-groups";
const LEAVERS = "access.aws-sso-leavers-no-access";
const SSO_CONTROLS = [PRIVILEGED, SETS, DIRECT, LEAVERS];

const u = (n: number, name: string) => ({
  id: `94482488-3041-7026-18f3-be45837c000${n}`,
  name,
  email: `${name}@example.com`,
});
const USERS = [u(1, "alice"), u(2, "bob"), u(3, "carol"), u(4, "dave"), u(5, "erin"), u(6, "frank")];
const id = (name: string) => USERS.find((x) => x.name === name)!.id;
const G = (n: number) => `e4a8f4d8-6061-70c5-2a1b-9f2c44d1000${n}`;

/**
 * alice, bob: Admins group → AdministratorAccess in both accounts. carol: Deploy group → DeployAccess
 * (customer managed DeployRoles, IAM write, resolved in the account). dave: inline NotAction [s3:*]
 * (admin-grade through the NotAction form) assigned directly. erin: an inline `*` capped by a PowerUser
 * boundary (not privileged). frank: read-only.
 */
function world(over: Partial<IdentityCenterSpec> = {}): IdentityCenterSpec {
  return {
    account: ACCOUNT,
    region: REGION,
    instanceId: "ssoins-1111222233334444",
    storeId: "d-1234567890",
    users: USERS,
    groups: [
      { id: G(1), name: "Admins", members: [id("alice"), id("bob")] },
      { id: G(2), name: "Deploy", members: [id("carol")] },
      { id: G(3), name: "Ops", members: [id("erin")] },
      { id: G(4), name: "Readers", members: [id("frank"), id("alice")] },
    ],
    managedPolicies: [
      { arn: ADMIN, version: "v1", doc: doc({ Effect: "Allow", Action: "*", Resource: "*" }) },
      {
        arn: READ_ONLY,
        version: "v118",
        doc: doc({ Effect: "Allow", Action: ["s3:Get*", "ec2:Describe*"], Resource: "*" }),
      },
      {
        arn: POWER_USER,
        version: "v5",
        doc: doc({ Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" }),
      },
    ],
    permissionSets: [
      {
        id: "ps-aaaa000000000001",
        name: "AdministratorAccess",
        awsManaged: [ADMIN],
        accounts: [ACCOUNT, MEMBER],
        assignments: [
          { account: ACCOUNT, type: "GROUP", id: G(1) },
          { account: MEMBER, type: "GROUP", id: G(1) },
        ],
      },
      {
        id: "ps-aaaa000000000002",
        name: "DeployAccess",
        customer: [{ name: "DeployRoles", path: "/ci/" }],
        accounts: [ACCOUNT],
        assignments: [{ account: ACCOUNT, type: "GROUP", id: G(2) }],
      },
      {
        id: "ps-aaaa000000000003",
        name: "AlmostEverything",
        inline: doc({ Effect: "Allow", NotAction: "s3:*", Resource: "*" }),
        accounts: [ACCOUNT],
        assignments: [{ account: ACCOUNT, type: "USER", id: id("dave") }],
      },
      {
        id: "ps-aaaa000000000004",
        name: "Bounded",
        inline: doc({ Effect: "Allow", Action: "*", Resource: "*" }),
        boundary: { arn: POWER_USER },
        accounts: [ACCOUNT],
        assignments: [{ account: ACCOUNT, type: "GROUP", id: G(3) }],
      },
      {
        id: "ps-aaaa000000000005",
        name: "ReadOnly",
        awsManaged: [READ_ONLY],
        accounts: [ACCOUNT, MEMBER],
        assignments: [
          { account: ACCOUNT, type: "GROUP", id: G(4) },
          { account: MEMBER, type: "GROUP", id: G(4) },
        ],
      },
    ],
    ...over,
  };
}

/** The account's IAM: the customer managed policy DeployRoles at path /ci/ (IAM write). */
const accountIam = () =>
  authzCalls({
    policies: [
      managedPolicyDetail({
        arn: customerPolicyArn("ci/DeployRoles"),
        created: "2024-01-01T00:00:00Z",
        attachments: 1,
        versions: [
          {
            id: "v1",
            created: "2024-01-01T00:00:00Z",
            doc: doc({ Effect: "Allow", Action: ["iam:CreateRole", "iam:AttachRolePolicy"], Resource: "*" }),
          },
        ],
      }),
    ],
  });

describe("Identity Center privileged population", () => {
  it("is exactly the users holding admin or IAM write by any group or direct assignment, per account", async () => {
    const out = await run(SSO_CONTROLS, [...identityCenterCalls(world()), ...accountIam()]);
    const r = resultOf(out, PRIVILEGED);
    expect(r.status).toBe("fail");
    expect(flagged(out, PRIVILEGED)).toEqual([
      `alice @ ${ACCOUNT}`,
      `alice @ ${MEMBER}`,
      `bob @ ${ACCOUNT}`,
      `bob @ ${MEMBER}`,
      `carol @ ${ACCOUNT}`,
      `dave @ ${ACCOUNT}`,
    ]);
    const msg = (res: string) => r.findings.find((f) => f.resource === res)?.message ?? "";
    expect(msg(`carol @ ${ACCOUNT}`)).toContain(
      "group Deploy → permission set DeployAccess → customer managed policy DeployRoles [iam:CreateRole, iam:AttachRolePolicy]",
    );
    expect(msg(`dave @ ${ACCOUNT}`)).toContain("direct → permission set AlmostEverything → inline policy");
    // erin's `*` is capped by the PowerUserAccess boundary; frank only reads: neither is in the population.
    expect(r.population).toBe(6);
  });

  it("passes when every privileged user is approved (by name, e-mail or user @ account)", async () => {
    const out = await run([PRIVILEGED], [...identityCenterCalls(world()), ...accountIam()], {
      [PRIVILEGED]: {
        approved_users: ["alice", "bob@example.com", `carol @ ${ACCOUNT}`, "dave"],
      },
    });
    expect(resultOf(out, PRIVILEGED).status).toBe("pass");
    expect(flagged(out, PRIVILEGED)).toEqual([]);
  });

  it("flags the privileged (permission set, account) pairs that are not approved", async () => {
    const out = await run([SETS], [...identityCenterCalls(world()), ...accountIam()], {
      [SETS]: { approved_permission_sets: ["AdministratorAccess"] },
    });
    expect(flagged(out, SETS)).toEqual([`AlmostEverything @ ${ACCOUNT}`, `DeployAccess @ ${ACCOUNT}`]);
  });

  it("a customer managed policy that cannot be resolved makes only the items depending on it error", async () => {
    // DeployAccess is also provisioned to the member account, which is not in this run's scope.
    const w = world();
    w.permissionSets[1] = {
      ...w.permissionSets[1]!,
      accounts: [ACCOUNT, MEMBER],
      assignments: [...w.permissionSets[1]!.assignments, { account: MEMBER, type: "GROUP", id: G(2) }],
    };
    const out = await run([PRIVILEGED], [...identityCenterCalls(w), ...accountIam()], {
      [PRIVILEGED]: { approved_users: ["alice", "bob", "dave"] },
    });
    const r = resultOf(out, PRIVILEGED);
    expect(r.status).toBe("error");
    expect(r.findings.filter((f) => f.status === "error").map((f) => f.resource)).toEqual([
      `carol @ ${MEMBER}`,
    ]);
    // The verdict is unknown (null), so deciding membership fails for that item only.
    expect(r.reason).toMatch(/cannot decide population membership: .* got null \(in `is_privileged`\)/);
    expect(flagged(out, PRIVILEGED)).toEqual([`carol @ ${ACCOUNT}`]);
  });
});

describe("Identity Center assignments and leavers", () => {
  it("flags exactly the direct user assignments", async () => {
    const out = await run([DIRECT], [...identityCenterCalls(world()), ...accountIam()]);
    expect(flagged(out, DIRECT)).toEqual([`user dave → AlmostEverything @ ${ACCOUNT}`]);
    const pass = await run([DIRECT], [...identityCenterCalls(world()), ...accountIam()], {
      [DIRECT]: { allowed_direct_users: ["dave"] },
    });
    expect(resultOf(pass, DIRECT).status).toBe("pass");
  });

  it("flags every account a leaver still reaches, through any group", async () => {
    const out = await run([LEAVERS], [...identityCenterCalls(world()), ...accountIam()], {
      [LEAVERS]: { leavers: ["alice@example.com", "zoe"] },
    });
    expect(flagged(out, LEAVERS)).toEqual([`alice @ ${ACCOUNT}`, `alice @ ${MEMBER}`]);
    const msg = resultOf(out, LEAVERS).findings.find((f) => f.resource === `alice @ ${MEMBER}`)?.message;
    expect(msg).toContain("group Admins → permission set AdministratorAccess");
    expect(msg).toContain("group Readers → permission set ReadOnly");
    const pass = await run([LEAVERS], [...identityCenterCalls(world()), ...accountIam()], {
      [LEAVERS]: { leavers: ["zoe"] },
    });
    expect(resultOf(pass, LEAVERS).status).toBe("pass");
  });
});

describe("Identity Center failing closed", () => {
  const ssoDenied = (): CallSpec[] => [
    awsCall({
      service: "SSOAdmin",
      operation: "ListInstances",
      account: ACCOUNT,
      region: REGION,
      error: jsonDenied("sso:ListInstances"),
    }),
  ];

  it("a denied sso:ListInstances makes every Identity Center control error, and nothing else", async () => {
    const out = await run(
      [...SSO_CONTROLS, "access.aws-iam-oidc-trust-pinned-subject"],
      [...ssoDenied(), ...authzCalls({})],
    );
    for (const c of SSO_CONTROLS) {
      const r = resultOf(out, c);
      expect(r.status).toBe("error");
      expect(r.reason).toMatch(/AccessDeniedException/);
      expect(r.findings.filter((f) => f.status === "fail")).toEqual([]);
    }
    expect(resultOf(out, "access.aws-iam-oidc-trust-pinned-subject").status).toBe("pass");
  });

  it("no instance visible (a member account) is an error saying so, never an empty pass", async () => {
    const out = await run(
      [PRIVILEGED],
      [
        awsCall({
          service: "SSOAdmin",
          operation: "ListInstances",
          account: ACCOUNT,
          region: REGION,
          output: { Instances: [] },
        }),
      ],
    );
    const r = resultOf(out, PRIVILEGED);
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/IAM Identity Center is not reachable from account 111122223333/);
  });

  it("an assignment to a group the identity store does not list fails the query", async () => {
    const w = world();
    w.groups = w.groups.filter((g) => g.id !== G(2));
    const out = await run([PRIVILEGED], [...identityCenterCalls(w), ...accountIam()]);
    const r = resultOf(out, PRIVILEGED);
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/which the identity store does not list/);
  });

  it("reads the instance from ListInstances as the SDK answers it", () => {
    expect(instanceArn("ssoins-1111222233334444")).toBe("arn:aws:sso:::instance/ssoins-1111222233334444");
  });
});
