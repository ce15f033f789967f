/**
 * KMS key controls (signing-key use population, wildcard / foreign principals, segregation of duties, state,
 * rotation), the OIDC trust and provider controls, and break-glass readiness: pass, fail and error cases
 * with the exact resources flagged.
 */
import { describe, expect, it } from "vitest";
import { oidcProviderCalls, trustOidc } from "../../fixtures/aws/demo-src/iam-oidc.js";
import {
  awsPolicyArn,
  doc,
  managedPolicyDetail,
  roleDetail,
  userDetail,
} from "../../fixtures/aws/demo-src/iam-shapes.js";
import {
  defaultKeyPolicy,
  type KeySpec,
  keyAdminStatement,
  kmsKeyCalls,
} from "../../fixtures/aws/demo-src/kms-keys.js";
import { accessDenied, awsCall } from "../../fixtures/lib/aws.js";
import { flagged, resultOf } from "../support/recording.js";
import { ACCOUNT, authzCalls, jsonDenied, REGION, run } from "./support.js";

const USERS_APPROVED = "access.aws-kms-signing-key-users-approved";
const FOREIGN = "access.aws-kms-signing-key-no-public-or-foreign";
const SOD = "access.aws-kms-signing-key-segregation-of-duties";
const STATE = "change-management.aws-kms-keys-not-pending-deletion";
const ROTATION = "logging.aws-kms-key-rotation-enabled";
const KMS_CONTROLS = [USERS_APPROVED, FOREIGN, SOD, STATE, ROTATION];

