/**
 * aws.ec2.vpcFlowLogs — one row per VPC in the region (DescribeVpcs, every page) with the flow logs whose
 * resource is that VPC (DescribeFlowLogs, every page).
 */

import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  DescribeFlowLogsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "../../../providers/aws/sdk/client-ec2.js";
import { paginateAws } from "../paginate.js";

export const vpcFlowLogs = defineAwsQuery({
  id: "aws.ec2.vpcFlowLogs",
  scope: "region",
  title: "VPCs in the region and their flow logs",
  permissions: ["ec2:DescribeVpcs", "ec2:DescribeFlowLogs"],
  calls: ["EC2:DescribeVpcs", "EC2:DescribeFlowLogs"],
  fields: {
    vpc_arn: "string: arn:aws:ec2:<region>:<account>:vpc/<id>",
    vpc_id: "string?: the VPC id",
    region: "string: region",
    name: "string?: the Name tag, or null",
    is_default: "bool: the region's default VPC",
    state: "string?: pending | available",
    flow_logs:
      "list<map<string, string?>>: {id, status, traffic_type, destination_type, destination, deliver_status}",
    active_flow_logs: "double: flow logs with status ACTIVE",
    captured_traffic: "list<string>: traffic types (ALL, ACCEPT, REJECT) captured by ACTIVE flow logs",
    captures_rejected: "bool: an ACTIVE flow log captures REJECT or ALL traffic",
  },
  async fetch(ctx) {
    const ec2 = ctx.aws.client(EC2Client);
    const vpcs = (
      await paginateAws(
        (token) => ec2.send(new DescribeVpcsCommand(token ? { NextToken: token } : {})),
        (out) => out.NextToken,
        "EC2:DescribeVpcs",
      )
    ).flatMap((out) => out.Vpcs ?? []);
    const logs = (
      await paginateAws(
        (token) => ec2.send(new DescribeFlowLogsCommand(token ? { NextToken: token } : {})),
        (out) => out.NextToken,
        "EC2:DescribeFlowLogs",
      )
    ).flatMap((out) => out.FlowLogs ?? []);
    return vpcs.map((v) => {
      const mine = logs.filter((l) => l.ResourceId === v.VpcId);
      const active = mine.filter((l) => l.FlowLogStatus === "ACTIVE");
      const traffic = [...new Set(active.map((l) => l.TrafficType ?? ""))].filter(Boolean).sort();
      return {
        vpc_arn: `arn:${ctx.aws.partition}:ec2:${ctx.aws.region}:${v.OwnerId ?? ctx.aws.accountId}:vpc/${v.VpcId}`,
        vpc_id: v.VpcId ?? null,
        region: ctx.aws.region,
        name: v.Tags?.find((t) => t.Key === "Name")?.Value ?? null,
        is_default: v.IsDefault ?? false,
        state: v.State ?? null,
        flow_logs: mine.map((l) => ({
          id: l.FlowLogId ?? null,
          status: l.FlowLogStatus ?? null,
          traffic_type: l.TrafficType ?? null,
          destination_type: l.LogDestinationType ?? null,
          destination: l.LogDestination ?? l.LogGroupName ?? null,
          deliver_status: l.DeliverLogsStatus ?? null,
        })),
        active_flow_logs: active.length,
        captured_traffic: traffic,
        captures_rejected: traffic.includes("ALL") || traffic.includes("REJECT"),
      };
    });
  },
});
