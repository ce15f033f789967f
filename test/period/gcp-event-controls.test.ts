/**
 * The GCP event controls over the audit period: Admin Activity audit entries (listLogEntries pages whose
 * protoPayload is an Any holding an AuditLog encoded independently with protobufjs) replayed through the
 * real GCP runtime; pass, fail and error with the exact entries flagged, and the decoder on its own.
 */
import { describe, expect, it, vi } from "vitest";
import { auditLogCalls } from "../../fixtures/gcp/demo-src/audit-logs.js";
import { demoModel, gcpDemoCalls } from "../../fixtures/gcp/demo-src/index.js";
import { RECORDED_AT } from "../../fixtures/gcp/demo-src/model.js";
import { finaliseGcp, type GcpCallSpec } from "../../fixtures/lib/gcp.js";
import { auditEntry } from "../../fixtures/lib/gcp-audit.js";
import { gcpRuntimeFrom } from "../../src/cli/options/gcp.js";
import { parsePeriod } from "../../src/core/period.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { populationOf } from "../../src/engine/population-store.js";
import { adminActivity, orgAdminActivity } from "../../src/queries/gcp/admin-activity.js";
import { decodeAuditLog } from "../../src/queries/gcp/audit-log-proto.js";
import { exceptions, result } from "../gcp/support/run.js";

async function run(
  controls: string[],
  o: {
    calls?: GcpCallSpec[];
    period?: string;
    params?: Record<string, Record<string, unknown>>;
    streamResults?: boolean;
  } = {},
) {
  return executeRun({
    filter: { control: controls, provider: ["gcp"] },
    recording: {
      dir: "(in-memory)",
      meta: { startedAt: RECORDED_AT },
      calls: finaliseGcp([...gcpDemoCalls(demoModel()), ...(o.calls ?? auditLogCalls())], RECORDED_AT),
    },
    runtimeFactories: { gcp: gcpRuntimeFrom({}, {}) },
    overrides: o.params,
    ...(o.period ? { period: parsePeriod(o.period) } : {}),
    ...(o.streamResults === false ? { engine: { streamResults: false } } : {}),
  });
}

const IAM = "change-management.gcp-iam-policy-changes-approved";
const KEYS = "access.gcp-service-account-key-creation";
const ORGP = "change-management.gcp-org-policy-changes-approved";
const TF = "terraform@acme-shared-ci.iam.gserviceaccount.com";

describe("AuditLog decoding", () => {
  it("reads method, principal, delegation, caller, status and the request Struct", () => {
    const e = auditEntry({
      parent: "projects/p1",
      time: "2026-10-01T10:00:00.000Z",
      service: "cloudresourcemanager.googleapis.com",
      method: "SetIamPolicy",
      resourceName: "projects/p1",
      resourceType: "project",
      principal: TF,
      delegatedBy: ["a@p.iam.gserviceaccount.com"],
      callerIp: "192.0.2.1",
      userAgent: "ua/1",
      status: { code: 7, message: "denied" },
      request: {
        policy: { bindings: [{ role: "roles/viewer", members: ["user:x@example.com"] }], version: 3 },
        ok: true,
        none: null,
      },
    });
    const a = decodeAuditLog((e.protoPayload as { value: Buffer }).value);
    expect(a).toEqual({
      serviceName: "cloudresourcemanager.googleapis.com",
      methodName: "SetIamPolicy",
      resourceName: "projects/p1",
      principalEmail: TF,
      delegatedBy: ["a@p.iam.gserviceaccount.com"],
      callerIp: "192.0.2.1",
      userAgent: "ua/1",
      statusCode: 7,
      statusMessage: "denied",
      request: {
        policy: { bindings: [{ role: "roles/viewer", members: ["user:x@example.com"] }], version: 3 },
        ok: true,
        none: null,
      },
    });
  });
  it("throws on a truncated payload", () => {
    expect(() => decodeAuditLog(Buffer.from([0x42, 0x10, 0x41]))).toThrow(/truncated/);
  });
});

