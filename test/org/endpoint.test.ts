/**
 * The same `run` command against a live-shaped endpoint: AWS_ENDPOINT_URL points the real SDK clients at a
 * tiny local HTTP server that answers STS and IAM in their real (query protocol, XML) wire format, with fake
 * static credentials from the environment. Nothing is replayed: this is live mode end to end.
 */
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliAsync, liveAwsEnv } from "../support/cli.js";

const ACCOUNT = "123456789012";
const HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";
const t = "2026-01-10T08:00:00+00:00";
const REPORT = [
  HEADER,
  `<root_account>,arn:aws:iam::${ACCOUNT}:root,${t},not_supported,${t},not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
  `carol,arn:aws:iam::${ACCOUNT}:user/carol,${t},true,${t},${t},N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
].join("\n");

const XMLNS: Record<string, string> = {
  sts: "https://sts.amazonaws.com/doc/2011-06-15/",
  iam: "https://iam.amazonaws.com/doc/2010-05-08/",
};

function respond(action: string): { status: number; body: string } {
  const ok = (ns: string, result: string) => ({
    status: 200,
    body: `<${action}Response xmlns="${XMLNS[ns]}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>req-${action}</RequestId></ResponseMetadata></${action}Response>`,
  });
  switch (action) {
    case "GetCallerIdentity":
      return ok(
        "sts",
        `<Arn>arn:aws:iam::${ACCOUNT}:user/auditor</Arn><UserId>AIDAEXAMPLEAUDITOR</UserId><Account>${ACCOUNT}</Account>`,
      );
    case "GenerateCredentialReport":
      return ok("iam", "<State>COMPLETE</State><Description>Report is ready</Description>");
    case "GetAccountSummary": {
      // The credential report's users are reconciled with this count (one IAM user: carol).
      const entries = {
        Users: 1,
        Groups: 0,
        Roles: 0,
        Policies: 0,
        AccountMFAEnabled: 1,
        AccountAccessKeysPresent: 0,
      };
      const map = Object.entries(entries)
        .map(([k, v]) => `<entry><key>${k}</key><value>${v}</value></entry>`)
        .join("");
      return ok("iam", `<SummaryMap>${map}</SummaryMap>`);
    }
    case "GetCredentialReport":
      return ok(
        "iam",
        `<Content>${Buffer.from(REPORT).toString("base64")}</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>2026-11-20T08:59:00Z</GeneratedTime>`,
      );
    default:
      return {
        status: 403,
        body: `<ErrorResponse xmlns="${XMLNS.iam}"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not in this test double: ${action}</Message></Error><RequestId>req-denied</RequestId></ErrorResponse>`,
      };
  }
}

let server: Server;
let endpoint = "";
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const action = new URLSearchParams(body).get("Action") ?? "?";
      seen.push(
        `${req.headers.authorization?.includes("AKIAFAKEFAKEFAKEFAKE") ? "signed" : "unsigned"}:${action}`,
      );
      const r = respond(action);
      res.writeHead(r.status, { "content-type": "text/xml", "x-amzn-requestid": `req-${action}` });
      res.end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The real CLI as a child process, without blocking this process (the server answers from here). */
function runCli(args: string[]) {
  const out = mkdtempSync(join(tmpdir(), "itgc-live-"));
  return cliAsync([...args, "--out", out], liveAwsEnv({ endpoint, home: out }));
}

describe("run against AWS_ENDPOINT_URL (live mode, real wire format)", () => {
  it("runs a control end to end and records every call", async () => {
    const r = await runCli(["run", "--control", "access.aws-iam-console-mfa", "--json", "--no-sign"]);
    expect(r.stderr).not.toMatch(/cannot establish/);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.run.mode).toBe("live");
    expect(doc.run.providers[0].caller).toMatchObject({
      account: ACCOUNT,
      principal: `arn:aws:iam::${ACCOUNT}:user/auditor`,
    });
    const c = doc.controls[0];
    expect(c.status).toBe("fail");
    expect(c.findings.map((f: { resource: string }) => f.resource)).toEqual([
      `arn:aws:iam::${ACCOUNT}:user/carol`,
    ]);
    expect(doc.run.stats.apiCalls).toBe(4);
    expect(c.completeness).toMatchObject([
      { population: "IAM users", found: 1, expected: 1, outcome: "reconciled" },
    ]);
    expect(seen).toEqual(
      expect.arrayContaining([
        "signed:GetCallerIdentity",
        "signed:GenerateCredentialReport",
        "signed:GetCredentialReport",
        "signed:GetAccountSummary",
      ]),
    );
  });

  it("without --provider runs the configured provider (AWS) and says why GCP was skipped; --region narrows", async () => {
    const r = await runCli([
      "run",
      "--region",
      "eu-west-1",
      "--control",
      "access.aws-iam-console-mfa,access.aws-access-analyzer-all-regions,access.gcp-no-basic-roles-for-users",
      "--json",
      "--no-sign",
    ]);
    expect(r.stderr).toMatch(/skipping gcp: no Application Default Credentials found .*use --provider gcp/);
    expect(r.stderr).toMatch(/--region eu-west-1: covering AWS region eu-west-1 only/);
    const doc = JSON.parse(r.stdout);
    expect(doc.run.providers.map((p: { provider: string }) => p.provider)).toEqual(["aws"]);
    expect(doc.controls.map((c: { id: string }) => c.id)).toEqual([
      "access.aws-access-analyzer-all-regions",
      "access.aws-iam-console-mfa",
    ]);
    expect(doc.run.regions[ACCOUNT]).toEqual(["eu-west-1"]);
    // the only region-scoped call went to eu-west-1 (the double denies ListAnalyzers: an error, not a pass)
    const analyzer = doc.controls[0];
    expect(analyzer.status).toBe("error");
    // The denied region, and the account's region completeness check (eu-west-1 was not evaluated).
    expect(analyzer.errors.map((e: { region: string }) => e.region)).toEqual(["eu-west-1", "global"]);
    expect(r.code).toBe(3);
  });

  it("an explicit --provider wins: gcp without credentials is an error, not a skip", async () => {
    const r = await runCli(["run", "--provider", "gcp", "--json", "--no-sign"]);
    expect(r.stderr).not.toMatch(/skipping/);
    expect(r.code).toBe(2);
  });

  it("an error from the endpoint makes the control error (exit 3), never pass", async () => {
    const r = await runCli(["run", "--control", "access.aws-iam-password-policy", "--json", "--no-sign"]);
    expect(r.code).toBe(3);
    const c = JSON.parse(r.stdout).controls[0];
    expect(c.status).toBe("error");
    expect(c.reason).toMatch(/AccessDenied/);
  });
});