const ROLE = (n: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${n}`;
const ADMIN = awsPolicyArn("AdministratorAccess");

const SPLIT: KeySpec = {
  id: "11111111-1111-4111-8111-111111111111",
  alias: "alias/hot",
  usage: "SIGN_VERIFY",
  spec: "ECC_SECG_P256K1",
  policy: {
    Version: "2012-10-17",
    Statement: [
      keyAdminStatement(ROLE("KeyAdmin")),
      {
        Sid: "Sign",
        Effect: "Allow",
        Principal: { AWS: ROLE("signer") },
        Action: ["kms:Sign"],
        Resource: "*",
      },
    ],
  },
  grants: [{ id: "g-batch", grantee: ROLE("batch"), operations: ["Sign"] }],
};
const DELEGATED: KeySpec = {
  id: "22222222-2222-4222-8222-222222222222",
  alias: "alias/cold",
  usage: "SIGN_VERIFY",
  spec: "ECC_NIST_P256",
  policy: defaultKeyPolicy(ACCOUNT, [
    {
      Sid: "Partner",
      Effect: "Allow",
      Principal: { AWS: ROLE("partner", "999988887777") },
      Action: "kms:Sign",
      Resource: "*",
    },
    {
      Sid: "Anyone",
      Effect: "Allow",
      Principal: "*",
      Action: "kms:Sign",
      Resource: "*",
      Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT } },
    },
  ]),
};
const DATA_ON: KeySpec = {
  id: "33333333-3333-4333-8333-333333333333",
  alias: "alias/data-on",
  rotation: true,
};
const DATA_OFF: KeySpec = {
  id: "44444444-4444-4444-8444-444444444444",
  alias: "alias/data-off",
  rotation: false,
};
const DISABLED: KeySpec = {
  id: "55555555-5555-4555-8555-555555555555",
  alias: "alias/retired",
  state: "Disabled",
  rotation: false,
};
const DELETING: KeySpec = {
  id: "66666666-6666-4666-8666-666666666666",
  alias: "alias/doomed",
  state: "PendingDeletion",
};
const AWS_MANAGED: KeySpec = {
  id: "77777777-7777-4777-8777-777777777777",
  alias: "alias/aws/s3",
  manager: "AWS",
};

/** One IAM admin (the IAM path to the delegated key) and one read-only user. */
const iam = () =>
  authzCalls({
    users: [
      userDetail({ name: "admin", created: "2024-01-01T00:00:00Z", attached: [ADMIN] }),
      userDetail({ name: "reader", created: "2024-01-01T00:00:00Z" }),
    ],
    policies: [
      managedPolicyDetail({
        arn: ADMIN,
        created: "2015-02-06T18:39:46Z",
        attachments: 1,
        versions: [
          {
            id: "v1",
            created: "2015-02-06T18:39:46Z",
            doc: doc({ Effect: "Allow", Action: "*", Resource: "*" }),
          },
        ],
      }),
    ],
  });

const keys = (list: KeySpec[]) => kmsKeyCalls({ account: ACCOUNT, region: REGION, keys: list });
const ALL = [SPLIT, DELEGATED, DATA_ON, DATA_OFF, DISABLED, DELETING, AWS_MANAGED];

describe("KMS signing keys", () => {
  it("lists every principal that can use a signing key, by key policy, grant and IAM policy", async () => {
    const out = await run(KMS_CONTROLS, [...keys(ALL), ...iam()], {
      [USERS_APPROVED]: { approved_principals: [ROLE("signer"), ROLE("batch")] },
    });
    expect(flagged(out, USERS_APPROVED)).toEqual([
      `alias/cold → *`,
      `alias/cold → arn:aws:iam::${ACCOUNT}:user/admin`,
      `alias/cold → ${ROLE("partner", "999988887777")}`,
      `alias/hot → ${ROLE("KeyAdmin")}`,
    ]);
    expect(flagged(out, FOREIGN)).toEqual([
      `alias/cold → *`,
      `alias/cold → ${ROLE("partner", "999988887777")}`,
    ]);
    expect(flagged(out, SOD)).toEqual([`alias/cold → arn:aws:iam::${ACCOUNT}:user/admin`]);
  });

  it("passes when the signing keys are split and only approved principals use them", async () => {
    const out = await run([USERS_APPROVED, FOREIGN, SOD], [...keys([SPLIT, DATA_ON]), ...iam()], {
      [USERS_APPROVED]: { approved_principals: [ROLE("signer"), ROLE("batch"), ROLE("KeyAdmin")] },
    });
    for (const c of [USERS_APPROVED, FOREIGN, SOD]) expect(resultOf(out, c).status).toBe("pass");
  });

  it("selects keys by tag or id list as well (a symmetric key used for signing-like duties)", async () => {
    const tagged: KeySpec = { ...DATA_ON, tags: { purpose: "wallet" }, policy: defaultKeyPolicy(ACCOUNT) };
    const out = await run([SOD], [...keys([tagged]), ...iam()], {
      [SOD]: { signing_key_tag_key: "purpose", signing_key_tag_value: "wallet" },
    });
    expect(flagged(out, SOD)).toEqual([`alias/data-on → arn:aws:iam::${ACCOUNT}:user/admin`]);
    const none = await run([SOD], [...keys([tagged]), ...iam()]);
    expect(resultOf(none, SOD).status).toBe("not_applicable");
  });

  it("a denied kms:GetKeyPolicy makes the key-access controls error; state and rotation are still evaluated", async () => {
    const denied: KeySpec = {
      ...DELEGATED,
      policyError: jsonDenied("kms:GetKeyPolicy", `arn:aws:kms:${REGION}:${ACCOUNT}:key/${DELEGATED.id}`),
    };
    const out = await run(KMS_CONTROLS, [...keys([SPLIT, denied, DATA_OFF]), ...iam()]);
    for (const c of [USERS_APPROVED, FOREIGN, SOD]) {
      expect(resultOf(out, c).status).toBe("error");
      expect(resultOf(out, c).reason).toMatch(/AccessDeniedException.*kms:GetKeyPolicy/);
    }
    expect(resultOf(out, STATE).status).toBe("pass");
    expect(flagged(out, ROTATION)).toEqual([`arn:aws:kms:${REGION}:${ACCOUNT}:key/${DATA_OFF.id}`]);
  });
});

describe("KMS key state and rotation", () => {
  it("flags keys pending deletion and unexpectedly disabled ones; AWS managed keys are not in the population", async () => {
    const out = await run([STATE, ROTATION], [...keys(ALL), ...iam()]);
    const arn = (k: KeySpec) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${k.id}`;
    expect(flagged(out, STATE)).toEqual([arn(DISABLED), arn(DELETING)].sort());
    expect(resultOf(out, STATE).population).toBe(6);
    // Rotation: enabled symmetric keys only (the disabled and pending-deletion ones are out of the population).
    expect(flagged(out, ROTATION)).toEqual([arn(DATA_OFF)]);
    expect(resultOf(out, ROTATION).population).toBe(2);
    const ok = await run([STATE], [...keys(ALL), ...iam()], {
      [STATE]: { expected_disabled: ["alias/retired"] },
    });
    expect(flagged(ok, STATE)).toEqual([arn(DELETING)]);
  });

  it("passes when every enabled symmetric key rotates", async () => {
    const out = await run([ROTATION], keys([DATA_ON, SPLIT]));
    expect(resultOf(out, ROTATION).status).toBe("pass");
  });
});

const PINNED = "access.aws-iam-oidc-trust-pinned-subject";
const PROVIDERS = "access.aws-iam-oidc-providers-approved";
const GH = "token.actions.githubusercontent.com";

