/**
 * aws.iam.passwordPolicy — one row per account: the IAM account password policy.
 * GetAccountPasswordPolicy throws NoSuchEntity when no policy is set: that is a finding (exists = false),
 * not an error. Any other error (AccessDenied, …) fails the query.
 */

import { defineAwsQuery } from "../../../providers/aws/context.js";
import { isAwsError } from "../../../providers/aws/errors.js";
import { GetAccountPasswordPolicyCommand, IAMClient } from "../../../providers/aws/sdk/client-iam.js";

export const passwordPolicy = defineAwsQuery({
  id: "aws.iam.passwordPolicy",
  scope: "account",
  title: "IAM account password policy (one row per account; exists = false when none is set)",
  permissions: ["iam:GetAccountPasswordPolicy"],
  calls: ["IAM:GetAccountPasswordPolicy"],
  fields: {
    account_arn: "string: arn:<partition>:iam::<account>:root",
    exists: "bool: a password policy is set",
    minimum_password_length: "double?: null when no policy is set",
    require_symbols: "bool: symbols are required",
    require_numbers: "bool: numbers are required",
    require_uppercase_characters: "bool: upper-case letters are required",
    require_lowercase_characters: "bool: lower-case letters are required",
    allow_users_to_change_password: "bool: users may change their own password",
    expire_passwords: "bool: passwords expire",
    max_password_age: "double?: days; null when passwords do not expire",
    password_reuse_prevention: "double?: remembered passwords; null when not set",
    hard_expiry: "bool: an expired password needs an administrator reset",
  },
  async fetch(ctx) {
    const account_arn = `arn:${ctx.aws.partition}:iam::${ctx.aws.accountId}:root`;
    try {
      const out = await ctx.aws
        .client(IAMClient, ctx.aws.homeRegion)
        .send(new GetAccountPasswordPolicyCommand({}));
      const p = out.PasswordPolicy;
      if (!p) throw new Error("GetAccountPasswordPolicy answered without a PasswordPolicy");
      return [
        {
          account_arn,
          exists: true,
          minimum_password_length: p.MinimumPasswordLength ?? null,
          require_symbols: p.RequireSymbols ?? false,
          require_numbers: p.RequireNumbers ?? false,
          require_uppercase_characters: p.RequireUppercaseCharacters ?? false,
          require_lowercase_characters: p.RequireLowercaseCharacters ?? false,
          allow_users_to_change_password: p.AllowUsersToChangePassword ?? false,
          expire_passwords: p.ExpirePasswords ?? false,
          max_password_age: p.MaxPasswordAge ?? null,
          password_reuse_prevention: p.PasswordReusePrevention ?? null,
          hard_expiry: p.HardExpiry ?? false,
        },
      ];
    } catch (e) {
      if (!isAwsError(e, "NoSuchEntity")) throw e;
      return [
        {
          account_arn,
          exists: false,
          minimum_password_length: null,
          require_symbols: false,
          require_numbers: false,
          require_uppercase_characters: false,
          require_lowercase_characters: false,
          allow_users_to_change_password: false,
          expire_passwords: false,
          max_password_age: null,
          password_reuse_prevention: null,
          hard_expiry: false,
        },
      ];
    }
  },
});
