import { describe, expect, it } from "vitest";
import {
  awsPolicyArn,
  customerPolicyArn,
  doc,
  managedPolicyDetail,
  roleDetail,
  trustAws,
  userDetail,
} from "../../fixtures/aws/demo-src/iam-shapes.js";
import { normaliseAuthorizationDetails } from "../../src/queries/aws/iam/authorization-details.js";
import { buildPrincipals } from "../../src/queries/aws/iam/principals.js";

const ACCOUNT = "111122223333";
const T = "2024-01-01T00:00:00Z";
const ADMIN = awsPolicyArn("AdministratorAccess");
const ASSUME = customerPolicyArn("AssumeOps");

function principals(users: unknown[], roles: unknown[], policies: unknown[]) {
  const entities = normaliseAuthorizationDetails([
    {
      UserDetailList: users,
      GroupDetailList: [],
      RoleDetailList: roles,
      Policies: policies,
      IsTruncated: false,
      $metadata: {},
    },
  ] as never);
  return Object.fromEntries(buildPrincipals(entities, ACCOUNT).map((p) => [p.name, p]));
}

const policy = (arn: string, d: ReturnType<typeof doc>, attachments: number) =>
  managedPolicyDetail({ arn, created: T, attachments, versions: [{ id: "v1", created: T, doc: d }] });

describe("aws.iam.principals: role assumption as an access path", () => {
  const opsRole = roleDetail({
    name: "ops-admin",
    created: T,
    trust: trustAws(`arn:aws:iam::${ACCOUNT}:root`),
    attached: [ADMIN],
  });
  const policies = [
    policy(ADMIN, doc({ Effect: "Allow", Action: "*", Resource: "*" }), 1),
    policy(
      ASSUME,
      doc({ Effect: "Allow", Action: "sts:AssumeRole", Resource: `arn:aws:iam::${ACCOUNT}:role/ops-*` }),
      2,
    ),
    policy(customerPolicyArn("DenyAll"), doc({ Effect: "Deny", Action: "*", Resource: "*" }), 1),
  ];

  it("a role trusting the account is reachable only by users granted sts:AssumeRole on it", () => {
    const p = principals(
      [
        userDetail({ name: "granted", created: T, attached: [ASSUME] }),
        userDetail({ name: "plain", created: T }),
        userDetail({ name: "quarantined", created: T, attached: [ASSUME, customerPolicyArn("DenyAll")] }),
      ],
      [opsRole],
      policies,
    );
    expect(p.granted).toMatchObject({
      is_admin: true,
      assumable_roles: [`arn:aws:iam::${ACCOUNT}:role/ops-admin`],
      admin_paths: ["assumes role ops-admin: attached policy AdministratorAccess [statement 1]"],
    });
    expect(p.plain).toMatchObject({ is_admin: false, assumable_roles: [] });
    expect(p.quarantined).toMatchObject({ is_admin: false, assumable_roles: [] });
    expect(p["ops-admin"]).toMatchObject({ kind: "role", is_admin: true, external_trust: [] });
  });

  it("decodes URL-encoded documents and rejects a document that is not JSON", () => {
    const good = principals(
      [userDetail({ name: "u", created: T, attached: [ADMIN] })],
      [],
      policies.slice(0, 1),
    );
    expect(good.u?.is_admin).toBe(true);
    const bad = {
      ...policies[0]!,
      PolicyVersionList: [
        { Document: "%7Bnot-json", VersionId: "v1", IsDefaultVersion: true, CreateDate: T },
      ],
    };
    expect(() => principals([], [], [bad])).toThrow(
      /default version of .*AdministratorAccess: policy document is not valid JSON/,
    );
  });
});
