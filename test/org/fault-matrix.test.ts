/**
 * The fault matrix: every AWS operation the catalogue calls × every fault a real account, proxy or
 * emulator can produce. For each cell the engine runs in-process over the demo recording, except the
 * faulted operation, which goes over the real wire — the real SDK client (serializer, signer, HTTP handler
 * with its timeouts, our retry strategy, deserializer) — to a local server on 127.0.0.1 that answers it with
 * the fault in that service's own protocol. Every cell asserts: the run finishes (no crash), the faulted
 * operation was really sent, no control that depends on it is `pass`, the run's exit code is 3, and no
 * reason is the SDK's bare `Unknown`.
 *
 * Paging faults (truncated, cycle) apply to the operations the SDK knows as paginated.
 */

import { describe, expect, it } from "vitest";
import { loadControls } from "../../src/controls/loader.js";
import { InputError } from "../../src/core/errors.js";
import type { Control } from "../../src/core/types.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { runControls } from "../../src/engine/run-controls.js";
import type { ReplaySource } from "../../src/providers/aws/middleware.js";
import { AwsRuntime } from "../../src/providers/aws/runtime.js";
import { requireSdk } from "../../src/providers/aws/sdk/require.js";
import { allQueries, declaredOperations } from "../../src/queries/registry.js";
import { Recorder } from "../../src/recording/recorder.js";
import { loadRecording, ReplayIndex } from "../../src/recording/store.js";
import { exitCodeFor } from "../../src/report/results-document.js";
import { awsError, ok, startWireServer, type WireAnswer, type WireRequest } from "../support/aws-wire.js";
import { ROOT } from "../support/cli.js";

/**
 * The SDK's own client packages, by the service name calls are recorded under. Loaded with require() as the
 * run loads them (src/providers/aws/sdk/require.ts: an ESM import of these CommonJS files compiles each twice).
 */
const SDK_PACKAGES: Record<string, string> = {
  AccessAnalyzer: "@aws-sdk/client-accessanalyzer",
  CloudTrail: "@aws-sdk/client-cloudtrail",
  CloudWatch: "@aws-sdk/client-cloudwatch",
  CloudWatchLogs: "@aws-sdk/client-cloudwatch-logs",
  CodePipeline: "@aws-sdk/client-codepipeline",
  ConfigService: "@aws-sdk/client-config-service",
  EC2: "@aws-sdk/client-ec2",
  EKS: "@aws-sdk/client-eks",
  GuardDuty: "@aws-sdk/client-guardduty",
  IAM: "@aws-sdk/client-iam",
  Identitystore: "@aws-sdk/client-identitystore",
  KMS: "@aws-sdk/client-kms",
  Organizations: "@aws-sdk/client-organizations",
  S3: "@aws-sdk/client-s3",
  S3Control: "@aws-sdk/client-s3-control",
  SecurityHub: "@aws-sdk/client-securityhub",
  SSOAdmin: "@aws-sdk/client-sso-admin",
  STS: "@aws-sdk/client-sts",
};
const SDK: Record<string, Record<string, unknown>> = Object.fromEntries(
  Object.entries(SDK_PACKAGES).map(([service, pkg]) => [service, requireSdk<Record<string, unknown>>(pkg)]),
);

const demo = loadRecording(`${ROOT}fixtures/aws/demo`);
const controls: Control[] = loadControls().controls.filter((c) => c.provider === "aws");
const operations = [
  ...new Set(
    allQueries()
      .filter((q) => q.provider === "aws")
      .flatMap((q) => q.calls),
  ),
].sort();

/**
 * Controls that call an operation through their query but whose population does not depend on its answer
 * (docs/architecture.md, failure units). GetAccountSummary is the independent count the credential report's
 * IAM-user population is reconciled with; the root controls read the report's own root row, so a failed
 * summary is an error for the user controls only.
 */
const INDEPENDENT: Record<string, string[]> = {
  "IAM:GetAccountSummary": ["access.aws-root-mfa", "access.aws-root-no-access-keys"],
  // The leavers control flags any Identity Center access a leaver still holds (user_name, emails, permission
  // sets, access paths); it never reads what a permission set grants, which is all the member accounts'
  // authorization details are read for (customer managed policy references of aws.ssoadmin.permissionSetAccess).
  "IAM:GetAccountAuthorizationDetails": ["access.aws-sso-leavers-no-access"],
};

/** Each control's declared operations, computed once (every cell selects its controls by them). */
const declaredBy = new Map(controls.map((c) => [c.id, declaredOperations("aws", [c.query])]));

