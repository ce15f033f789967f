/**
 * Sample CloudTrail records, in the shape CloudTrail writes to CloudWatch Logs (one JSON record per log
 * event, CloudTrail record format 1.08+), used to prove that a metric filter's pattern matches the events
 * it is meant to count. Each sample is a successful management write call by an IAM role session.
 */

export interface SampleEventOptions {
  account: string;
  region: string;
  /** The event time written into the record (ISO 8601); defaults to a fixed instant. */
  time?: string;
}

export function sampleCloudTrailEvent(
  eventSource: string,
  eventName: string,
  o: SampleEventOptions,
): Record<string, unknown> {
  const global = ["iam.amazonaws.com", "organizations.amazonaws.com", "sts.amazonaws.com"].includes(
    eventSource,
  );
  const time = o.time ?? "2026-01-01T00:00:00Z";
  return {
    eventVersion: "1.09",
    userIdentity: {
      type: "AssumedRole",
      principalId: "AROAEXAMPLEROLEID:change-sample",
      arn: `arn:aws:sts::${o.account}:assumed-role/Administrator/change-sample`,
      accountId: o.account,
      accessKeyId: "ASIAEXAMPLEACCESSKEY",
      sessionContext: {
        sessionIssuer: {
          type: "Role",
          principalId: "AROAEXAMPLEROLEID",
          arn: `arn:aws:iam::${o.account}:role/Administrator`,
          accountId: o.account,
          userName: "Administrator",
        },
        attributes: { creationDate: time, mfaAuthenticated: "true" },
      },
    },
    eventTime: time,
    eventSource,
    eventName,
    awsRegion: global ? "us-east-1" : o.region,
    sourceIPAddress: "203.0.113.10",
    userAgent: "aws-cli/2.17.0 md/command#sample",
    requestParameters: {},
    responseElements: null,
    requestID: "00000000-0000-4000-8000-000000000000",
    eventID: "00000000-0000-4000-8000-000000000001",
    readOnly: false,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: o.account,
    eventCategory: "Management",
  };
}
