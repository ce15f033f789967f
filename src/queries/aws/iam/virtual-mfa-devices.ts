/**
 * aws.iam.virtualMfaDevices — one row per virtual MFA device of the account, assigned or not
 * (ListVirtualMFADevices, every page). The root user's device is the one whose User.Arn is the account's
 * `…:root` ARN.
 */
import { IAMClient, ListVirtualMFADevicesCommand, type VirtualMFADevice } from "@aws-sdk/client-iam";
import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { asDate } from "../normalise.js";

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
    const devices: VirtualMFADevice[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const out = await iam.send(new ListVirtualMFADevicesCommand(marker ? { Marker: marker } : {}));
      if (!out.VirtualMFADevices) throw new Error("ListVirtualMFADevices answered without VirtualMFADevices");
      devices.push(...out.VirtualMFADevices);
      if (out.IsTruncated && (!out.Marker || out.Marker === marker)) {
        throw new Error("ListVirtualMFADevices: IsTruncated without a new Marker");
      }
      marker = out.IsTruncated ? out.Marker : undefined;
      if (++pages > MAX_PAGES) throw new Error(`ListVirtualMFADevices: more than ${MAX_PAGES} pages`);
    } while (marker);
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