const dependents = (op: string) =>
  controls
    .filter((c) => declaredBy.get(c.id)!.includes(op) && !INDEPENDENT[op]?.includes(c.id))
    .map((c) => c.id);

const isPaged = (op: string) => {
  const [service, operation] = op.split(":") as [string, string];
  return typeof SDK[service]?.[`paginate${operation}`] === "function";
};

type Fault =
  | "access-denied"
  | "throttling"
  | "html-500"
  | "empty-503"
  | "truncated-paging"
  | "paging-cycle"
  | "malformed-body"
  | "empty-200"
  | "hang";

const FAULTS: Fault[] = [
  "access-denied",
  "throttling",
  "html-500",
  "empty-503",
  "truncated-paging",
  "paging-cycle",
  "malformed-body",
  "empty-200",
  "hang",
];

/** Attempts while throttled; other retryable faults stop at the SDK standard 3. */
const MAX_ATTEMPTS = 5;

function tokenOf(req: WireRequest): string | undefined {
  const p = req.params as Record<string, string | undefined>;
  return p.NextToken ?? p.nextToken ?? p.Marker ?? p.NextMarker;
}

/** A page that says more follow (token `next`), with no items, in the request's protocol. */
function pageWithToken(req: WireRequest, next: string | undefined, truncatedFlag = true): WireAnswer {
  if (req.protocol === "json" || req.protocol === "restJson")
    // KMS says "more" with Truncated + NextMarker (as IAM does with IsTruncated + Marker).
    return ok(
      req,
      next ? { NextToken: next, nextToken: next, Marker: next, NextMarker: next, Truncated: true } : {},
    );
  if (req.protocol === "ec2") return ok(req, next ? `<nextToken>${next}</nextToken>` : "");
  const marker = next
    ? `<Marker>${next}</Marker><NextToken>${next}</NextToken><NextMarker>${next}</NextMarker>`
    : "";
  return ok(req, `<IsTruncated>${truncatedFlag}</IsTruncated>${marker}`);
}

function answer(fault: Fault, req: WireRequest): WireAnswer {
  const p = req.protocol;
  switch (fault) {
    case "access-denied":
      return p === "ec2"
        ? awsError(req, 403, "UnauthorizedOperation", "You are not authorized to perform this operation.")
        : awsError(
            req,
            403,
            p === "json" || p === "restJson" ? "AccessDeniedException" : "AccessDenied",
            "denied by the fault matrix",
          );
    case "throttling":
      if (p === "ec2") return awsError(req, 503, "RequestLimitExceeded", "Request limit exceeded.");
      if (p === "restXml") return awsError(req, 503, "SlowDown", "Please reduce your request rate.");
      if (p === "restJson") return awsError(req, 429, "ThrottlingException", "Rate exceeded");
      return awsError(req, 400, p === "json" ? "ThrottlingException" : "Throttling", "Rate exceeded");
    case "html-500":
      return {
        status: 500,
        headers: { "content-type": "text/html" },
        body: "<!DOCTYPE html><html><body><h1>500 Internal Server Error</h1><p>upstream proxy</p></body></html>",
      };
    case "empty-503":
      return { status: 503, body: "" };
    case "malformed-body": {
      const json = p === "json" || p === "restJson";
      return {
        status: 200,
        headers: { "content-type": json ? "application/x-amz-json-1.1" : "text/xml" },
        body: json
          ? '{"items": [{"truncated'
          : `<${req.operation}Response><${req.operation}Result><Unclosed>`,
      };
    }
    case "empty-200":
      // A success with nothing in it (a proxy's or emulator's fault): read as "no items", a list would be empty.
      return {
        status: 200,
        headers: {
          "content-type":
            p === "json" ? "application/x-amz-json-1.1" : p === "restJson" ? "application/json" : "text/xml",
        },
        body: "",
      };
    case "hang":
      return "hang";
    case "truncated-paging": {
      // IAM says "more" with IsTruncated and no Marker; token APIs hand a token, then refuse the next page.
      if (p === "query") return pageWithToken(req, undefined, true);
      return tokenOf(req)
        ? awsError(
            req,
            400,
            p === "ec2" ? "InvalidNextToken.Malformed" : "InvalidNextTokenException",
            "The token has expired.",
          )
        : pageWithToken(req, "page-2");
    }
    case "paging-cycle": {
      const t = tokenOf(req);
      return pageWithToken(req, t === undefined ? "A" : t === "A" ? "B" : "A");
    }
  }
}

interface Cell {
  op: string;
  fault: Fault;
}

/** FAULT_MATRIX_OPS=Service:Operation,… runs only those operations' cells (while working on them). */
const only = process.env.FAULT_MATRIX_OPS?.split(",").filter(Boolean);

