/**
 * Two ways to run the CLI in a test:
 *
 * - `cli(args)` runs the real built CLI (bin/itgc-validate.js → dist/) as a child process. Use it for what is
 *   the process's: exit status, what reaches stdout / stderr, signals, pipes, the environment it starts with.
 *   Each spawn pays Node's start and the CLI's module load (about a second of CPU), so spawn once per
 *   behaviour, not once per assertion. `npm test` builds dist/ first.
 * - `cliInProcess(args)` runs the same entry point (src/cli/main.ts `main`, which bin/ calls) inside the test
 *   worker, capturing what it writes to stdout / stderr and the exit code main returns. Modules load once
 *   per worker, so it costs only the command's own work. Use it for a command's logic once one real spawn has
 *   covered the process side of that command (e.g. verify on ten tampered bundles: one spawn, nine in process).
 *   Calls must not overlap (stdout / stderr are captured globally): await each one.
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = `${ROOT}bin/itgc-validate.js`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The real CLI as a child process without blocking this process, for tests whose local endpoint (a
 * node:http server) answers from this very process. Only `env` reaches the child: nothing of the test
 * worker's environment (credentials, AWS profiles, proxies) leaks into a live run.
 */
export function cliAsync(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * The environment of a live AWS run against a local endpoint: static test credentials (never real ones),
 * `home` as HOME / XDG_CONFIG_HOME so no user's ~/.aws is read, no instance-metadata or GCE-metadata probes.
 * The suite's code cache (global-setup.ts) is passed on: it holds compiled SDK code, nothing of a user.
 */
export function liveAwsEnv(o: {
  endpoint: string;
  home: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: o.home,
    XDG_CONFIG_HOME: o.home,
    NO_COLOR: "1",
    CI: "true",
    AWS_ENDPOINT_URL: o.endpoint,
    AWS_ACCESS_KEY_ID: o.accessKeyId ?? "AKIAFAKEFAKEFAKEFAKE",
    AWS_SECRET_ACCESS_KEY: o.secretAccessKey ?? "fake-secret-for-a-local-test-double",
    ...(o.sessionToken ? { AWS_SESSION_TOKEN: o.sessionToken } : {}),
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    METADATA_SERVER_DETECTION: "none",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...(process.env.ITGC_CODE_CACHE_DIR ? { ITGC_CODE_CACHE_DIR: process.env.ITGC_CODE_CACHE_DIR } : {}),
  };
}

let busy = false;

export async function cliInProcess(
  args: string[],
  opts: { env?: Record<string, string> } = {},
): Promise<CliResult> {
  if (busy) throw new Error("cliInProcess: calls must not overlap (await each one)");
  if (process.cwd() !== ROOT.replace(/\/$/, "")) throw new Error(`cliInProcess runs in ${ROOT} only`);
  busy = true;
  const { main } = await import("../../src/cli/main.js");
  const env: Record<string, string> = { NO_COLOR: "1", ...opts.env };
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const out: string[] = [];
  const err: string[] = [];
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const capture =
    (into: string[]) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      into.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
      const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      cb?.();
      return true;
    };
  const errorListeners = process.stdout.listeners("error");
  process.stdout.write = capture(out) as typeof process.stdout.write;
  process.stderr.write = capture(err) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    const code = await main(args);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    process.exitCode = undefined;
    // main() adds its closed-pipe handler to stdout on every call; keep the worker's listeners as they were.
    for (const l of process.stdout.listeners("error"))
      if (!errorListeners.includes(l)) process.stdout.off("error", l as (...a: unknown[]) => void);
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    busy = false;
  }
}
