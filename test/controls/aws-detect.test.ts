/**
 * The AWS detective pack: the CIS monitoring alarms not covered by the change-management pack, log-archive
 * buckets, organization trail coverage, GuardDuty, Security Hub and EKS. For every control a passing, a
 * failing and an error case, each a small recording in the real API shapes replayed through the engine,
 * asserting the status and the exact resources flagged.
 */
import { describe, expect, it } from "vitest";
import { flagged, resultOf } from "../support/recording.js";
import { alarmSetup } from "./aws-detect-support.js";
import { ROOT_ARN, run } from "./aws-logging-support.js";

describe("CIS v5.0 4.1 / 4.2 / 4.3 / 4.6 / 4.7 alarms", () => {
  // The patterns CIS AWS Foundations v5.0 gives in its remediation, and a near miss for each.
  const CASES: { id: string; cis: string; miss: string; missing: string[] }[] = [
    {
      id: "logging.aws-alarm-unauthorized-api-calls",
      cis: '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
      // misses EC2's Client.UnauthorizedOperation
      miss: '{ $.errorCode = "AccessDenied*" }',
      missing: ["unauthorized-api-call"],
    },
    {
      id: "logging.aws-alarm-console-signin-without-mfa",
      cis: '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
      // counts the sign-ins WITH MFA
      miss: '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "Yes") }',
      missing: ["console-login-without-mfa"],
    },
    {
      id: "logging.aws-alarm-root-usage",
      cis: '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
      // only root console sign-ins: API calls with root keys go unnoticed
      miss: '{ ($.userIdentity.type = "Root") && ($.eventName = "ConsoleLogin") }',
      missing: ["root-activity"],
    },
    {
      id: "logging.aws-alarm-console-auth-failures",
      cis: '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
      miss: '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed") }',
      missing: ["console-login-failure"],
    },
    {
      id: "logging.aws-alarm-cmk-disable-or-deletion",
      cis: "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
      miss: "{ ($.eventSource = kms.amazonaws.com) && ($.eventName = DisableKey) }",
      missing: ["ScheduleKeyDeletion"],
    },
  ];
  for (const c of CASES) {
    describe(c.id, () => {
      it("passes with the CIS filter and an alarm notifying an SNS topic", async () => {
        const out = await run([c.id], alarmSetup({ pattern: c.cis }));
        expect(resultOf(out, c.id).status).toBe("pass");
        expect(resultOf(out, c.id).items[0]?.missing_events).toEqual([]);
      });
      it("fails on a filter that misses what it must count, and on an alarm without an action", async () => {
        const out = await run([c.id], alarmSetup({ pattern: c.miss }));
        expect(flagged(out, c.id)).toEqual([ROOT_ARN]);
        expect(resultOf(out, c.id).items[0]?.missing_events).toEqual(c.missing);
        const silent = await run([c.id], alarmSetup({ pattern: c.cis, actions: [] }));
        expect(flagged(silent, c.id)).toEqual([ROOT_ARN]);
      });
      it("errors when the metric filters cannot be read", async () => {
        const out = await run([c.id], alarmSetup({ pattern: c.cis, filtersDenied: true }));
        expect(resultOf(out, c.id).status).toBe("error");
        expect(resultOf(out, c.id).reason).toMatch(/AccessDeniedException/);
      });
    });
  }
});
