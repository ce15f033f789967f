/**
 * `itgc-validate --help` (or `-h`) alone, answered by bin/itgc-validate.js without loading the commands'
 * modules (≈ 80 of them, most of the start-up of a plain `--help`). The text is commander's own help of a
 * program with the same name, description, version option and subcommand lines: each command's usage term
 * and description are recorded in top-help.generated.ts (`npx tsx scripts/top-help.ts` after changing a
 * command's description or arguments; test/e2e/cli-conventions.test.ts fails when the record is stale and
 * compares the printed text with the full program's help). At the default width, 80 columns, bin/ prints
 * the build's record of this program's text instead (dist/bundle/top-help-80.txt, scripts/bundle-cli.mjs).
 */
import { Command } from "commander";
import { TOOL_VERSION } from "../util/version.js";
import { useWrappingHelp } from "./help.js";
import { TOP_HELP } from "./top-help.generated.js";

/** What the top-level help shows: the program's description and one line per subcommand. */
export interface TopHelp {
  description: string;
  commands: { name: string; term: string; description: string }[];
}

/** The top-level help's content of a full program (the generator and the staleness test use it). */
export function describeTopHelp(program: Command): TopHelp {
  const help = program.createHelp();
  return {
    description: program.description(),
    commands: help.visibleCommands(program).map((c) => ({
      name: c.name(),
      term: help.subcommandTerm(c),
      description: help.subcommandDescription(c),
    })),
  };
}

/** A program that prints the same top-level help, built from the record without the commands' modules. */
export function topHelpProgram(data: TopHelp = TOP_HELP): Command {
  const program = new Command("itgc-validate").description(data.description).version(TOOL_VERSION);
  const terms = new Map(data.commands.map((c) => [c.name, c.term]));
  for (const c of data.commands) if (c.name !== "help") program.command(c.name).description(c.description);
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? cmd.name() });
  useWrappingHelp(program);
  return program;
}
