import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  FilterPatternSyntaxError,
  FilterPatternUnsupported,
  matchesFilterPattern,
  parseFilterPattern,
} from "../../src/queries/aws/logs/filter-pattern.js";
import { sampleCloudTrailEvent } from "../../src/queries/aws/logs/sample-events.js";

const ev = (source: string, name: string) =>
  sampleCloudTrailEvent(source, name, { account: "111122223333", region: "eu-west-1" });

/** The filter patterns CIS AWS Foundations v3.0 / v5.0 section 4 gives, keyed by our control's slug. */
const CIS_PATTERNS: Record<string, string> = {
  "iam-policy-changes":
    "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}",
  "cloudtrail-config-changes":
    "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
  "s3-bucket-policy-changes":
    "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
  "config-changes":
    "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel) ||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
  "security-group-changes":
    "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
  "nacl-changes":
    "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
  "network-gateway-changes":
    "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }",
  "route-table-changes":
    "{($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }",
  "vpc-changes":
    "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
  "organizations-changes":
    '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }',
};

describe("CIS metric-filter patterns match a sample CloudTrail record of every event the control requires", () => {
  for (const [slug, pattern] of Object.entries(CIS_PATTERNS)) {
    const def = parse(readFileSync(join("controls", "change-management", `aws-alarm-${slug}.yaml`), "utf8"));
    const source: string = def.query_params.event_source;
    const names: string[] = def.query_params.event_names;
    it(`${slug}: all ${names.length} ${source} events match; a read-only event and another source's do not`, () => {
      const parsed = parseFilterPattern(pattern);
      for (const n of names)
        expect({ n, match: matchesFilterPattern(parsed, ev(source, n)) }).toEqual({ n, match: true });
      expect(matchesFilterPattern(parsed, ev(source, "DescribeSomething"))).toBe(false);
      if (pattern.includes("$.eventSource")) {
        expect(matchesFilterPattern(parsed, ev("other.amazonaws.com", names[0]!))).toBe(false);
      }
    });
  }
});

describe("JSON filter-pattern semantics", () => {
  const e = {
    eventName: "ConsoleLogin",
    errorCode: "AccessDenied",
    bytes: 1200,
    readOnly: false,
    nothing: null,
    userIdentity: { type: "Root", sessionContext: { attributes: { mfaAuthenticated: "false" } } },
    resources: [{ ARN: "arn:aws:s3:::a" }, { ARN: "arn:aws:s3:::b" }],
    additionalEventData: { MFAUsed: "No" },
  };
  const m = (p: string) => matchesFilterPattern(p, e);

  it("compares strings exactly and case-sensitively, quoted or not", () => {
    expect(m("{ $.eventName = ConsoleLogin }")).toBe(true);
    expect(m('{ $.eventName = "ConsoleLogin" }')).toBe(true);
    expect(m("{ $.eventName = consolelogin }")).toBe(false);
    expect(m("{ $.eventName = Console }")).toBe(false);
  });

  it("supports * wildcards anywhere in a value", () => {
    expect(m('{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }')).toBe(true);
    expect(m("{ $.eventName = *Log* }")).toBe(true);
    expect(m("{ $.eventName = Log* }")).toBe(false);
  });

  it("follows nested properties and array indexes; [*] matches any element", () => {
    expect(m('{ $.userIdentity.sessionContext.attributes.mfaAuthenticated != "true" }')).toBe(true);
    expect(m('{ $.resources[1].ARN = "arn:aws:s3:::b" }')).toBe(true);
    expect(m('{ $.resources[0].ARN = "arn:aws:s3:::b" }')).toBe(false);
    expect(m('{ $.resources[*].ARN = "arn:aws:s3:::b" }')).toBe(true);
  });

  it("is false for a comparison on an absent field, != included", () => {
    expect(m('{ $.missing != "x" }')).toBe(false);
    expect(m('{ $.missing = "x" }')).toBe(false);
    expect(m("{ $.missing NOT EXISTS }")).toBe(true);
    expect(m("{ $.eventName NOT EXISTS }")).toBe(false);
    expect(m("{ $.eventName EXISTS }")).toBe(true);
  });

  it("handles IS TRUE / FALSE / NULL and numeric comparisons", () => {
    expect(m("{ $.readOnly IS FALSE }")).toBe(true);
    expect(m("{ $.readOnly IS TRUE }")).toBe(false);
    expect(m("{ $.nothing IS NULL }")).toBe(true);
    expect(m("{ $.bytes > 1000 }")).toBe(true);
    expect(m("{ $.bytes <= 1000 }")).toBe(false);
    expect(m("{ $.bytes = 1200 }")).toBe(true);
  });

  it("gives && precedence over || and honours parentheses", () => {
    expect(m("{ $.eventName = X || $.eventName = ConsoleLogin && $.errorCode = AccessDenied }")).toBe(true);
    expect(m("{ ($.eventName = X || $.eventName = ConsoleLogin) && $.errorCode = Nope }")).toBe(false);
    expect(
      m(
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "Root") }',
      ),
    ).toBe(true);
  });

  it("supports %regex% values as an unanchored search", () => {
    expect(m("{ $.eventName = %Login% }")).toBe(true);
    expect(m("{ $.eventName = %^Login% }")).toBe(false);
    expect(m("{ $.eventName != %Logout% }")).toBe(true);
  });

  it("rejects malformed patterns and refuses space-delimited ones", () => {
    expect(() => parseFilterPattern("{ $.eventName = CreateTrail ")).toThrow(FilterPatternSyntaxError);
    expect(() => parseFilterPattern("{ eventName = CreateTrail }")).toThrow(FilterPatternSyntaxError);
    expect(() => parseFilterPattern('{ $.eventName = "unterminated }')).toThrow(FilterPatternSyntaxError);
    expect(() => parseFilterPattern("{ $.eventName > CreateTrail }")).toThrow(/needs a number/);
    expect(() => parseFilterPattern("[ip, user, ...]")).toThrow(FilterPatternUnsupported);
  });
});

describe("text filter patterns", () => {
  const event = ev("cloudtrail.amazonaws.com", "StopLogging");
  it("the empty pattern matches every event", () => {
    expect(matchesFilterPattern("", event)).toBe(true);
  });
  it("terms must all appear; ?terms are alternatives; -terms exclude", () => {
    expect(matchesFilterPattern("StopLogging cloudtrail.amazonaws.com", event)).toBe(true);
    expect(matchesFilterPattern('"StopLogging" DeleteTrail', event)).toBe(false);
    expect(matchesFilterPattern("?DeleteTrail ?StopLogging", event)).toBe(true);
    expect(matchesFilterPattern("StopLogging -AssumedRole", event)).toBe(false);
    expect(matchesFilterPattern("%Stop[A-Z]ogging%", event)).toBe(true);
  });
});
