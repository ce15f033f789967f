/** `itgc-validate demo` — the full run against the bundled demo recording: no cloud account needed. */
import { join } from "node:path";
import { Command } from "commander";
import { FIXTURES_DIR } from "../../util/paths.js";
import { addRunOptions, type RunFlags, runAndReport } from "./run.js";

export const DEMO_RECORDING = join(FIXTURES_DIR, "aws", "demo");
export const GCP_DEMO_RECORDING = join(FIXTURES_DIR, "gcp", "demo");
export const GITHUB_DEMO_RECORDING = join(FIXTURES_DIR, "github", "demo");

export function demoCommand(): Command {
  const cmd = new Command("demo").description(
    "Run every bundled control against the bundled demo recordings (a realistic AWS account, GCP\n" +
      "organization and GitHub organization, replayed offline). They hold failures, an AccessDenied and a PERMISSION_DENIED, so it exits 3.",
  );
  addRunOptions(cmd);
  return cmd.action(async (flags: RunFlags) => {
    process.exitCode = await runAndReport(
      {
        ...flags,
        replay: flags.replay ?? [DEMO_RECORDING, GCP_DEMO_RECORDING, GITHUB_DEMO_RECORDING],
        throwawayKey: true,
      },
      process.argv.slice(2),
    );
  });
}