describe("CI OIDC trust", () => {
  const role = (name: string, condition?: Record<string, unknown>, issuer = GH) =>
    roleDetail({ name, created: "2025-01-01T00:00:00Z", trust: trustOidc(issuer, condition) });
  const roles = [
    role("env-pinned", {
      StringEquals: { [`${GH}:sub`]: "repo:org/app:environment:prod", [`${GH}:aud`]: "sts.amazonaws.com" },
    }),
    role("branch-pinned", { StringLike: { [`${GH}:sub`]: "repo:org/app:ref:refs/heads/main" } }),
    role("org-wide", { StringLike: { [`${GH}:sub`]: "repo:org/*" } }),
    role("any-branch", {
      StringLike: { [`${GH}:sub`]: ["repo:org/app:ref:refs/heads/main", "repo:org/app:*"] },
    }),
    role("negated", { StringNotLike: { [`${GH}:sub`]: "repo:evil/*" } }),
    role("all-values", { "ForAllValues:StringLike": { [`${GH}:sub`]: "repo:org/app:ref:refs/heads/main" } }),
    role("no-condition"),
    role("literal-star", { StringEquals: { [`${GH}:sub`]: "repo:org/app:ref:refs/heads/*" } }),
    role(
      "gitlab-branch",
      { StringEquals: { "gitlab.com:sub": "project_path:grp/proj:ref_type:branch:ref:main" } },
      "gitlab.com",
    ),
    roleDetail({
      name: "ec2-role",
      created: "2025-01-01T00:00:00Z",
      trust: doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }),
    }),
  ];

  it("flags every statement whose subject is not pinned to a repository and a branch or environment", async () => {
    const out = await run([PINNED], authzCalls({ roles }));
    expect(flagged(out, PINNED)).toEqual([
      `all-values statement 1 ${GH}`,
      `any-branch statement 1 ${GH}`,
      `negated statement 1 ${GH}`,
      `no-condition statement 1 ${GH}`,
      `org-wide statement 1 ${GH}`,
    ]);
    expect(resultOf(out, PINNED).population).toBe(9);
    const m = resultOf(out, PINNED).findings.find((f) => f.resource.startsWith("org-wide"))?.message;
    expect(m).toContain("pinned only to organization");
    expect(m).toContain("org/*");
  });

  it("with require_ref_or_environment off, a repository pin is enough", async () => {
    const out = await run([PINNED], authzCalls({ roles }), {
      [PINNED]: { require_ref_or_environment: false },
    });
    expect(flagged(out, PINNED)).toEqual([
      `all-values statement 1 ${GH}`,
      `negated statement 1 ${GH}`,
      `no-condition statement 1 ${GH}`,
      `org-wide statement 1 ${GH}`,
    ]);
  });

  it("passes with only pinned roles, and errors when the authorization details are denied", async () => {
    const pass = await run([PINNED], authzCalls({ roles: roles.slice(0, 2) }));
    expect(resultOf(pass, PINNED).status).toBe("pass");
    const err = await run(
      [PINNED],
      [
        awsCall({
          service: "IAM",
          operation: "GetAccountAuthorizationDetails",
          account: ACCOUNT,
          region: REGION,
          input: { MaxItems: 1000 },
          error: accessDenied(
            "arn:aws:sts::111122223333:assumed-role/ITGCAuditReadOnly/auditor",
            "iam:GetAccountAuthorizationDetails",
          ),
        }),
      ],
    );
    expect(resultOf(err, PINNED).status).toBe("error");
  });

  it("lists the OIDC providers and flags unapproved issuers and audiences", async () => {
    const providers = [
      {
        issuer: GH,
        audiences: ["sts.amazonaws.com"],
        thumbprint: "6938fd4d98bab03faadb97b34396831e3780aea1",
        created: "2025-01-01T00:00:00Z",
      },
      {
        issuer: "gitlab.com",
        audiences: ["https://gitlab.com"],
        thumbprint: "b3dd7606d2b5a8b4a13771dbecc9ee1cecafa38a",
        created: "2025-01-01T00:00:00Z",
      },
      {
        issuer: "oidc.example.net/ci",
        audiences: ["sts.amazonaws.com"],
        thumbprint: "0000000000000000000000000000000000000000",
        created: "2025-01-01T00:00:00Z",
      },
    ];
    const out = await run([PROVIDERS], oidcProviderCalls(providers, { account: ACCOUNT }));
    expect(flagged(out, PROVIDERS)).toEqual([
      `arn:aws:iam::${ACCOUNT}:oidc-provider/gitlab.com`,
      `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.example.net/ci`,
    ]);
    const pass = await run([PROVIDERS], oidcProviderCalls(providers.slice(0, 1), { account: ACCOUNT }));
    expect(resultOf(pass, PROVIDERS).status).toBe("pass");
  });
});
