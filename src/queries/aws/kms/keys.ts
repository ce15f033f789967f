/**
 * aws.kms.keys — every customer managed KMS key of the region: state, usage and spec, aliases, tags and
 * automatic rotation. ListKeys (every page) lists AWS managed keys too; DescribeKey tells them apart
 * (KeyManager), and only customer managed keys get their tags and rotation read and a row.
 *
 * Rotation is read (GetKeyRotationStatus) only where KMS can rotate automatically: symmetric keys with
 * KMS-generated material (Origin AWS_KMS) that are not pending deletion and are not a multi-Region replica
 * (a replica follows its primary's rotation). Elsewhere `rotatable` is false and `rotation_enabled` null.
 */

import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  DescribeKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
} from "../../../providers/aws/sdk/client-kms.js";
import { asDate } from "../normalise.js";
import { paginateAws } from "../paginate.js";

export interface KeyRow {
  key_arn: string;
  key_id: string;
  region: string;
  aliases: string[];
  description: string | null;
  key_state: string;
  enabled: boolean;
  key_usage: string | null;
  key_spec: string | null;
  origin: string | null;
  multi_region: boolean;
  is_replica: boolean;
  creation_date: Date | null;
  deletion_date: Date | null;
  tags: Record<string, string>;
  is_signing_key: boolean;
  is_symmetric: boolean;
  rotatable: boolean;
  rotation_enabled: boolean | null;
  rotation_period_days: number | null;
  next_rotation_date: Date | null;
}

const markerOf = (p: { Truncated?: boolean; NextMarker?: string }) =>
  p.Truncated ? p.NextMarker : undefined;

export const kmsKeys = defineAwsQuery({
  id: "aws.kms.keys",
  scope: "region",
  title: "Customer managed KMS keys with state, usage, aliases, tags and automatic rotation",
  permissions: [
    "kms:ListKeys",
    "kms:ListAliases",
    "kms:DescribeKey",
    "kms:ListResourceTags",
    "kms:GetKeyRotationStatus",
  ],
  calls: [
    "KMS:ListKeys",
    "KMS:ListAliases",
    "KMS:DescribeKey",
    "KMS:ListResourceTags",
    "KMS:GetKeyRotationStatus",
  ],
  fields: {
    key_arn: "string: key ARN",
    key_id: "string: key id",
    region: "string: the key's region",
    aliases: "list<string>: alias names (alias/…)",
    description: "string?: description",
    key_state: "string: Enabled | Disabled | PendingDeletion | PendingImport | Unavailable | …",
    enabled: "bool: the key is enabled",
    key_usage: "string?: ENCRYPT_DECRYPT | SIGN_VERIFY | GENERATE_VERIFY_MAC | KEY_AGREEMENT",
    key_spec: "string?: SYMMETRIC_DEFAULT | ECC_NIST_P256 | RSA_2048 | …",
    origin: "string?: AWS_KMS | EXTERNAL | AWS_CLOUDHSM | EXTERNAL_KEY_STORE",
    multi_region: "bool: a multi-Region key",
    is_replica: "bool: a multi-Region replica key",
    creation_date: "timestamp?: when the key was created",
    deletion_date: "timestamp?: when a key pending deletion will be deleted",
    tags: "map<string, string>: tag key to value",
    is_signing_key: "bool: an asymmetric SIGN_VERIFY key",
    is_symmetric: "bool: key spec SYMMETRIC_DEFAULT",
    rotatable:
      "bool: KMS can rotate the key automatically (symmetric, AWS_KMS material, not a replica, not pending deletion)",
    rotation_enabled: "bool?: automatic rotation is on (null when the key is not rotatable)",
    rotation_period_days: "double?: the rotation period",
    next_rotation_date: "timestamp?: the next automatic rotation",
  },
  async fetch(ctx) {
    const kms = ctx.aws.client(KMSClient);
    const region = ctx.aws.region;
    const [keyPages, aliasPages] = await Promise.all([
      paginateAws((m) => kms.send(new ListKeysCommand(m ? { Marker: m } : {})), markerOf, "KMS:ListKeys"),
      paginateAws(
        (m) => kms.send(new ListAliasesCommand(m ? { Marker: m } : {})),
        markerOf,
        "KMS:ListAliases",
      ),
    ]);
    const aliases = new Map<string, string[]>();
    for (const a of aliasPages.flatMap((p) => p.Aliases ?? [])) {
      if (!a.TargetKeyId || !a.AliasName) continue;
      aliases.set(a.TargetKeyId, [...(aliases.get(a.TargetKeyId) ?? []), a.AliasName]);
    }
    const rows = await Promise.all(
      keyPages
        .flatMap((p) => p.Keys ?? [])
        .map(async (k): Promise<KeyRow | null> => {
          const KeyId = k.KeyId;
          if (!KeyId) throw new Error("ListKeys answered a key without KeyId");
          const meta = (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata;
          if (!meta) throw new Error(`DescribeKey ${KeyId} answered without KeyMetadata`);
          if (meta.KeyManager !== "CUSTOMER") return null;
          const state = meta.KeyState ?? "Unknown";
          const isReplica = meta.MultiRegionConfiguration?.MultiRegionKeyType === "REPLICA";
          const rotatable =
            meta.KeySpec === "SYMMETRIC_DEFAULT" &&
            meta.Origin === "AWS_KMS" &&
            !isReplica &&
            state !== "PendingDeletion" &&
            state !== "PendingReplicaDeletion";
          const [tagPages, rotation] = await Promise.all([
            paginateAws(
              (m) => kms.send(new ListResourceTagsCommand({ KeyId, ...(m ? { Marker: m } : {}) })),
              markerOf,
              "KMS:ListResourceTags",
            ),
            rotatable ? kms.send(new GetKeyRotationStatusCommand({ KeyId })) : Promise.resolve(null),
          ]);
          return {
            key_arn: meta.Arn ?? k.KeyArn ?? KeyId,
            key_id: KeyId,
            region,
            aliases: (aliases.get(KeyId) ?? []).sort(),
            description: meta.Description || null,
            key_state: state,
            enabled: meta.Enabled === true,
            key_usage: meta.KeyUsage ?? null,
            key_spec: meta.KeySpec ?? null,
            origin: meta.Origin ?? null,
            multi_region: meta.MultiRegion === true,
            is_replica: isReplica,
            creation_date: asDate(meta.CreationDate),
            deletion_date: asDate(meta.DeletionDate),
            tags: Object.fromEntries(
              tagPages.flatMap((p) => p.Tags ?? []).map((t) => [t.TagKey ?? "", t.TagValue ?? ""]),
            ),
            is_signing_key: meta.KeyUsage === "SIGN_VERIFY" && meta.KeySpec !== "SYMMETRIC_DEFAULT",
            is_symmetric: meta.KeySpec === "SYMMETRIC_DEFAULT",
            rotatable,
            rotation_enabled: rotation ? rotation.KeyRotationEnabled === true : null,
            rotation_period_days: rotation?.RotationPeriodInDays ?? null,
            next_rotation_date: asDate(rotation?.NextRotationDate),
          };
        }),
    );
    return rows
      .filter((r): r is KeyRow => r !== null)
      .sort((a, b) => a.key_arn.localeCompare(b.key_arn)) as unknown as Row[];
  },
});
