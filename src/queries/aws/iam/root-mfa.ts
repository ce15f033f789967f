/**
 * aws.iam.rootMfa — one row per account: does the root user have MFA, and is it a virtual device?
 * AccountMFAEnabled (GetAccountSummary) says whether root has any MFA; a virtual MFA device assigned to the
 * root ARN (ListVirtualMFADevices) means it is not a hardware device (hardware TOTP tokens and FIDO security
 * keys do not appear in that list). Derived from aws.iam.accountSummary and aws.iam.virtualMfaDevices.
 */
import { defineAwsQuery } from "../../../providers/aws/context.js";

export const rootMfa = defineAwsQuery({
  id: "aws.iam.rootMfa",
  scope: "account",
  title: "Root user MFA: enabled, and whether the device is virtual or hardware",
  permissions: ["iam:GetAccountSummary", "iam:ListVirtualMFADevices"],
  calls: ["IAM:GetAccountSummary", "IAM:ListVirtualMFADevices"],
  uses: ["aws.iam.accountSummary", "aws.iam.virtualMfaDevices"],
  fields: {
    account_arn: "string: arn:<partition>:iam::<account>:root",
    mfa_enabled: "bool: AccountMFAEnabled",
    virtual_mfa_serials: "list<string>: serial numbers of virtual MFA devices assigned to the root user",
    hardware_mfa: "bool: MFA enabled and no virtual device assigned to root",
  },
  async fetch(ctx) {
    const [summary, devices] = await Promise.all([
      ctx.query("aws.iam.accountSummary"),
      ctx.query("aws.iam.virtualMfaDevices"),
    ]);
    const s = summary[0];
    if (!s || summary.length !== 1) throw new Error("aws.iam.accountSummary did not return exactly one row");
    const virtual = devices.filter((d) => d.is_root === true).map((d) => String(d.serial_number));
    const enabled = s.account_mfa_enabled === true;
    return [
      {
        account_arn: s.account_arn,
        mfa_enabled: enabled,
        virtual_mfa_serials: virtual,
        hardware_mfa: enabled && virtual.length === 0,
      },
    ];
  },
});
