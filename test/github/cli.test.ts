/**
 * The real CLI against the local GitHub stand-in: `run --provider github … --github-api-url` flags exactly the
 * seeded exceptions, exits 1, writes a signed bundle that `verify` and `reperform` accept; a repository the
 * token cannot see makes it exit 3 (permissions are tested in process: unit.test.ts). The server
 * runs in this process, so the CLI is spawned asynchronously (a synchronous spawn would block the server).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERIOD } from "../../fixtures/github/demo-src/model.js";
import type { FakeGitHub } from "../../fixtures/lib/github-server.js";
import { ROOT } from "../support/cli.js";
import { ORG, PARAMS, SEEDED, startServer, TEST_TOKEN } from "./support.js";

const BIN = join(ROOT, "bin", "itgc-validate.js");
const KEY = join(ROOT, "test", "evidence", "fixtures", "test-signing-key.pem");

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", GITHUB_TOKEN: "", GH_TOKEN: "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let server: FakeGitHub;
let tmp: string;
beforeAll(async () => {
  server = await startServer({ pageSize: 3 });
  tmp = mkdtempSync(join(tmpdir(), "itgc-github-cli-"));
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("itgc-validate run --provider github (real CLI, local GitHub)", () => {
  it("flags exactly the seeded exceptions, exits 1, and writes a bundle that verify and reperform accept", async () => {
    const params = join(tmp, "params.yaml");
    writeFileSync(
      params,
      Object.entries(PARAMS)
        .map(
          ([id, p]) =>
            `${id}:\n${Object.entries(p)
              .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
              .join("\n")}\n`,
        )
        .join(""),
    );
    const out = join(tmp, "bundles");
    const args = ["run", "--provider", "github", "--github-org", ORG, "--period", PERIOD.spec];
    const r = await cli(
      [
        ...args,
        "--github-api-url",
        server.url,
        "--params",
        params,
        "--out",
        out,
        "--sign-key",
        KEY,
        "--json",
      ],
      { GITHUB_TOKEN: TEST_TOKEN },
    );
    expect(r.stderr).not.toContain(TEST_TOKEN);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    const got = Object.fromEntries(
      doc.controls.map((c: { id: string; findings: { status: string; resource: string }[] }) => [
        c.id,
        c.findings
          .filter((f) => f.status === "fail")
          .map((f) => f.resource)
          .sort(),
      ]),
    );
    expect(got).toEqual(SEEDED);
    expect(doc.run.period).toMatchObject({
      start: PERIOD.start,
      end: PERIOD.end,
    });
    // Reads only: GETs, and the per-change evidence's GraphQL query (one per repository).
    expect(
      server.requests.every(
        (q) =>
          (q.method === "GET" ||
            (q.method === "POST" && q.path === "/graphql" && q.operation === "DefaultBranchChanges")) &&
          q.authorization === `token ${TEST_TOKEN}`,
      ),
    ).toBe(true);
    expect(server.requests.filter((q) => q.method === "POST")).toHaveLength(4);

    const [name] = readdirSync(out);
    const bundle = join(out, name!);
    for (const f of walk(bundle)) expect(readFileSync(f, "utf8")).not.toContain(TEST_TOKEN);
    const verified = await cli(["verify", bundle]);
    expect(verified.code).toBe(0);
    const reperformed = await cli(["reperform", bundle]);
    expect(reperformed.stdout).toMatch(/^REPRODUCED/);
    expect(reperformed.code).toBe(0);
  });

  it("exits 3 when a named repository is not visible to the token (404), naming it", async () => {
    const before = server.requests.length;
    const r = await cli(
      [
        "run",
        "--provider",
        "github",
        "--control",
        "change-management.github-default-branch-required-approvals",
        "--github-org",
        ORG,
        "--github-repos",
        "payments-api,treasury-keys",
        "--github-api-url",
        server.url,
        "--no-sign",
        "--out",
        join(tmp, "gap"),
      ],
      { GITHUB_TOKEN: TEST_TOKEN },
    );
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/ERROR\s+change-management\.github-default-branch-required-approvals/);
    expect(r.stdout).toContain(
      "acme-exchange/treasury-keys: not found or not visible to this token (HTTP 404",
    );
    expect(server.requests.slice(before).some((q) => q.path === `/repos/${ORG}/treasury-keys`)).toBe(true);
  });
});

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}