describe("GCP Admin Activity controls", () => {
  it("fail: exactly the hand-made IAM change and the hand-made key; org policy changes by automation pass", async () => {
    const outcome = await run([IAM, KEYS, ORGP]);
    expect(result(outcome, IAM)).toMatchObject({ status: "fail", population: 7, exceptions: 1 });
    expect(exceptions(outcome, IAM)).toEqual([
      `acme-prod-web ${result(outcome, IAM).findings.find((f) => f.status === "fail")!.resource}`,
    ]);
    expect(result(outcome, IAM).findings.find((f) => f.status === "fail")!.message).toMatch(
      /SetIamPolicy on projects\/acme-prod-web by dave.ops@example.com/,
    );
    expect(result(outcome, KEYS)).toMatchObject({ status: "fail", population: 2, exceptions: 1 });
    expect(
      result(outcome, KEYS)
        .findings.filter((f) => f.status === "fail")
        .map((f) => f.account),
    ).toEqual(["acme-dev-sandbox"]);
    expect(result(outcome, ORGP)).toMatchObject({ status: "pass", population: 1, exceptions: 0 });
  });
  it("pass: the same entries when the people are approved principals", async () => {
    const outcome = await run([IAM, KEYS], {
      params: {
        [IAM]: { approved_principals: [TF, "dave.ops@example.com"] },
        [KEYS]: { approved_principals: [TF, "carol.admin@example.com"] },
      },
    });
    expect(result(outcome, IAM)).toMatchObject({ status: "pass", population: 7 });
    expect(result(outcome, KEYS)).toMatchObject({ status: "pass", population: 2 });
  });
  it("error: a period older than the 400 days of Admin Activity logs", async () => {
    const outcome = await run([IAM, ORGP], { calls: [], period: "2025-09-01..2026-11-01" });
    expect(result(outcome, IAM).status).toBe("error");
    expect(result(outcome, IAM).reason).toMatch(
      /period not covered by the event source: Admin Activity audit logs are kept 400 days/,
    );
    expect(result(outcome, ORGP).status).toBe("error");
  });
  it("streamed page by page into each control (one reader each): the materialised run's results", async () => {
    const plain = (r: import("../../src/core/types.js").ControlResult) => {
      const { stored: _, ...rest } = r;
      const p = populationOf(r);
      return JSON.parse(JSON.stringify({ ...rest, findings: [...p.findings()], items: [...p.items()] }));
    };
    const project = vi.spyOn(adminActivity, "stream");
    const org = vi.spyOn(orgAdminActivity, "stream");
    try {
      const streamed = await run([IAM, KEYS, ORGP]);
      expect(project).toHaveBeenCalled();
      expect(org).toHaveBeenCalled();
      project.mockClear();
      org.mockClear();
      const held = await run([IAM, KEYS, ORGP], { streamResults: false });
      expect(project).not.toHaveBeenCalled();
      expect(org).not.toHaveBeenCalled();
      expect(streamed.results.map(plain)).toEqual(held.results.map(plain));
    } finally {
      vi.restoreAllMocks();
    }
  });
  it("error: an entry whose payload cannot be read, only in that project", async () => {
    const calls = auditLogCalls().map((c) => {
      if (c.account !== "acme-prod-web" || !(c.input as { filter: string }).filter.includes("SetIamPolicy"))
        return c;
      const out = structuredClone(c.output) as { entries: { protoPayload: { value: string } }[] };
      out.entries[0]!.protoPayload.value = Buffer.from([0x42, 0x10, 0x41]).toString("base64");
      return { ...c, output: out };
    });
    const r = result(await run([IAM], { calls }), IAM);
    expect(r.status).toBe("error");
    expect(r.errors.map((e) => e.account)).toEqual(["acme-prod-web"]);
    expect(r.reason).toMatch(/AuditLog payload cannot be read/);
    // The other projects were still evaluated.
    expect(r.population).toBe(6);
  });
});
