/**
 * aws.iam.accountSummary — one row per account: IAM's GetAccountSummary (entity counts, quotas, and whether
 * the root user has MFA and access keys). Fail closed: a summary without AccountMFAEnabled fails the query.
 */

import { defineAwsQuery } from "../../../providers/aws/context.js";
import { GetAccountSummaryCommand, IAMClient } from "../../../providers/aws/sdk/client-iam.js";

export const accountSummary = defineAwsQuery({
  id: "aws.iam.accountSummary",
  scope: "account",
  title: "IAM account summary (GetAccountSummary), one row per account",
  permissions: ["iam:GetAccountSummary"],
  calls: ["IAM:GetAccountSummary"],
  fields: {
    account_arn: "string: arn:<partition>:iam::<account>:root",
    account_mfa_enabled: "bool: the root user has an MFA device (AccountMFAEnabled = 1)",
    account_access_keys_present: "bool: the root user has access keys (AccountAccessKeysPresent = 1)",
    users: "double?: number of IAM users (null when the summary omits it)",
    groups: "double?: number of IAM groups",
    roles: "double?: number of IAM roles",
    policies: "double?: number of customer managed policies",
    mfa_devices: "double?: number of MFA devices",
    mfa_devices_in_use: "double?: number of MFA devices assigned",
    summary: "map<string, double>: the raw SummaryMap",
  },
  async fetch(ctx) {
    const out = await ctx.aws.client(IAMClient, ctx.aws.homeRegion).send(new GetAccountSummaryCommand({}));
    const map = out.SummaryMap;
    if (!map || typeof map.AccountMFAEnabled !== "number") {
      throw new Error("GetAccountSummary answered without SummaryMap.AccountMFAEnabled");
    }
    const raw = map as Record<string, number | undefined>;
    const n = (k: string) => (typeof raw[k] === "number" ? raw[k] : null);
    return [
      {
        account_arn: `arn:${ctx.aws.partition}:iam::${ctx.aws.accountId}:root`,
        account_mfa_enabled: map.AccountMFAEnabled === 1,
        account_access_keys_present: map.AccountAccessKeysPresent === 1,
        users: n("Users"),
        groups: n("Groups"),
        roles: n("Roles"),
        policies: n("Policies"),
        mfa_devices: n("MFADevices"),
        mfa_devices_in_use: n("MFADevicesInUse"),
        summary: { ...map },
      },
    ];
  },
});
