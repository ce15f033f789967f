/**
 * The benchmark world's identity planes: one IAM Identity Center instance in the caller's (management)
 * account with people, groups, permission sets and account assignments spread over the organization's
 * accounts, and customer managed KMS keys in the caller's home region. Generators per `Service:Operation`,
 * in the real API shapes (see world.ts), merged into its GENERATORS table.
 *
 * The shape is what makes the benchmark's point: the calls the queries make grow with permission sets,
 * (permission set, account) pairs, groups and keys — never with users × accounts — and users cost only
 * ListUsers / ListGroupMemberships pages of 100.
 */
import { createHash } from "node:crypto";
import type { RecordedError } from "../recording/format.js";

export interface IdentityWorld {
  /** Identity Center users, groups, permission sets and account assignments. */
  ssoUsers: number;
  groups: number;
  permissionSets: number;
  assignments: number;
  /** Customer managed KMS keys in the caller's home region. */
  kmsKeys: number;
}

export const DEFAULT_IDENTITY: IdentityWorld = {
  ssoUsers: 50,
  groups: 5,
  permissionSets: 4,
  assignments: 8,
  kmsKeys: 3,
};

interface IdWorld {
  caller: string;
  accounts: string[];
  homeRegion: string;
  recordedAt: string;
  identity: IdentityWorld;
}
type Answer = { output: Record<string, unknown> } | { error: RecordedError };
type Gen = (a: { w: IdWorld; account: string; region: string; input: Record<string, unknown> }) => Answer;

const ok = (output: Record<string, unknown>): Answer => ({ output });
const notFound = (message: string): Answer => ({
  error: { name: "ResourceNotFoundException", message, fault: "client", httpStatusCode: 400 },
});
const hex = (s: string, n = 8) => createHash("sha256").update(s).digest("hex").slice(0, n);

const INSTANCE_ID = "ssoins-bench00000000001";
const INSTANCE = `arn:aws:sso:::instance/${INSTANCE_ID}`;
const STORE = "d-bench00001";
const psArn = (i: number) => `arn:aws:sso:::permissionSet/${INSTANCE_ID}/ps-${String(i).padStart(16, "0")}`;
const psIndex = (arn: unknown) => Number(String(arn).split("/ps-")[1]);
const userId = (i: number) => `b0000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
const groupId = (i: number) => `c0000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
const READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess";

/** Assignment i: account, permission set, principal (every tenth a user, the rest groups). */
function assignment(w: IdWorld, i: number) {
  const n = w.identity;
  const account = w.accounts[i % w.accounts.length]!;
  const ps = (i * 7) % n.permissionSets;
  const direct = i % 10 === 9;
  return {
    account,
    ps,
    type: direct ? "USER" : "GROUP",
    id: direct ? userId((i * 31) % n.ssoUsers) : groupId((i * 13) % n.groups),
  };
}

const assignmentCache = new WeakMap<IdWorld, ReturnType<typeof assignment>[]>();
function assignments(w: IdWorld) {
  let list = assignmentCache.get(w);
  if (!list) {
    list = Array.from({ length: w.identity.assignments }, (_, i) => assignment(w, i));
    assignmentCache.set(w, list);
  }
  return list;
}

function page<T>(items: T[], token: unknown, size = 100): { items: T[]; NextToken?: string } {
  const start = typeof token === "string" ? Number(token.replace(/^t/, "")) : 0;
  const out = items.slice(start, start + size);
  return start + size < items.length ? { items: out, NextToken: `t${start + size}` } : { items: out };
}

const only = (w: IdWorld, account: string) => account === w.caller;
const keyId = (i: number) => `${hex(`key${i}`)}-aaaa-4bbb-8ccc-${String(i).padStart(12, "0")}`;
const keyIndex = (id: unknown) => Number(String(id).split("-").pop());
const isSigning = (i: number) => i % 10 === 0;

