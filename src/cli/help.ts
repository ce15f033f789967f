/**
 * Help that fits the terminal: the width is the terminal's (stdout), else $COLUMNS, else 80; descriptions
 * are re-wrapped to it. Source texts are wrapped by hand at ~110 columns: a line break after a sentence
 * (". " or ":") is kept, any other break is where the author wrapped, and becomes a space. When the option
 * column leaves too little room beside it, the description goes on the next lines, indented.
 */
import { type Command, Help } from "commander";

const MIN_DESCRIPTION_WIDTH = 40;

export function helpWidth(): number {
  if (process.stdout.isTTY && process.stdout.columns) return process.stdout.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env >= 20 ? env : 80;
}

/** Joins hand-wrapped lines; keeps breaks that end a sentence. */
export function reflow(text: string): string {
  return text.replace(/([^.:\n])\n(?!\n)/g, "$1 ");
}

class WrappingHelp extends Help {
  override formatItem(term: string, termWidth: number, description: string, helper: Help): string {
    const text = reflow(description);
    const width = this.helpWidth ?? 80;
    if (!text || width - termWidth - 4 >= MIN_DESCRIPTION_WIDTH) {
      return super.formatItem(term, termWidth, text, helper);
    }
    const indent = " ".repeat(8);
    const body = helper.boxWrap(text, width - indent.length);
    return `  ${term}\n${indent}${body.replace(/\n/g, `\n${indent}`)}`;
  }

  override commandDescription(cmd: Command): string {
    return reflow(super.commandDescription(cmd));
  }
}

/** Applies the wrapping help to a command and every subcommand. */
export function useWrappingHelp(cmd: Command): void {
  cmd.createHelp = () => Object.assign(new WrappingHelp(), cmd.configureHelp());
  cmd.configureOutput({ getOutHelpWidth: helpWidth, getErrHelpWidth: helpWidth });
  for (const sub of cmd.commands) useWrappingHelp(sub);
}
