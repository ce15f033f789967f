/**
 * aws.kms.keyAccess — one row per (customer managed key, principal) that can use or administer the key, by
 * any of its three paths (src/policy/kms-access.ts): the key policy (GetKeyPolicy, the `default` policy),
 * grants (ListGrants, every page), and the IAM policies of the key's account where the key policy enables
 * them (aws.iam.authorizationDetails, through the run cache). Each row carries the key's own fields
 * (aliases, tags, usage, spec), so a control selects its keys (signing keys, a tag, an id list) in `where`.
 *
 * A separate query from aws.kms.keys on purpose: a denied kms:GetKeyPolicy or kms:ListGrants makes the
 * controls that need the key's users `error`, while rotation and key-state controls are still evaluated.
 */

import type { Row } from "../../../core/types.js";
import { analyseKeyAccess, type KeyGrant } from "../../../policy/kms-access.js";
import { describeVia } from "../../../policy/principal.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { GetKeyPolicyCommand, KMSClient, ListGrantsCommand } from "../../../providers/aws/sdk/client-kms.js";
import type { AuthzEntity } from "../iam/authorization-details.js";
import { policiesHeldBy } from "../iam/principals.js";
import { parsePolicyDocument } from "../normalise.js";
import { paginateAws } from "../paginate.js";
import type { KeyRow } from "./keys.js";

export const kmsKeyAccess = defineAwsQuery({
  id: "aws.kms.keyAccess",
  scope: "region",
  title: "Who can use and administer each customer managed KMS key (key policy, grants, IAM policies)",
  permissions: [
    "kms:ListKeys",
    "kms:ListAliases",
    "kms:DescribeKey",
    "kms:ListResourceTags",
    "kms:GetKeyRotationStatus",
    "kms:GetKeyPolicy",
    "kms:ListGrants",
    "iam:GetAccountAuthorizationDetails",
  ],
  calls: ["KMS:GetKeyPolicy", "KMS:ListGrants"],
  uses: ["aws.kms.keys", "aws.iam.authorizationDetails"],
  fields: {
    access_id: "string: `<key alias or id> → <principal>`",
    key_arn: "string: key ARN",
    key_id: "string: key id",
    key_name: "string: the key's first alias, or its id",
    region: "string: the key's region",
    aliases: "list<string>: alias names",
    tags: "map<string, string>: the key's tags",
    key_usage: "string?: ENCRYPT_DECRYPT | SIGN_VERIFY | …",
    key_spec: "string?: SYMMETRIC_DEFAULT | ECC_NIST_P256 | …",
    key_state: "string: Enabled | Disabled | PendingDeletion | …",
    is_signing_key: "bool: an asymmetric SIGN_VERIFY key",
    principal: "string: ARN, `*`, or a service principal",
    principal_kind: "string: wildcard | account | user | role | service | federated | other",
    principal_account: "string?: the principal's account (`*` for a wildcard, null for a service)",
    is_wildcard: "bool: the principal is `*` (anyone)",
    is_foreign: "bool: the principal belongs to another account",
    actions:
      "list<string>: tracked actions held (kms:Sign, kms:Decrypt, kms:CreateGrant, kms:PutKeyPolicy, kms:ScheduleKeyDeletion, kms:DisableKey)",
    use_actions: "list<string>: of kms:Sign, kms:Decrypt, kms:CreateGrant",
    admin_actions:
      "list<string>: of kms:PutKeyPolicy, kms:ScheduleKeyDeletion, kms:DisableKey, kms:CreateGrant",
    can_use: "bool: can sign or decrypt with the key",
    can_administer: "bool: holds an administrative action",
    sources: "list<string>: where each action comes from (key policy statement, grant id, IAM policy)",
    conditional: "bool: every path is conditional (a condition, or a constrained grant)",
  },
  async fetch(ctx) {
    const [keys, entities] = await Promise.all([
      ctx.query("aws.kms.keys") as unknown as Promise<KeyRow[]>,
      ctx.query("aws.iam.authorizationDetails") as unknown as Promise<AuthzEntity[]>,
    ]);
    const identities = [...policiesHeldBy(entities).entries()].map(([arn, list]) => ({
      arn,
      policies: list.map((p) => ({
        label: `${describeVia(p.via, p.arn ? "managed" : "inline")} ${p.name}`,
        document: p.document,
      })),
    }));
    const kms = ctx.aws.client(KMSClient);
    const perKey = await Promise.all(
      keys.map(async (k) => {
        const [policy, grantPages] = await Promise.all([
          kms.send(new GetKeyPolicyCommand({ KeyId: k.key_id, PolicyName: "default" })),
          paginateAws(
            (m) => kms.send(new ListGrantsCommand({ KeyId: k.key_id, ...(m ? { Marker: m } : {}) })),
            (p) => (p.Truncated ? p.NextMarker : undefined),
            "KMS:ListGrants",
          ),
        ]);
        const doc = parsePolicyDocument(policy.Policy);
        if (!doc) throw new Error(`GetKeyPolicy ${k.key_arn} answered without a policy`);
        const grants: KeyGrant[] = grantPages
          .flatMap((p) => p.Grants ?? [])
          .map((g) => ({
            grant_id: g.GrantId ?? "?",
            grantee: g.GranteePrincipal ?? g.GranteeServicePrincipal ?? "?",
            operations: g.Operations ?? [],
            constrained: g.Constraints !== undefined && Object.keys(g.Constraints).length > 0,
          }));
        const name = k.aliases[0] ?? k.key_id;
        return analyseKeyAccess({
          keyArn: k.key_arn,
          keyAccount: ctx.aws.accountId,
          partition: ctx.aws.partition,
          keyPolicy: doc,
          grants,
          identities,
        }).map((a) => ({
          access_id: `${name} → ${a.principal}`,
          key_arn: k.key_arn,
          key_id: k.key_id,
          key_name: name,
          region: k.region,
          aliases: k.aliases,
          tags: k.tags,
          key_usage: k.key_usage,
          key_spec: k.key_spec,
          key_state: k.key_state,
          is_signing_key: k.is_signing_key,
          ...a,
        }));
      }),
    );
    return perKey.flat() as unknown as Row[];
  },
});
