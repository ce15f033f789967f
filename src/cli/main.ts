/**
 * The command-line entry point. Every command lives in its own module under cli/commands/.
 * Errors: InputError and commander usage errors → message on stderr, exit 2. Anything unexpected → exit 3
 * (the run could not complete, so the evidence is incomplete), with the stack under ITGC_DEBUG=1.
 */
import { Command, CommanderError } from "commander";
import { InputError } from "../core/errors.js";
import { TOOL_VERSION } from "../util/version.js";
import { controlsCommand } from "./commands/controls.js";
import { demoCommand } from "./commands/demo.js";
import { keygenCommand } from "./commands/keygen.js";
import { lintCommand } from "./commands/lint.js";
import { mergeCommand } from "./commands/merge.js";
import { permissionsCommand } from "./commands/permissions.js";
import { queriesCommand } from "./commands/queries.js";
import { reperformCommand } from "./commands/reperform.js";
import { reportCommand } from "./commands/report.js";
import { runCommand } from "./commands/run.js";
import { sampleCommand } from "./commands/sample.js";
import { verifyCommand } from "./commands/verify.js";

export function buildProgram(): Command {
  const program = new Command("itgc-validate")
    .description(
      "Validate cloud IT General Controls (access, change management, logging) against AWS and GCP,\n" +
        "and write evidence an auditor can verify and re-perform.",
    )
    .version(TOOL_VERSION)
    .showHelpAfterError()
    .exitOverride();
  for (const cmd of [
    runCommand(),
    demoCommand(),
    lintCommand(),
    controlsCommand(),
    queriesCommand(),
    verifyCommand(),
    reperformCommand(),
    reportCommand(),
    keygenCommand(),
    permissionsCommand(),
    mergeCommand(),
    sampleCommand(),
  ]) {
    program.addCommand(cmd.exitOverride());
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === "commander.helpDisplayed" ||
        e.code === "commander.version" ||
        e.code === "commander.help"
      )
        return 0;
      return 2;
    }
    if (e instanceof InputError) {
      process.stderr.write(`itgc-validate: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`itgc-validate: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.ITGC_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 3;
  }
}