const cells: Cell[] = operations
  .filter((op) => !only || only.includes(op))
  .flatMap((op) =>
    FAULTS.filter((f) => (f === "truncated-paging" || f === "paging-cycle" ? isPaged(op) : true)).map(
      (fault) => ({
        op,
        fault,
      }),
    ),
  );

const cellsOf = (fault: Fault) => cells.filter((c) => c.fault === fault);

/** The demo's AWS calls by operation, and those a runtime allowed `allowed` (plus its own run calls) can make. */
const demoCallsByOp = new Map<string, typeof demo.calls>();
for (const c of demo.calls.filter((c) => c.provider === "aws")) {
  const op = `${c.service}:${c.operation}`;
  demoCallsByOp.set(op, [...(demoCallsByOp.get(op) ?? []), c]);
}
const RUN_CALLS = ["STS:GetCallerIdentity", "EC2:DescribeRegions"];
const replayableCalls = (allowed: string[]) =>
  [...allowed, ...RUN_CALLS].flatMap((op) => demoCallsByOp.get(op) ?? []);

const NOW = new Date(String(demo.meta.evaluatedAt ?? demo.meta.startedAt));

/**
 * One cell: the engine (runControls, the part of executeRun after loading controls, which is loaded once
 * here) over an AwsRuntime whose replay source sends the faulted operation to the local server.
 */
async function runCell({ op, fault }: Cell, callTimeoutMs: number) {
  const [service, operation] = op.split(":") as [string, string];
  const server = await startWireServer((req) => answer(fault, req));
  const selectedIds = new Set(dependents(op));
  const selected = controls.filter((c) => selectedIds.has(c.id));
  const allowed = declaredOperations(
    "aws",
    selected.map((c) => c.query),
  );
  // The index holds the recorded calls of the operations this runtime can make (the read-only guard refuses
  // every other one before the replay is asked): the same answers, without indexing the whole recording for
  // each of the ~470 cells.
  const index = new ReplayIndex(replayableCalls(allowed));
  const replaySource: ReplaySource = {
    take: (k) => index.take(k),
    passThrough: (k) => k.service === service && k.operation === operation,
  };
  const recorder = new Recorder();
  try {
    const runtime = new AwsRuntime({
      recorder,
      replay: demo,
      replaySource,
      endpoint: server.endpoint,
      maxAttempts: MAX_ATTEMPTS,
      retryMode: "standard",
      callTimeoutMs,
      backoff: { baseDelayMs: 1, throttlingDelayMs: 1, maxDelayMs: 5 },
      // The matrix tests what a fault does, not the concurrency limits (test/org/concurrency.test.ts does):
      // wide limits let a hung operation's calls time out together instead of in the default's small waves.
      concurrency: 1024,
      accountConcurrency: 1024,
      apiConcurrency: 512,
      allowedOperations: allowed,
    });
    await runtime.init();
    const { results } = await runControls({ controls: selected, runtimes: [runtime], now: NOW });
    return { results, calls: recorder.all(), seen: server.seen };
  } finally {
    await server.close();
  }
}

