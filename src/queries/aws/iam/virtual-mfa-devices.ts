/**
 * aws.iam.virtualMfaDevices — one row per virtual MFA device of the account, assigned or not
 * (ListVirtualMFADevices, every page). The root user's device is the one whose User.Arn is the account's
 * `…:root` ARN.
 */
import type { VirtualMFADevice } from "@aws-sdk/client-iam";
import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { IAMClient, ListVirtualMFADevicesCommand } from "../../../providers/aws/sdk/client-iam.js";
import { asDate } from "../normalise.js";
import { paginateAws } from "../paginate.js";

const MAX_PAGES = 1_000;

export const virtualMfaDevices = defineAwsQuery({
  id: "aws.iam.virtualMfaDevices",
  scope: "account",
  title: "IAM virtual MFA devices (ListVirtualMFADevices, every page)",
  permissions: ["iam:ListVirtualMFADevices"],
  calls: ["IAM:ListVirtualMFADevices"],
  fields: {
    serial_number: "string?: device ARN (arn:<partition>:iam::<account>:mfa/<name>)",
    user_arn: "string?: ARN of the user it is assigned to, or null",
    user_name: "string?: user name, or null when unassigned",
    is_root: "bool: assigned to the root user",
    enable_date: "timestamp?: when it was assigned; null when unassigned",
  },
  async fetch(ctx) {
    const iam = ctx.aws.client(IAMClient, ctx.aws.homeRegion);
    const pages = await paginateAws(
      (marker) => iam.send(new ListVirtualMFADevicesCommand(marker ? { Marker: marker } : {})),
      (out) => {
        if (!out.IsTruncated) return undefined;
        if (!out.Marker) throw new Error("IAM:ListVirtualMFADevices: IsTruncated without a Marker");
        return out.Marker;
      },
      "IAM:ListVirtualMFADevices",
      MAX_PAGES,
    );
    const devices: VirtualMFADevice[] = pages.flatMap((out) => {
      if (!out.VirtualMFADevices) throw new Error("ListVirtualMFADevices answered without VirtualMFADevices");
      return out.VirtualMFADevices;
    });
    const root = `arn:${ctx.aws.partition}:iam::${ctx.aws.accountId}:root`;
    return devices.map(
      (d): Row => ({
        serial_number: d.SerialNumber ?? null,
        user_arn: d.User?.Arn ?? null,
        user_name: d.User?.UserName || null,
        is_root: d.User?.Arn === root,
        enable_date: asDate(d.EnableDate),
      }),
    );
  },
});
