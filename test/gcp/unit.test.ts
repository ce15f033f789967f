import { describe, expect, it } from "vitest";
import { gcpRuntimeFrom } from "../../src/cli/options/gcp.js";
import { InputError } from "../../src/core/errors.js";
import { GcpCalls } from "../../src/providers/gcp/calls.js";
import { GcpApiError } from "../../src/providers/gcp/errors.js";
import { isAllowedGcpOperation } from "../../src/providers/gcp/read-only.js";
import { conditionExpiry, parseMember } from "../../src/queries/gcp/normalise.js";
import { Recorder } from "../../src/recording/recorder.js";
import { ReplayIndex } from "../../src/recording/store.js";

describe("GCP read-only guard", () => {
  it("allows reads only, and refuses before anything is sent", async () => {
    for (const op of ["getIamPolicy", "listFolders", "searchProjects", "getEffectivePolicy", "listSinks"])
      expect(isAllowedGcpOperation("X", op)).toBe(true);
    for (const op of [
      "setIamPolicy",
      "deleteProject",
      "createFolder",
      "updateSink",
      "testIamPermissions",
      "moveProject",
    ])
      expect(isAllowedGcpOperation("X", op)).toBe(false);
    let sent = false;
    const calls = new GcpCalls({
      recorder: new Recorder(),
      transport: {
        invoke: async () => {
          sent = true;
          return [{}];
        },
        rest: async () => ({}),
      },
    });
    await expect(calls.unary("ProjectsClient", "setIamPolicy", "p", {})).rejects.toThrow(
      /refused ProjectsClient.setIamPolicy/,
    );
    expect(sent).toBe(false);
  });
});

describe("GCP replay", () => {
  const recorder = new Recorder();
  const calls = new GcpCalls({
    recorder,
    replay: new ReplayIndex([
      {
        seq: 1,
        provider: "gcp",
        service: "ProjectsClient",
        operation: "getIamPolicy",
        account: "p1",
        region: "global",
        input: { resource: "projects/1", options: { requestedPolicyVersion: 3 } },
        error: { name: "PERMISSION_DENIED", message: "denied", code: 7 },
        startedAt: "",
        endedAt: "",
      },
    ]),
  });
  it("a recorded error replays as the same gRPC status", async () => {
    const e = await calls
      .unary("ProjectsClient", "getIamPolicy", "p1", {
        resource: "projects/1",
        options: { requestedPolicyVersion: 3 },
      })
      .catch((x) => x);
    expect(e).toBeInstanceOf(GcpApiError);
    expect(e).toMatchObject({ code: 7, name: "PERMISSION_DENIED" });
    expect(recorder.all()[0]!.error).toEqual({ name: "PERMISSION_DENIED", message: "denied", code: 7 });
  });
  it("an unrecorded call is an error naming it (strict)", async () => {
    await expect(
      calls.unary("ProjectsClient", "getIamPolicy", "p1", { resource: "projects/2" }),
    ).rejects.toThrow(/no recorded answer for ProjectsClient\.getIamPolicy in account p1 .*projects\/2/);
  });
});

describe("IAM member and condition parsing", () => {
  it("members", () => {
    expect(parseMember("user:Alice@Example.com")).toMatchObject({
      member_type: "user",
      member_email: "alice@example.com",
      member_domain: "example.com",
    });
    expect(parseMember("domain:example.com")).toMatchObject({
      member_type: "domain",
      member_domain: "example.com",
    });
    expect(parseMember("allUsers").member_type).toBe("allUsers");
    expect(parseMember("deleted:user:bob@example.com?uid=123")).toMatchObject({
      member_type: "deleted",
      member_email: "bob@example.com",
    });
    expect(parseMember("serviceAccount:123@cloudservices.gserviceaccount.com").is_service_agent).toBe(true);
    expect(
      parseMember("serviceAccount:service-1@gcp-sa-logging.iam.gserviceaccount.com").is_service_agent,
    ).toBe(true);
    expect(parseMember("serviceAccount:app@proj.iam.gserviceaccount.com").is_service_agent).toBe(false);
    expect(parseMember("serviceAccount:1-compute@developer.gserviceaccount.com").is_service_agent).toBe(
      false,
    );
    expect(parseMember("principalSet://goog/group/x").member_type).toBe("principalSet");
  });
  it("condition expiry", () => {
    expect(conditionExpiry('request.time < timestamp("2025-01-01T00:00:00Z")')?.toISOString()).toBe(
      "2025-01-01T00:00:00.000Z",
    );
    expect(
      conditionExpiry(
        "resource.name.startsWith('x') && request.time <= timestamp('2024-06-01T00:00:00Z') && request.time < timestamp(\"2026-01-01T00:00:00Z\")",
      )?.toISOString(),
    ).toBe("2024-06-01T00:00:00.000Z");
    expect(conditionExpiry("resource.name.startsWith('x')")).toBeNull();
    expect(conditionExpiry(null)).toBeNull();
  });
});

describe("GCP flags", () => {
  it("a malformed --gcp-endpoint is bad input (exit 2)", () => {
    expect(() => gcpRuntimeFrom({ gcpEndpoint: "http://a b" }, {})).toThrow(InputError);
    expect(() => gcpRuntimeFrom({}, { ITGC_GCP_ENDPOINT: "127.0.0.1:99999" })).toThrow(/invalid port/);
    expect(gcpRuntimeFrom({}, { ITGC_GCP_ENDPOINT: "127.0.0.1:8080" })).toBeTypeOf("function");
  });
});
