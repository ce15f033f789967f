/**
 * Named CloudTrail scenarios for the CIS monitoring alarms that are not "someone called API X": an
 * unauthorized call, a console sign-in without MFA, root activity, a failed console sign-in. Each scenario is
 * one or more sample records in the shape CloudTrail writes them to CloudWatch Logs (record format 1.08+, as
 * in the CloudTrail User Guide's examples of sign-in and error events); a metric filter covers a scenario when
 * its pattern matches every record of it. Controls name scenarios in `query_params.scenarios`.
 */
import { type SampleEventOptions, sampleCloudTrailEvent } from "./sample-events.js";

type Record_ = Record<string, unknown>;

function iamUser(account: string, name: string): Record_ {
  return {
    type: "IAMUser",
    principalId: "AIDAEXAMPLEUSERID0001",
    arn: `arn:aws:iam::${account}:user/${name}`,
    accountId: account,
    userName: name,
  };
}

function root(account: string): Record_ {
  return {
    type: "Root",
    principalId: account,
    arn: `arn:aws:iam::${account}:root`,
    accountId: account,
    accessKeyId: "",
  };
}

function consoleLogin(o: SampleEventOptions, identity: Record_, extra: Record_): Record_ {
  const time = o.time ?? "2026-01-01T00:00:00Z";
  return {
    eventVersion: "1.09",
    userIdentity: identity,
    eventTime: time,
    eventSource: "signin.amazonaws.com",
    eventName: "ConsoleLogin",
    awsRegion: "us-east-1",
    sourceIPAddress: "203.0.113.10",
    userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    requestParameters: null,
    eventID: "00000000-0000-4000-8000-000000000002",
    readOnly: false,
    eventType: "AwsConsoleSignIn",
    managementEvent: true,
    recipientAccountId: o.account,
    eventCategory: "Management",
    tlsDetails: {
      tlsVersion: "TLSv1.3",
      cipherSuite: "TLS_AES_128_GCM_SHA256",
      clientProvidedHostHeader: "signin.aws.amazon.com",
    },
    ...extra,
  };
}

const LOGIN_TO = "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true";

/** The sample records of each scenario, by name. */
export const SCENARIOS: Record<string, (o: SampleEventOptions) => Record_[]> = {
  /** CIS 4.1: calls refused by IAM, in both error-code forms (EC2's and everyone else's). */
  "unauthorized-api-call": (o) => [
    {
      ...sampleCloudTrailEvent("ec2.amazonaws.com", "DescribeInstances", o),
      readOnly: true,
      errorCode: "Client.UnauthorizedOperation",
      errorMessage: "You are not authorized to perform this operation.",
    },
    {
      ...sampleCloudTrailEvent("s3.amazonaws.com", "GetBucketPolicy", o),
      readOnly: true,
      errorCode: "AccessDenied",
      errorMessage: "Access Denied",
    },
  ],
  /** CIS 4.2: an IAM user's successful console sign-in without MFA. */
  "console-login-without-mfa": (o) => [
    consoleLogin(o, iamUser(o.account, "change-sample"), {
      responseElements: { ConsoleLogin: "Success" },
      additionalEventData: { LoginTo: LOGIN_TO, MobileVersion: "No", MFAUsed: "No" },
    }),
  ],
  /** CIS 4.3: the root user signing in to the console and calling an API. */
  "root-activity": (o) => [
    consoleLogin(o, root(o.account), {
      responseElements: { ConsoleLogin: "Success" },
      additionalEventData: { LoginTo: LOGIN_TO, MobileVersion: "No", MFAUsed: "Yes" },
    }),
    {
      ...sampleCloudTrailEvent("iam.amazonaws.com", "CreateAccessKey", o),
      userIdentity: { ...root(o.account), accessKeyId: "ASIAEXAMPLEROOTKEY01" },
    },
  ],
  /** CIS 4.6: a console sign-in that failed authentication. */
  "console-login-failure": (o) => [
    consoleLogin(
      o,
      {
        type: "IAMUser",
        principalId: "AIDAEXAMPLEUSERID0001",
        accountId: o.account,
        accessKeyId: "",
        userName: "change-sample",
      },
      {
        errorMessage: "Failed authentication",
        responseElements: { ConsoleLogin: "Failure" },
        additionalEventData: { LoginTo: LOGIN_TO, MobileVersion: "No", MFAUsed: "No" },
      },
    ),
  ],
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS);
