/** GCP flags of `run` (scope, credentials, endpoint). The GCP provider registers its runtime from here. */
import type { Command } from "commander";
import type { RuntimeFactory } from "../../engine/execute-run.js";

export function addGcpOptions(cmd: Command): Command {
  return cmd;
}

export type GcpFlags = Record<string, unknown>;

/** The GCP runtime factory for these flags, or undefined when GCP is not part of the run. */
export function gcpRuntimeFrom(_flags: GcpFlags): RuntimeFactory | undefined {
  return undefined;
}