export const IDENTITY_GENERATORS: Record<string, Gen> = {
  "SSOAdmin:ListInstances": ({ w, account }) =>
    ok({
      Instances: only(w, account)
        ? [
            {
              InstanceArn: INSTANCE,
              IdentityStoreId: STORE,
              OwnerAccountId: w.caller,
              Status: "ACTIVE",
              CreatedDate: w.recordedAt,
            },
          ]
        : [],
    }),
  "SSOAdmin:ListPermissionSets": ({ w, input }) => {
    const p = page(
      Array.from({ length: w.identity.permissionSets }, (_, i) => psArn(i)),
      input.NextToken,
    );
    return ok({ PermissionSets: p.items, ...(p.NextToken ? { NextToken: p.NextToken } : {}) });
  },
  "SSOAdmin:DescribePermissionSet": ({ w, input }) => {
    const i = psIndex(input.PermissionSetArn);
    return ok({
      PermissionSet: {
        Name: i === 0 ? "AdministratorAccess" : i === 1 ? "DeployAccess" : `ReadOnly${i}`,
        PermissionSetArn: input.PermissionSetArn,
        CreatedDate: w.recordedAt,
        SessionDuration: "PT8H",
      },
    });
  },
  "SSOAdmin:ListManagedPoliciesInPermissionSet": ({ input }) => {
    const i = psIndex(input.PermissionSetArn);
    const arn = i === 0 ? ADMIN : i === 1 ? null : READ_ONLY;
    return ok({ AttachedManagedPolicies: arn ? [{ Name: arn.split("/").pop(), Arn: arn }] : [] });
  },
  "SSOAdmin:ListCustomerManagedPolicyReferencesInPermissionSet": ({ input }) =>
    ok({
      CustomerManagedPolicyReferences:
        psIndex(input.PermissionSetArn) === 1 ? [{ Name: "BenchDeploy", Path: "/" }] : [],
    }),
  "SSOAdmin:GetInlinePolicyForPermissionSet": () => ok({ InlinePolicy: "" }),
  "SSOAdmin:GetPermissionsBoundaryForPermissionSet": ({ input }) =>
    notFound(`Could not find permissions boundary for PermissionSet ${String(input.PermissionSetArn)}`),
  "SSOAdmin:ListAccountsForProvisionedPermissionSet": ({ w, input }) => {
    const i = psIndex(input.PermissionSetArn);
    const accounts = [
      ...new Set(
        assignments(w)
          .filter((a) => a.ps === i)
          .map((a) => a.account),
      ),
    ].sort();
    const p = page(accounts, input.NextToken);
    return ok({ AccountIds: p.items, ...(p.NextToken ? { NextToken: p.NextToken } : {}) });
  },
  "SSOAdmin:ListAccountAssignments": ({ w, input }) => {
    const i = psIndex(input.PermissionSetArn);
    const list = assignments(w)
      .filter((a) => a.ps === i && a.account === input.AccountId)
      .map((a) => ({
        AccountId: a.account,
        PermissionSetArn: input.PermissionSetArn,
        PrincipalType: a.type,
        PrincipalId: a.id,
      }));
    const unique = [...new Map(list.map((a) => [`${a.PrincipalType}${a.PrincipalId}`, a])).values()];
    const p = page(unique, input.NextToken);
    return ok({ AccountAssignments: p.items, ...(p.NextToken ? { NextToken: p.NextToken } : {}) });
  },
  "Identitystore:ListUsers": ({ w, input }) => {
    const p = page(
      Array.from({ length: w.identity.ssoUsers }, (_, i) => i),
      input.NextToken,
    );
    return ok({
      Users: p.items.map((i) => ({
        UserName: `person${String(i).padStart(5, "0")}`,
        UserId: userId(i),
        DisplayName: `Person ${i}`,
        Emails: [{ Value: `person${i}@example.com`, Type: "work", Primary: true }],
        IdentityStoreId: STORE,
      })),
      ...(p.NextToken ? { NextToken: p.NextToken } : {}),
    });
  },
  "Identitystore:ListGroups": ({ w, input }) => {
    const p = page(
      Array.from({ length: w.identity.groups }, (_, i) => i),
      input.NextToken,
    );
    return ok({
      Groups: p.items.map((i) => ({ GroupId: groupId(i), DisplayName: `team-${i}`, IdentityStoreId: STORE })),
      ...(p.NextToken ? { NextToken: p.NextToken } : {}),
    });
  },
  "Identitystore:ListGroupMemberships": ({ w, input }) => {
    const g = Number(String(input.GroupId).split("-").pop());
    const members = Array.from({ length: w.identity.ssoUsers }, (_, i) => i).filter(
      (i) => i % w.identity.groups === g,
    );
    const p = page(members, input.NextToken);
    return ok({
      GroupMemberships: p.items.map((i) => ({
        IdentityStoreId: STORE,
        MembershipId: `m-${g}-${i}`,
        GroupId: input.GroupId,
        MemberId: { UserId: userId(i) },
      })),
      ...(p.NextToken ? { NextToken: p.NextToken } : {}),
    });
  },
  "IAM:GetPolicy": ({ input }) =>
    ok({
      Policy: {
        PolicyName: String(input.PolicyArn).split("/").pop(),
        Arn: input.PolicyArn,
        Path: "/",
        DefaultVersionId: "v1",
        AttachmentCount: 1,
        IsAttachable: true,
      },
    }),
  "IAM:GetPolicyVersion": ({ input }) =>
    ok({
      PolicyVersion: {
        Document: encodeURIComponent(
          JSON.stringify({
            Version: "2012-10-17",
            Statement:
              input.PolicyArn === ADMIN
                ? [{ Effect: "Allow", Action: "*", Resource: "*" }]
                : [{ Effect: "Allow", Action: ["s3:Get*", "ec2:Describe*"], Resource: "*" }],
          }),
        ),
        VersionId: "v1",
        IsDefaultVersion: true,
      },
    }),
  "IAM:ListOpenIDConnectProviders": () => ok({ OpenIDConnectProviderList: [] }),
  "IAM:GetOpenIDConnectProvider": ({ input }) =>
    ok({
      Url: String(input.OpenIDConnectProviderArn).split("/").slice(1).join("/"),
      ClientIDList: ["sts.amazonaws.com"],
    }),
  "KMS:ListKeys": ({ w, account, region, input }) => {
    const n = only(w, account) && region === w.homeRegion ? w.identity.kmsKeys : 0;
    const ids = Array.from({ length: n }, (_, i) => keyId(i));
    const start = typeof input.Marker === "string" ? Number(input.Marker.replace(/^m/, "")) : 0;
    const items = ids.slice(start, start + 100);
    const more = start + 100 < ids.length;
    return ok({
      Keys: items.map((KeyId) => ({ KeyId, KeyArn: `arn:aws:kms:${region}:${account}:key/${KeyId}` })),
      Truncated: more,
      ...(more ? { NextMarker: `m${start + 100}` } : {}),
    });
  },
  "KMS:ListAliases": ({ w, account, region }) => {
    const n = only(w, account) && region === w.homeRegion ? w.identity.kmsKeys : 0;
    return ok({
      Aliases: Array.from({ length: n }, (_, i) => ({
        AliasName: `alias/key-${i}`,
        AliasArn: `arn:aws:kms:${region}:${account}:alias/key-${i}`,
        TargetKeyId: keyId(i),
      })),
      Truncated: false,
    });
  },
  "KMS:ListResourceTags": ({ input }) =>
    ok({
      Tags: isSigning(keyIndex(input.KeyId)) ? [{ TagKey: "purpose", TagValue: "signing" }] : [],
      Truncated: false,
    }),
  "KMS:GetKeyPolicy": ({ account }) =>
    ok({
      PolicyName: "default",
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "Enable IAM User Permissions",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${account}:root` },
            Action: "kms:*",
            Resource: "*",
          },
        ],
      }),
    }),
  "KMS:ListGrants": () => ok({ Grants: [], Truncated: false }),
};

/** DescribeKey of a bench key asked by id (aws.kms.keys); trail keys are asked by ARN (world.ts). */
export function describeBenchKey(
  w: IdWorld,
  account: string,
  region: string,
  id: string,
): Record<string, unknown> {
  const i = keyIndex(id);
  const signing = isSigning(i);
  return {
    KeyMetadata: {
      AWSAccountId: account,
      KeyId: id,
      Arn: `arn:aws:kms:${region}:${account}:key/${id}`,
      CreationDate: w.recordedAt,
      Enabled: true,
      KeyUsage: signing ? "SIGN_VERIFY" : "ENCRYPT_DECRYPT",
      KeyState: "Enabled",
      Origin: "AWS_KMS",
      KeyManager: "CUSTOMER",
      KeySpec: signing ? "ECC_NIST_P256" : "SYMMETRIC_DEFAULT",
      CustomerMasterKeySpec: signing ? "ECC_NIST_P256" : "SYMMETRIC_DEFAULT",
      ...(signing
        ? { SigningAlgorithms: ["ECDSA_SHA_256"] }
        : { EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"] }),
      MultiRegion: false,
    },
  };
}