describe("fault matrix: every AWS operation the catalogue calls × every fault", () => {
  it("declares only real SDK operations, and every one is in the demo world (so every cell is exercised)", () => {
    expect(operations.length).toBeGreaterThan(25);
    for (const op of operations) {
      const [service, operation] = op.split(":") as [string, string];
      expect(SDK[service], `${op}: no SDK client package mapped`).toBeDefined();
      expect(typeof SDK[service]![`${operation}Command`], `${op} is no SDK command`).toBe("function");
      expect(dependents(op).length, `${op}: no control depends on it`).toBeGreaterThan(0);
    }
  });

  // One test per fault (each its own cells), so a slow machine times out no single test holding all 462.
  it.each(FAULTS.map((f) => [f, cellsOf(f).length] as const))(
    `%s (%i of ${cells.length} cells): no dependent control passes, no crash, exit 3, reasons name what came back`,
    async (fault) => {
      const failures: string[] = [];
      const check = async (cell: Cell, callTimeoutMs: number) => {
        const where = `${cell.op} × ${cell.fault}`;
        try {
          const { results, calls: all, seen } = await runCell(cell, callTimeoutMs);
          const calls = all.filter((c) => `${c.service}:${c.operation}` === cell.op);
          // A hung call whose timer fires before the local server has read the request (the cells' replayed
          // calls can keep the event loop from its sockets for seconds on a loaded machine) was still sent:
          // the client recorded it as timed out. Any other fault must have reached the server.
          const timedOut =
            cell.fault === "hang" &&
            calls.some((c) => /timed? ?out/i.test(`${c.error?.name} ${c.error?.message}`));
          if (!seen.includes(cell.op) && !timedOut)
            failures.push(`${where}: the faulted operation was never sent`);
          for (const r of results) if (r.status === "pass") failures.push(`${where}: ${r.id} is pass`);
          if (exitCodeFor(results) !== 3) failures.push(`${where}: exit ${exitCodeFor(results)}`);
          for (const r of results) {
            const reasons = [
              r.reason ?? "",
              ...r.errors.map((e) => e.message),
              ...r.findings.map((f) => f.message ?? ""),
            ];
            const unknown = reasons.find((m) => /\bUnknown(Error)?\b/.test(m));
            if (unknown) failures.push(`${where}: ${r.id} reason says Unknown: ${unknown}`);
            // Every other call was answered from the recording, so what the control reports is the fault's.
            const miss = reasons.find((m) => m.includes("replay: no recorded answer"));
            if (miss) failures.push(`${where}: ${r.id} missed the recording: ${miss}`);
          }
          const maxTries = Math.max(...calls.map((c) => c.attempts ?? 1));
          if (cell.fault === "throttling" && maxTries !== MAX_ATTEMPTS)
            failures.push(`${where}: throttled calls made ${maxTries} attempts, expected ${MAX_ATTEMPTS}`);
          if (["html-500", "empty-503", "empty-200", "hang"].includes(cell.fault) && maxTries > 3)
            failures.push(`${where}: ${maxTries} attempts for a non-throttling error (at most 3)`);
          if (cell.fault === "empty-200") {
            const errors = results.flatMap((r) => [r.reason ?? "", ...r.errors.map((e) => e.message)]);
            const label = `${cell.op.replace(":", ".")} (HTTP 200)`;
            if (!errors.some((e) => e.includes(label) && e.includes("empty body")))
              failures.push(`${where}: no reason names the empty answer: ${errors[0]}`);
          }
          if (cell.fault === "html-500") {
            const errors = results.flatMap((r) => [r.reason ?? "", ...r.errors.map((e) => e.message)]);
            const label = `${cell.op.replace(":", ".")} answered HTTP 500 with an HTML page`;
            if (!errors.some((e) => e.includes(label)))
              failures.push(`${where}: no reason names the HTML 500: ${errors[0]}`);
          }
        } catch (e) {
          failures.push(`${where}: crashed: ${(e as Error).stack ?? e}`);
        }
      };
      if (fault !== "hang") {
        // Answered faults a few cells at a time, with a timeout no CPU stall on a busy machine reaches (a
        // spurious timeout would hide the fault under test).
        const answered = cellsOf(fault);
        let next = 0;
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (next < answered.length) await check(answered[next++]!, 10_000);
          }),
        );
      } else {
        // Hang cells: only the hung operation goes to the network (replayed calls never reach the HTTP
        // handler whose timeout this is), so a short timeout is safe. All at once: the cells spend their time
        // waiting. The replayed calls of 67 cells can keep the event loop from the local server's sockets for
        // seconds on a loaded machine, so a timer may fire before the server has read the request: `check`
        // then accepts the client's own record of the timeout as proof the call was sent (every cell passes
        // with a 30 ms timeout). 250 ms: short, since the timeout's length is not what the cells test, and a
        // hung call takes three attempts (1 s made this test ≈ 6.8 s of the suite, 250 ms ≈ 2.1 s).
        await Promise.all(cellsOf("hang").map((c) => check(c, 250)));
      }
      expect(failures).toEqual([]);
    },
    120_000,
  );

  it("identity without account: the run stops with an error (exit 3), never as account `undefined`", async () => {
    const server = await startWireServer((req) =>
      req.operation === "GetCallerIdentity"
        ? ok(req, "<UserId>AIDAEXAMPLE</UserId>")
        : awsError(req, 400, "InvalidAction", "unexpected"),
    );
    const index = new ReplayIndex(demo.calls.filter((c) => c.provider === "aws"));
    try {
      const run = executeRun({
        recording: demo,
        filter: { control: ["access.aws-iam-console-mfa"] },
        aws: {
          replaySource: {
            take: (k) => index.take(k),
            passThrough: (k) => k.operation === "GetCallerIdentity",
          },
          endpoint: server.endpoint,
          maxAttempts: 1,
        },
      });
      const err = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(InputError); // the CLI's exit 3, not 2
      expect((err as Error).message).toMatch(
        /GetCallerIdentity answered without a usable caller identity \(Account is missing\)/,
      );
      expect(server.seen).toEqual(["STS:GetCallerIdentity"]);
    } finally {
      await server.close();
    }
  });
});
