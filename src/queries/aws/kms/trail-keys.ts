/**
 * aws.kms.trailKeys — one row per trail applying to the account, with the KMS key that encrypts its log files
 * (the trail's KmsKeyId, a key ARN): DescribeKey and, for a customer managed symmetric key with AWS_KMS key
 * material, GetKeyRotationStatus — both asked in the key's region, by ARN (so a key in another account is
 * asked for by its full ARN, as KMS requires). A key this account may not describe makes the query fail with
 * the key named; a trail without a key gets a row with encrypted = false.
 */

import { errorMessage } from "../../../core/errors.js";
import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  DescribeKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
} from "../../../providers/aws/sdk/client-kms.js";
import { readEach } from "../../items.js";
import { trailConfigurations } from "../cloudtrail/trails.js";

export const trailKeys = defineAwsQuery({
  id: "aws.kms.trailKeys",
  scope: "account",
  title: "CloudTrail trails with the KMS key encrypting their log files and its rotation",
  permissions: ["kms:DescribeKey", "kms:GetKeyRotationStatus"],
  calls: ["KMS:DescribeKey", "KMS:GetKeyRotationStatus"],
  uses: ["aws.cloudtrail.trails"],
  fields: {
    trail_arn: "string: trail ARN",
    trail_name: "string: trail name",
    encrypted: "bool: the trail has a KMS key (SSE-KMS)",
    key_arn: "string?: the key's ARN; null when not encrypted",
    key_manager: "string?: CUSTOMER | AWS | null",
    key_state: "string?: Enabled | Disabled | PendingDeletion | … | null",
    key_spec: "string?: SYMMETRIC_DEFAULT | … | null",
    key_origin: "string?: AWS_KMS | EXTERNAL | AWS_CLOUDHSM | EXTERNAL_KEY_STORE | null",
    rotation_enabled: "bool: automatic rotation is on (false when the key cannot rotate)",
    rotation_period_days: "double?: days between automatic rotations; null when rotation is off",
  },
  async fetch(ctx) {
    const { trails, problems } = await trailConfigurations(ctx);
    const keys = new Map<string, Promise<Omit<Row, "trail_arn" | "trail_name" | "encrypted">>>();
    const describe = (keyArn: string) => {
      let p = keys.get(keyArn);
      if (!p) {
        p = (async () => {
          const region = keyArn.split(":")[3] || ctx.aws.homeRegion;
          const kms = ctx.aws.client(KMSClient, region);
          const fail =
            (op: string) =>
            (e: unknown): never => {
              const name = (e as { name?: string }).name ?? "Error";
              throw new Error(`${op} on trail key ${keyArn} failed: ${name}: ${errorMessage(e)}`);
            };
          const meta = (await kms.send(new DescribeKeyCommand({ KeyId: keyArn })).catch(fail("DescribeKey")))
            .KeyMetadata;
          if (!meta) throw new Error(`DescribeKey on ${keyArn} returned no KeyMetadata`);
          const rotatable =
            meta.KeyManager === "CUSTOMER" &&
            meta.KeySpec === "SYMMETRIC_DEFAULT" &&
            meta.Origin === "AWS_KMS" &&
            meta.KeyState !== "PendingDeletion" &&
            meta.KeyState !== "PendingReplicaDeletion";
          const rotation = rotatable
            ? await kms
                .send(new GetKeyRotationStatusCommand({ KeyId: keyArn }))
                .catch(fail("GetKeyRotationStatus"))
            : null;
          return {
            key_arn: meta.Arn ?? keyArn,
            key_manager: meta.KeyManager ?? null,
            key_state: meta.KeyState ?? null,
            key_spec: meta.KeySpec ?? null,
            key_origin: meta.Origin ?? null,
            rotation_enabled: rotation?.KeyRotationEnabled === true,
            rotation_period_days: rotation?.RotationPeriodInDays ?? null,
          };
        })();
        keys.set(keyArn, p);
      }
      return p;
    };
    const read = await readEach(
      trails,
      async (t): Promise<Row> => {
        const base = { trail_arn: t.arn, trail_name: t.name };
        if (typeof t.kms_key_id !== "string" || t.kms_key_id === "") {
          return {
            ...base,
            encrypted: false,
            key_arn: null,
            key_manager: null,
            key_state: null,
            key_spec: null,
            key_origin: null,
            rotation_enabled: false,
            rotation_period_days: null,
          };
        }
        return { ...base, encrypted: true, ...(await describe(t.kms_key_id)) };
      },
      // The key of one trail could not be described: that trail is an error finding, the others stand.
      (t) => ({ trail_arn: t.arn, trail_name: t.name, encrypted: true, key_arn: t.kms_key_id }),
    );
    return { rows: read.rows, problems: [...problems, ...read.problems] };
  },
});
