/**
 * `itgc-validate permissions` — prints the least privilege the selected controls need (computed in
 * src/permissions/least-privilege.ts, loaded when the command runs).
 */
import { Command } from "commander";
import type { Provider } from "../../core/types.js";
import { addFilterOptions, type FilterFlags, filterFrom } from "../options/filters.js";

interface PermissionsFlags extends FilterFlags {
  org?: boolean;
  json?: boolean;
}

export function permissionsCommand(): Command {
  const cmd = new Command("permissions").description(
    "Print the least privilege the selected controls need: the IAM policy JSON (AWS), the permission list\n" +
      "(GCP), or the fine-grained token / GitHub App permissions, all read (GitHub), computed from the queries\n" +
      "they use. Same filters as `run`.",
  );
  addFilterOptions(cmd)
    .option(
      "--no-org",
      "leave out the organization fan-out actions (organizations:ListAccounts, sts:AssumeRole)",
    )
    .option("--json", "GCP: print the permission list as a JSON array");
  return cmd.action(async (flags: PermissionsFlags) => {
    const { selectControls } = await import("../../engine/select-controls.js");
    const { awsPolicy, permissionsFor } = await import("../../permissions/least-privilege.js");
    const { selected } = await selectControls(flags.controlsDir, filterFrom(flags));
    const providers: Provider[] = flags.provider?.length
      ? [...new Set(flags.provider)].sort()
      : [...new Set(selected.map((c) => c.provider))].sort();
    const out: Record<string, unknown> = {};
    for (const p of providers) {
      const forProvider = selected.filter((c) => c.provider === p);
      out[p] = p === "aws" ? awsPolicy(forProvider, { org: flags.org }) : permissionsFor(forProvider, p);
    }
    if (providers.length === 1) {
      const only = out[providers[0]!];
      if (providers[0] !== "aws" && !flags.json) {
        process.stdout.write((only as string[]).map((x) => `${x}\n`).join(""));
      } else {
        process.stdout.write(`${JSON.stringify(only, null, 2)}\n`);
      }
      return;
    }
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  });
}
