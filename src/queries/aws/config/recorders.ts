/**
 * aws.config.recorders — one row per region: the customer-managed AWS Config recorder there (if any), whether
 * it is recording, what it records, and whether a delivery channel exists. A region with no recorder yields
 * a row with has_recorder = false, so "every region" controls see the gap. Service-linked recorders (those
 * with a servicePrincipal, created by another AWS service for its own needs) record only what that service
 * asks for; they are listed in service_linked_recorders but never count as the region's recorder.
 */

import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  ConfigServiceClient,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
  DescribeDeliveryChannelsCommand,
} from "../../../providers/aws/sdk/client-config-service.js";
import { asDate } from "../normalise.js";

export const configRecorders = defineAwsQuery({
  id: "aws.config.recorders",
  scope: "region",
  title: "AWS Config recorder and delivery channel, one row per region",
  permissions: [
    "config:DescribeConfigurationRecorders",
    "config:DescribeConfigurationRecorderStatus",
    "config:DescribeDeliveryChannels",
  ],
  calls: [
    "ConfigService:DescribeConfigurationRecorders",
    "ConfigService:DescribeConfigurationRecorderStatus",
    "ConfigService:DescribeDeliveryChannels",
  ],
  fields: {
    region_arn: "string: arn:<partition>:config:<region>:<account>:recorder (the resource tested)",
    region: "string: region",
    has_recorder: "bool: a configuration recorder exists",
    recorder_name: "string?: null when there is no recorder",
    recording: "bool: the recorder is on",
    last_status: "string?: SUCCESS | FAILURE | PENDING | null",
    all_supported: "bool: records all supported resource types",
    include_global_resource_types: "bool: records IAM and other global resource types",
    recording_strategy:
      "string?: ALL_SUPPORTED_RESOURCE_TYPES | INCLUSION_BY_RESOURCE_TYPES | EXCLUSION_BY_RESOURCE_TYPES | null",
    excluded_resource_types: "list<string>: resource types excluded",
    delivery_channels: "double: number of delivery channels",
    last_start_time: "timestamp?: when the recorder last started",
    last_error_code: "string?: the recorder's last error (e.g. AccessDeniedException)",
    service_linked_recorders: "list<string>: names of service-linked recorders in the region (not counted)",
  },
  async fetch(ctx) {
    const config = ctx.aws.client(ConfigServiceClient);
    const [recorders, statuses, channels] = await Promise.all([
      config.send(new DescribeConfigurationRecordersCommand({})),
      config.send(new DescribeConfigurationRecorderStatusCommand({})),
      config.send(new DescribeDeliveryChannelsCommand({})),
    ]);
    const region_arn = `arn:${ctx.aws.partition}:config:${ctx.aws.region}:${ctx.aws.accountId}:recorder`;
    const deliveryChannels = channels.DeliveryChannels?.length ?? 0;
    const all = recorders.ConfigurationRecorders ?? [];
    const list = all.filter((r) => !r.servicePrincipal);
    const service_linked_recorders = all.filter((r) => r.servicePrincipal).map((r) => r.name ?? "");
    if (list.length === 0) {
      return [
        {
          region_arn,
          region: ctx.aws.region,
          has_recorder: false,
          recorder_name: null,
          recording: false,
          last_status: null,
          all_supported: false,
          include_global_resource_types: false,
          recording_strategy: null,
          excluded_resource_types: [],
          delivery_channels: deliveryChannels,
          last_start_time: null,
          last_error_code: null,
          service_linked_recorders,
        },
      ];
    }
    return list.map((r) => {
      const status = statuses.ConfigurationRecordersStatus?.find((s) => s.name === r.name);
      const group = r.recordingGroup;
      return {
        region_arn,
        region: ctx.aws.region,
        has_recorder: true,
        recorder_name: r.name ?? null,
        recording: status?.recording ?? false,
        last_status: status?.lastStatus ?? null,
        all_supported: group?.allSupported ?? false,
        include_global_resource_types: group?.includeGlobalResourceTypes ?? false,
        recording_strategy: group?.recordingStrategy?.useOnly ?? null,
        excluded_resource_types: group?.exclusionByResourceTypes?.resourceTypes ?? [],
        delivery_channels: deliveryChannels,
        last_start_time: asDate(status?.lastStartTime),
        last_error_code: status?.lastErrorCode || null,
        service_linked_recorders,
      };
    });
  },
});
