/**
 * The command-line entry point. Every command lives in its own module under cli/commands/; a command's
 * module only defines its options, and its action loads what it needs (engine, SDKs, renderers) on use,
 * so `--help`, `--version` and the listing commands start fast.
 *
 * Errors: InputError and every commander usage error (in any command or subcommand) → message on stderr,
 * exit 2. Anything unexpected → exit 3 (the run could not complete, so the evidence is incomplete), with the
 * stack under ITGC_DEBUG=1. A closed stdout (`… | head`) ends the command quietly with exit 0.
 */
import { Command, CommanderError } from "commander";
import { InputError } from "../core/errors.js";
import { registerEnvironmentSecrets, scrubSecrets } from "../recording/scrub.js";
import { TOOL_VERSION } from "../util/version.js";
import { controlsCommand } from "./commands/controls.js";
import { demoCommand } from "./commands/demo.js";
import { diffCommand } from "./commands/diff.js";
import { keygenCommand } from "./commands/keygen.js";
import { lintCommand } from "./commands/lint.js";
import { mergeCommand } from "./commands/merge.js";
import { permissionsCommand } from "./commands/permissions.js";
import { queriesCommand } from "./commands/queries.js";
import { reperformCommand } from "./commands/reperform.js";
import { reportCommand } from "./commands/report.js";
import { runCommand } from "./commands/run.js";
import { sampleCommand } from "./commands/sample.js";
import { sqlCommand } from "./commands/sql.js";
import { verifyCommand } from "./commands/verify.js";
import { tuneHeapForCommandLine } from "./heap-for-command.js";
import { useWrappingHelp } from "./help.js";
import { tuneJitForCommandLine } from "./jit-for-command.js";
import { errorLine } from "./log.js";

export function buildProgram(): Command {
  const program = new Command("itgc-validate")
    .description(
      "Validate cloud IT General Controls (access, change management, logging) against AWS and GCP,\n" +
        "and write evidence an auditor can verify and re-perform.",
    )
    .version(TOOL_VERSION);
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
    diffCommand(),
    sqlCommand(),
    sampleCommand(),
  ]) {
    program.addCommand(cmd);
  }
  forEachCommand(program, (c) => c.exitOverride().showHelpAfterError("(add --help for usage)"));
  useWrappingHelp(program);
  return program;
}

/**
 * Every byte the CLI prints passes the secret scrubber (recording/scrub.ts): results, reports, progress,
 * error messages and anything a library prints. Writes are whole strings, so a secret is not split.
 */
export function scrubConsole(): void {
  registerEnvironmentSecrets();
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...a: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(typeof chunk === "string" ? scrubSecrets(chunk) : chunk, ...rest)) as typeof stream.write;
  }
}

/** Every command and subcommand: settings commander does not inherit into commands added later. */
function forEachCommand(cmd: Command, f: (c: Command) => void): void {
  f(cmd);
  for (const sub of cmd.commands) forEachCommand(sub, f);
}

/** `itgc-validate controls list | head -2`: the reader has gone; stop quietly, as `git log | head` does. */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}

export interface MainOptions {
  /**
   * Set by the process's own entry (bin/itgc-validate.js) only: then process-wide settings decided from the
   * command line are made before the command runs (V8's heap growing factor for an organization run,
   * cli/heap-for-command.ts; no optimizing compiler for the demo, cli/jit-for-command.ts). An in-process
   * call (tests) leaves the process as it is.
   */
  processEntry?: boolean;
  /**
   * The entry set the command's V8 JIT flag itself, before the CLI's code compiled (the demo from the code
   * cache on Node 20, cli/cached-cli.ts): then main does not set it again.
   */
  jitTunedAtEntry?: boolean;
}

export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  exitQuietlyOnClosedPipe(process.stdout);
  const program = buildProgram();
  try {
    if (opts.processEntry) {
      tuneHeapForCommandLine(argv);
      if (!opts.jitTunedAtEntry) tuneJitForCommandLine(argv);
    }
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
      errorLine(e.message);
      return 2;
    }
    errorLine(e instanceof Error ? e.message : String(e));
    if (process.env.ITGC_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 3;
  }
}
