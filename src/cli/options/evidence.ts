/** Evidence flags of `run` (where the output goes) and writing it after a run. */
import type { Command } from "commander";
import type { RunOutcome } from "../../engine/execute-run.js";
import { writeRunOutput } from "../../evidence/write-output.js";

export function addEvidenceOptions(cmd: Command): Command {
  return cmd.option("--out <dir>", "write the results and every raw API response under this directory");
}

export interface EvidenceFlags {
  out?: string;
}

/** Writes the run's output if asked; returns the directory written, for the closing message. */
export async function writeEvidence(flags: EvidenceFlags, outcome: RunOutcome): Promise<string | undefined> {
  return flags.out ? writeRunOutput(flags.out, outcome) : undefined;
}
