/**
 * End to end over the real wire: the real CLI (`run --provider gcp --organization … --gcp-endpoint
 * 127.0.0.1:PORT`) drives the real @google-cloud/resource-manager, org-policy and logging clients over gRPC
 * against a local server serving the demo organization — with real paging (page size 2) and PERMISSION_DENIED
 * on acme-prod-web's getIamPolicy. The run must flag exactly the seeded exceptions, report acme-prod-web as
 * `error` for every control that needs its IAM policy, and still evaluate the rest of the organization.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessDepthCalls } from "../../fixtures/gcp/demo-src/access-depth.js";
import { parseEndpoint } from "../../src/providers/gcp/connection.js";
import { GcpRuntime } from "../../src/providers/gcp/runtime.js";
import { Recorder } from "../../src/recording/recorder.js";
import { ROOT } from "../support/cli.js";
import { type RunningOrg, startFakeOrg } from "./support/grpc-org.js";
import { demoModel, runGcp } from "./support/run.js";

const WEB = "projects/300000000002";
const DENIED = "The caller does not have permission";

function serverModel() {
  const m = demoModel();
  return {
    organizations: m.organizations,
    folders: m.folders,
    projects: m.projects,
    policies: { ...m.policies, [WEB]: { code: grpc.status.PERMISSION_DENIED, details: DENIED } },
    orgPolicies: m.orgPolicies,
    sinks: m.sinks,
    logBuckets: {},
    liens: m.liens,
    buckets: m.buckets,
    pageSize: 2,
    accessDepth: accessDepthCalls(
      m.accessDepth,
      m.projects.filter((p) => p.state === "ACTIVE").map((p) => p.projectId),
    ),
  };
}

function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/itgc-validate.js"), ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", GOOGLE_APPLICATION_CREDENTIALS: "/nonexistent/adc.json", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

type Doc = {
  controls: {
    id: string;
    status: string;
    errors: { account: string; message: string }[];
    population: number;
    scopedPopulation?: number;
    params: { values: Record<string, unknown> };
    findings: { account: string; resource: string; status: string; reaches?: string[] }[];
  }[];
};
const exception = (f: Doc["controls"][number]["findings"][number]) =>
  `${f.account} ${f.resource}${f.reaches ? ` ← ${f.reaches.join(" ")}` : ""}`;
const failed = (doc: Doc) =>
  Object.fromEntries(
    doc.controls.map((c) => [
      c.id,
      c.findings
        .filter((f) => f.status === "fail")
        .map(exception)
        .sort(),
    ]),
  );

describe("GCP end to end: real clients over gRPC against a local organization", () => {
  let org: RunningOrg;
  beforeAll(async () => {
    org = await startFakeOrg(serverModel());
  });
  afterAll(async () => {
    await org?.stop();
  });

  it("the runtime pages with real page tokens and records every page", async () => {
    const recorder = new Recorder();
    const rt = new GcpRuntime({ recorder, endpoint: parseEndpoint(`127.0.0.1:${org.grpcPort}`) });
    await rt.init();
    expect(rt.hierarchy.projects.map((n) => rt.hierarchy.nodes.get(n)!.unit)).toEqual([
      "acme-dev-sandbox",
      "acme-prod-payments",
      "acme-prod-web",
      "acme-shared-ci",
    ]);
    const pages = recorder.all().filter((c) => c.operation === "searchProjects");
    expect(pages.map((p) => (p.input as { pageToken?: string }).pageToken ?? "")).toEqual(["", "2"]);
    expect((pages[0]!.output as { nextPageToken: string }).nextPageToken).toBe("2");
    expect(org.requests.filter((r) => r.method === "Projects.SearchProjects")).toHaveLength(2);
  });

  it("run --organization … --gcp-endpoint flags exactly the seeded exceptions; the denied project is error", async () => {
    const out = mkdtempSync(join(tmpdir(), "itgc-gcp-e2e-"));
    const r = await runCli([
      "run",
      "--provider",
      "gcp",
      "--organization",
      "123456789012",
      "--gcp-endpoint",
      `127.0.0.1:${org.grpcPort}`,
      "--gcp-rest-endpoint",
      `127.0.0.1:${org.restPort}`,
      "--json",
      "--out",
      out,
      "--no-sign",
    ]);
    expect(r.stderr).not.toMatch(/metadata|ECONNREFUSED/i);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout) as Doc;
    // 16 configuration, 3 org-policy baseline, 3 event controls, 7 access-depth (keys, KMS, WIF)
    expect(doc.controls).toHaveLength(29);
    const byId = Object.fromEntries(doc.controls.map((c) => [c.id, c]));
    // This local organization does not serve the Logging API: the event controls over the audit period
    // fail closed (error), never pass on an unanswered listLogEntries.
    for (const id of [
      "change-management.gcp-iam-policy-changes-approved",
      "access.gcp-service-account-key-creation",
      "change-management.gcp-org-policy-changes-approved",
    ])
      expect(byId[id]!.status, id).toBe("error");

    // Every control that needs acme-prod-web's IAM policy is error for that project, never pass …
    for (const id of [
      "access.gcp-no-basic-roles-for-users",
      "access.gcp-no-public-iam-members",
      "access.gcp-members-from-allowed-domains",
      "access.gcp-service-accounts-no-admin-roles",
      "access.gcp-no-project-sa-user-for-users",
      "access.gcp-sod-service-account-roles",
      "access.gcp-sod-kms-roles",
      "access.gcp-privileged-role-population",
      "access.gcp-iam-conditions-not-expired",
      "change-management.gcp-iam-change-population",
      "logging.gcp-data-access-audit-logs",
    ]) {
      const c = byId[id]!;
      expect(c.status, id).toBe("error");
      expect(
        c.errors.map((e) => e.account),
        id,
      ).toEqual(["acme-prod-web"]);
      expect(c.errors[0]!.message).toMatch(/PERMISSION_DENIED/);
      expect(
        c.findings.some((f) => f.account === "acme-prod-web"),
        id,
      ).toBe(false);
    }
    // … while the rest of the organization is evaluated.
    const flagged = failed(doc);
    // An inherited binding is one exception at its grant point, listing the projects it reaches (the denied
    // acme-prod-web is not among them: it is `error`, not evaluated).
    expect(flagged["access.gcp-no-basic-roles-for-users"]).toEqual([
      "acme-dev-sandbox projects/300000000003/roles/editor/user:kate.intern@gmail.com",
      "acme-prod-payments projects/300000000001/roles/owner/group:gcp-prod-admins@example.com",
      "acme-shared-ci projects/300000000004/roles/owner/group:gcp-platform@example.com",
      "folders/200000000001 folders/200000000001/roles/owner/user:dave.ops@example.com ← acme-prod-payments",
      "folders/200000000002 folders/200000000002/roles/editor/group:developers@example.com ← acme-dev-sandbox",
    ]);
    // No placeholder domain: the organization's own domain (its displayName, served by getOrganization /
    // searchOrganizations) is what allowed_domains defaults to; only the two gmail.com members are foreign,
    // the organization-level contractor once, at the organization.
    const domains = byId["access.gcp-members-from-allowed-domains"]!;
    expect(domains.params.values.allowed_domains).toEqual([]);
    expect(flagged["access.gcp-members-from-allowed-domains"]).toEqual([
      "acme-dev-sandbox projects/300000000003/roles/editor/user:kate.intern@gmail.com",
      "organizations/123456789012 organizations/123456789012/roles/logging.viewer/user:erin.contractor@gmail.com ← acme-dev-sandbox acme-prod-payments acme-shared-ci",
    ]);
    // population counts say both: each grant once, and once per project it reaches
    expect(domains.scopedPopulation).toBeGreaterThan(domains.population);
    expect(flagged["access.gcp-sod-kms-roles"]).toEqual(["acme-prod-payments user:gina.sec@example.com"]);
    expect(byId["change-management.gcp-production-project-liens"]!.status).toBe("fail");
    expect(flagged["change-management.gcp-production-project-liens"]).toEqual([
      "acme-prod-web acme-prod-web",
    ]);
    expect(byId["logging.gcp-org-log-sink-all-logs"]!.status).toBe("pass");

    // Exactly the exceptions the same organization yields when replayed from a recording.
    const replay = await runGcp({
      controls: ["*"],
      model: (() => {
        const m = demoModel();
        m.iamDenied = [WEB];
        m.orgPolicyDenied = [];
        return m;
      })(),
    });
    const expected = Object.fromEntries(
      replay.results.map((c) => [
        c.id,
        c.findings
          .filter((f) => f.status === "fail")
          .map(exception)
          .sort(),
      ]),
    );
    expect(flagged).toEqual(expected);
    expect(doc.controls.map((c) => `${c.id}:${c.status}`)).toEqual(
      replay.results.map((c) => `${c.id}:${c.status}`),
    );
    // Cloud KMS (and its IAMPolicy / Locations mixins) went over gRPC, the project count too.
    const methods = new Set(org.requests.map((q) => q.method));
    for (const m of [
      "Locations.ListLocations",
      "KeyManagementService.ListKeyRings",
      "KeyManagementService.ListCryptoKeys",
      "IAMPolicy.GetIamPolicy",
      "Projects.ListProjects",
    ])
      expect(methods.has(m), m).toBe(true);
    expect(flagged["access.gcp-kms-keys-not-public"]).toEqual([
      "acme-prod-web projects/acme-prod-web/locations/global/keyRings/web/cryptoKeys/session-cookies/roles/cloudkms.cryptoKeyEncrypter/allAuthenticatedUsers",
    ]);
    expect(flagged["access.gcp-wif-ci-providers-pinned"]).toEqual([
      "acme-shared-ci projects/300000000004/locations/global/workloadIdentityPools/github/providers/github-any",
    ]);

    // The bundle holds every page and the recorded error with its gRPC code; it replays to the same verdicts.
    const raw = files(out).filter((f) => f.includes(`${join("data", "raw")}`));
    expect(raw.filter((f) => f.endsWith("ProjectsClient.searchProjects.json"))).toHaveLength(2);
    const denied = raw.find(
      (f) => f.includes("acme-prod-web") && f.endsWith("ProjectsClient.getIamPolicy.json"),
    )!;
    expect(JSON.parse(readFileSync(denied, "utf8")).error).toMatchObject({
      name: "PERMISSION_DENIED",
      code: 7,
    });
    const bundle = join(out, readdirSync(out).find((n) => !n.startsWith("."))!);
    const again = await runCli([
      "run",
      "--replay",
      bundle,
      "--provider",
      "gcp",
      "--json",
      "--out",
      mkdtempSync(join(tmpdir(), "itgc-gcp-re-")),
      "--no-sign",
    ]);
    expect(again.code, again.stderr).toBe(3);
    expect(failed(JSON.parse(again.stdout) as Doc)).toEqual(flagged);
  });

  it("a non-loopback endpoint is never sent plaintext / without credentials", () => {
    expect(parseEndpoint("127.0.0.1:8080")).toEqual({ host: "127.0.0.1", port: 8080, loopback: true });
    expect(parseEndpoint("[::1]:9000").loopback).toBe(true);
    expect(parseEndpoint("localhost").loopback).toBe(true);
    expect(parseEndpoint("private.googleapis.com:443").loopback).toBe(false);
    expect(parseEndpoint("10.0.0.5:443").loopback).toBe(false);
    expect(parseEndpoint("127.evil.example.com").loopback).toBe(false);
  });
});
