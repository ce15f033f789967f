/**
 * aws.guardduty.detectors — one row per region: whether GuardDuty has an ENABLED detector there
 * (ListDetectors, every page; GetDetector), and who administers it: the administrator account this
 * detector's account is a member of (GetAdministratorAccount), or whether this account is itself an
 * administrator with associated members (ListMembers OnlyAssociated, every page). A region with no detector
 * still yields a row, so "every region" controls see the gap. A region can have at most one detector.
 */

import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  GetAdministratorAccountCommand,
  GetDetectorCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  ListMembersCommand,
} from "../../../providers/aws/sdk/client-guardduty.js";
import { asDate } from "../normalise.js";
import { paginateAws } from "../paginate.js";

export const guardDutyDetectors = defineAwsQuery({
  id: "aws.guardduty.detectors",
  scope: "region",
  title: "GuardDuty detectors, one row per region, with their administrator account",
  permissions: [
    "guardduty:ListDetectors",
    "guardduty:GetDetector",
    "guardduty:GetAdministratorAccount",
    "guardduty:ListMembers",
  ],
  calls: [
    "GuardDuty:ListDetectors",
    "GuardDuty:GetDetector",
    "GuardDuty:GetAdministratorAccount",
    "GuardDuty:ListMembers",
  ],
  fields: {
    region_arn: "string: arn:<partition>:guardduty:<region>:<account>:detector (the region tested)",
    region: "string: the region",
    detector_id: "string?: the region's detector, null when there is none",
    status: "string?: ENABLED | DISABLED, null without a detector",
    enabled: "bool: a detector exists and its status is ENABLED",
    created_at: "timestamp?: when the detector was created",
    finding_publishing_frequency: "string?: FIFTEEN_MINUTES | ONE_HOUR | SIX_HOURS",
    administrator_account_id: "string?: the GuardDuty administrator account this account is a member of",
    administrator_relationship: "string?: the membership's RelationshipStatus (Enabled, Invited, Removed …)",
    is_administrator: "bool: this account administers associated member accounts in this region",
    centrally_administered:
      "bool: this account is an administrator, or a member whose relationship with its administrator is Enabled",
  },
  async fetch(ctx) {
    const gd = ctx.aws.client(GuardDutyClient);
    const ids = (
      await paginateAws(
        (token) => gd.send(new ListDetectorsCommand(token ? { NextToken: token } : {})),
        (page) => page.NextToken,
        "GuardDuty:ListDetectors",
      )
    ).flatMap((p) => p.DetectorIds ?? []);
    const base = {
      region_arn: `arn:${ctx.aws.partition}:guardduty:${ctx.aws.region}:${ctx.aws.accountId}:detector`,
      region: ctx.aws.region,
    };
    const id = ids[0];
    if (!id) {
      return [
        {
          ...base,
          detector_id: null,
          status: null,
          enabled: false,
          created_at: null,
          finding_publishing_frequency: null,
          administrator_account_id: null,
          administrator_relationship: null,
          is_administrator: false,
          centrally_administered: false,
        },
      ];
    }
    const [detector, admin, members] = await Promise.all([
      gd.send(new GetDetectorCommand({ DetectorId: id })),
      gd.send(new GetAdministratorAccountCommand({ DetectorId: id })),
      // Every page: a page may be empty while more follow, and an empty answer would read "no members".
      paginateAws(
        (t) => gd.send(new ListMembersCommand({ DetectorId: id, OnlyAssociated: "true", NextToken: t })),
        (p) => p.NextToken,
        "GuardDuty:ListMembers",
      ).then((pages) => ({ Members: pages.flatMap((p) => p.Members ?? []) })),
    ]);
    if (!detector.Status) throw new Error(`GetDetector ${id} answered without a Status`);
    const relationship = admin.Administrator?.RelationshipStatus ?? null;
    const isAdministrator = (members.Members ?? []).length > 0;
    return [
      {
        ...base,
        detector_id: id,
        status: detector.Status,
        enabled: detector.Status === "ENABLED",
        created_at: asDate(detector.CreatedAt),
        finding_publishing_frequency: detector.FindingPublishingFrequency ?? null,
        administrator_account_id: admin.Administrator?.AccountId ?? null,
        administrator_relationship: relationship,
        is_administrator: isAdministrator,
        centrally_administered: isAdministrator || relationship === "Enabled",
      },
    ];
  },
});
