/** `itgc-validate demo` — the full run against the bundled demo recording: no cloud account needed. */
import { join } from "node:path";
import { Command } from "commander";
import { InputError } from "../../core/errors.js";
import { FIXTURES_DIR } from "../../util/paths.js";
import { addRunOptions, type RunFlags } from "./run.js";

export const DEMO_RECORDING = join(FIXTURES_DIR, "aws", "demo");
export const GCP_DEMO_RECORDING = join(FIXTURES_DIR, "gcp", "demo");
export const GITHUB_DEMO_RECORDING = join(FIXTURES_DIR, "github", "demo");
/** The demo auditor's params: HR's leavers list as a CSV file (shows a CSV parameter and its evidence). */
export const DEMO_PARAMS = join(FIXTURES_DIR, "aws", "demo-params", "params.yaml");

/**
 * Flags that only mean something against a live cloud: credentials, endpoints, organization fan-out, API
 * pacing and uploading. The demo replays offline, so it refuses them instead of ignoring them (or, for
 * --upload, really calling S3).
 */
const LIVE_ONLY = [
  "profile",
  "roleArn",
  "externalId",
  "roleSessionName",
  "org",
  "memberRole",
  "accounts",
  "excludeAccounts",
  "shard",
  "maxAttempts",
  "concurrency",
  "accountConcurrency",
  "apiConcurrency",
  "upload",
  "retainDays",
  "organization",
  "folder",
  "project",
  "impersonateServiceAccount",
  "gcpEndpoint",
  "gcpRestEndpoint",
] as const;

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export function demoCommand(): Command {
  const cmd = new Command("demo").description(
    "Run every bundled control against the bundled demo recordings (a realistic AWS account, GCP\n" +
      "organization and GitHub organization, replayed offline). They hold failures, an AccessDenied and a\n" +
      "PERMISSION_DENIED, so it exits 3. Unless --params is given, the demo auditor's params are used\n" +
      "(fixtures/aws/demo-params: HR's leavers as a CSV file). Flags for a live cloud (credentials, --org, --upload, endpoints…) are\n" +
      "refused: use `run` for those.",
  );
  addRunOptions(cmd);
  return cmd.action(async (flags: RunFlags) => {
    const given = LIVE_ONLY.filter((k) => {
      const source = cmd.getOptionValueSource(k);
      return source === "cli" || source === "env";
    });
    if (given.length > 0)
      throw new InputError(
        `demo replays the bundled recordings offline; ${given.map(flagName).join(", ")} ${given.length > 1 ? "are" : "is"} for \`itgc-validate run\` against a live cloud`,
      );
    const { runAndReport } = await import("../run-and-report.js");
    process.exitCode = await runAndReport(
      {
        ...flags,
        replay: flags.replay ?? [DEMO_RECORDING, GCP_DEMO_RECORDING, GITHUB_DEMO_RECORDING],
        params: flags.params ?? DEMO_PARAMS,
        throwawayKey: true,
      },
      process.argv.slice(2),
    );
  });
}
