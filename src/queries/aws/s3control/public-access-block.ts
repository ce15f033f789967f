/**
 * aws.s3control.publicAccessBlock — the account-level S3 Block Public Access settings (S3 Control
 * GetPublicAccessBlock with the account id): one row per account. No configuration at all is
 * NoSuchPublicAccessBlockConfiguration: a row with configured = false (a finding, not an error).
 */

import { defineAwsQuery } from "../../../providers/aws/context.js";
import { isAwsError } from "../../../providers/aws/errors.js";
import {
  GetPublicAccessBlockCommand,
  S3ControlClient,
} from "../../../providers/aws/sdk/client-s3-control.js";

export const accountPublicAccessBlock = defineAwsQuery({
  id: "aws.s3control.publicAccessBlock",
  scope: "account",
  title: "Account-level S3 Block Public Access settings",
  permissions: ["s3:GetAccountPublicAccessBlock"],
  calls: ["S3Control:GetPublicAccessBlock"],
  fields: {
    account_arn: "string: arn:<partition>:iam::<account>:root (the row's identity)",
    configured: "bool: an account-level configuration exists",
    block_public_acls: "bool: BlockPublicAcls",
    ignore_public_acls: "bool: IgnorePublicAcls",
    block_public_policy: "bool: BlockPublicPolicy",
    restrict_public_buckets: "bool: RestrictPublicBuckets",
    all_blocked: "bool: all four settings are on",
  },
  async fetch(ctx) {
    const out = await ctx.aws
      .client(S3ControlClient, ctx.aws.homeRegion)
      .send(new GetPublicAccessBlockCommand({ AccountId: ctx.aws.accountId }))
      .then((o) => o.PublicAccessBlockConfiguration ?? null)
      .catch((e) => {
        if (isAwsError(e, "NoSuchPublicAccessBlockConfiguration")) return null;
        throw e;
      });
    const flags = {
      block_public_acls: out?.BlockPublicAcls === true,
      ignore_public_acls: out?.IgnorePublicAcls === true,
      block_public_policy: out?.BlockPublicPolicy === true,
      restrict_public_buckets: out?.RestrictPublicBuckets === true,
    };
    return [
      {
        account_arn: `arn:${ctx.aws.partition}:iam::${ctx.aws.accountId}:root`,
        configured: out !== null,
        ...flags,
        all_blocked: Object.values(flags).every(Boolean),
      },
    ];
  },
});
