/**
 * aws.iam.breakGlassReadiness — for every IAM user of the account, what a break-glass (emergency access)
 * account must show: MFA on a device that is not a virtual one (hardware TOTP token or FIDO security key),
 * no active access key, and a CloudWatch alarm with an action that fires when the user signs in.
 *
 * - Hardware MFA: the credential report says MFA is active, and no virtual MFA device is assigned to the user
 *   (ListVirtualMFADevices lists every virtual device; whatever else is active is a hardware device).
 * - Alarm on use: some metric filter on a log group written by a multi-region, logging trail (the chain of
 *   aws.cloudwatch.changeAlarms) matches a sample CloudTrail record of the user's console sign-in
 *   (evaluated with filter-pattern.ts, not compared as text), and its metric has an alarm with an action.
 *   As there, a trail delivering only to another account's log group makes the answer unknowable here: the
 *   query fails, saying so.
 * The control selects its users (params); this query has no opinion on who is break-glass.
 */
import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { matchesFilterPattern, parseFilterPattern } from "../logs/filter-pattern.js";

/** A console sign-in by an IAM user, as CloudTrail records it (eventSource signin.amazonaws.com). */
export function sampleSignIn(account: string, user: string, region: string): Record<string, unknown> {
  return {
    eventVersion: "1.09",
    userIdentity: {
      type: "IAMUser",
      principalId: "AIDAEXAMPLEBREAKGLASS",
      arn: `arn:aws:iam::${account}:user/${user}`,
      accountId: account,
      userName: user,
    },
    eventTime: "2026-01-01T00:00:00Z",
    eventSource: "signin.amazonaws.com",
    eventName: "ConsoleLogin",
    awsRegion: region,
    sourceIPAddress: "198.51.100.7",
    userAgent: "Mozilla/5.0",
    requestParameters: null,
    responseElements: { ConsoleLogin: "Success" },
    additionalEventData: {
      LoginTo: "https://console.aws.amazon.com/console/home",
      MobileVersion: "No",
      MFAUsed: "Yes",
    },
    eventID: "3a1b5f0e-0000-4000-8000-000000000001",
    readOnly: false,
    eventType: "AwsConsoleSignIn",
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: "Management",
  };
}

interface FilterReport {
  filter_name: string;
  filter_pattern: string;
  alarms_with_actions: string[];
}

export const breakGlassReadiness = defineAwsQuery({
  id: "aws.iam.breakGlassReadiness",
  scope: "account",
  title: "IAM users with hardware MFA, active access keys and whether their sign-in raises an alarm",
  permissions: [
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
    "iam:ListVirtualMFADevices",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:GetEventSelectors",
    "logs:DescribeMetricFilters",
    "cloudwatch:DescribeAlarms",
  ],
  calls: [],
  uses: ["aws.iam.credentialReport", "aws.iam.virtualMfaDevices", "aws.cloudwatch.changeAlarms"],
  fields: {
    user: "string: IAM user name",
    qualified_name: "string: `<account id>:<user name>`",
    arn: "string: user ARN",
    mfa_active: "bool: an MFA device is active",
    virtual_mfa: "bool: a virtual MFA device is assigned to the user",
    hardware_mfa: "bool: MFA is active and no virtual device is assigned (hardware TOTP or FIDO key)",
    active_access_keys: "double: number of active access keys",
    alarmed_on_use:
      "bool: a console sign-in by the user matches a metric filter whose metric has an alarm with an action",
    alarms: "list<string>: those alarms",
  },
  async fetch(ctx) {
    const [report, devices, signinAlarms] = await Promise.all([
      ctx.query("aws.iam.credentialReport"),
      ctx.query("aws.iam.virtualMfaDevices"),
      ctx.query("aws.cloudwatch.changeAlarms", {
        event_source: "signin.amazonaws.com",
        event_names: ["ConsoleLogin"],
      }),
    ]);
    const filters = (signinAlarms[0]?.filters ?? []) as FilterReport[];
    const parsed = filters
      .filter((f) => f.alarms_with_actions.length > 0)
      .flatMap((f) => {
        try {
          return [{ f, pattern: parseFilterPattern(f.filter_pattern) }];
        } catch {
          return [];
        }
      });
    const withVirtual = new Set(
      devices.map((d) => d.user_arn).filter((a): a is string => typeof a === "string"),
    );
    return report
      .filter((r) => r.is_root !== true)
      .map((r): Row => {
        const user = String(r.user);
        const arn = String(r.arn);
        const sample = sampleSignIn(ctx.aws.accountId, user, ctx.aws.homeRegion);
        const alarms = parsed
          .filter((p) => matchesFilterPattern(p.pattern, sample))
          .flatMap((p) => p.f.alarms_with_actions);
        const virtual = withVirtual.has(arn);
        return {
          user,
          qualified_name: `${ctx.aws.accountId}:${user}`,
          arn,
          mfa_active: r.mfa_active === true,
          virtual_mfa: virtual,
          hardware_mfa: r.mfa_active === true && !virtual,
          active_access_keys:
            (r.access_key_1_active === true ? 1 : 0) + (r.access_key_2_active === true ? 1 : 0),
          alarmed_on_use: alarms.length > 0,
          alarms: [...new Set(alarms)].sort(),
        };
      });
  },
});
