/**
 * aws.securityhub.hub — one row per region: whether the account is subscribed to Security Hub there
 * (DescribeHub). Not subscribed is answered as InvalidAccessException "… is not subscribed to AWS Security
 * Hub": a finding (enabled = false), not an error. Any other refusal (AccessDeniedException, another
 * InvalidAccessException) is an error for that region.
 */

import { defineAwsQuery } from "../../../providers/aws/context.js";
import { isAwsError } from "../../../providers/aws/errors.js";
import { DescribeHubCommand, SecurityHubClient } from "../../../providers/aws/sdk/client-securityhub.js";
import { asDate } from "../normalise.js";

function notSubscribed(e: unknown): boolean {
  return (
    isAwsError(e, "InvalidAccessException") && /not subscribed/i.test(String((e as Error).message ?? ""))
  );
}

export const securityHub = defineAwsQuery({
  id: "aws.securityhub.hub",
  scope: "region",
  title: "Security Hub subscription, one row per region",
  permissions: ["securityhub:DescribeHub"],
  calls: ["SecurityHub:DescribeHub"],
  fields: {
    region_arn: "string: arn:<partition>:securityhub:<region>:<account>:hub/default (the region tested)",
    region: "string: the region",
    enabled: "bool: the account is subscribed to Security Hub in this region",
    hub_arn: "string?: the hub's ARN when enabled",
    subscribed_at: "timestamp?: when the account subscribed",
    auto_enable_controls: "bool?: new controls of enabled standards are enabled automatically",
    control_finding_generator: "string?: SECURITY_CONTROL (consolidated) | STANDARD_CONTROL",
  },
  async fetch(ctx) {
    const region_arn = `arn:${ctx.aws.partition}:securityhub:${ctx.aws.region}:${ctx.aws.accountId}:hub/default`;
    const hub = await ctx.aws
      .client(SecurityHubClient)
      .send(new DescribeHubCommand({}))
      .catch((e) => {
        if (notSubscribed(e)) return null;
        throw e;
      });
    if (hub && !hub.HubArn) throw new Error("DescribeHub answered without a HubArn");
    return [
      {
        region_arn,
        region: ctx.aws.region,
        enabled: hub !== null,
        hub_arn: hub?.HubArn ?? null,
        subscribed_at: asDate(hub?.SubscribedAt),
        auto_enable_controls: hub?.AutoEnableControls ?? null,
        control_finding_generator: hub?.ControlFindingGenerator ?? null,
      },
    ];
  },
});
