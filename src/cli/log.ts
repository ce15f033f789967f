/**
 * The CLI's own messages on stderr — notices (a new key's fingerprint, an unsigned bundle, skipped
 * providers, where the output went) and the final error — in the run's log format, so that `--quiet` is
 * quiet (errors only) and `--log-format json` gives nothing but JSON lines, the same shape as the progress
 * events ({time, event, …}). Commands that take no log flags print text.
 */
export type LogMode = "text" | "json" | "quiet";

let mode: LogMode = "text";
let warningsRouted = false;

export function setLogMode(m: LogMode): void {
  mode = m;
  if (m !== "text" && !warningsRouted) {
    // Node prints process warnings (deprecations, the SDK's) as text; in json / quiet mode they follow the
    // log format instead of breaking it.
    warningsRouted = true;
    process.removeAllListeners("warning");
    process.on("warning", (w) => notice(`warning: ${w.name}: ${w.message}`, { warning: w.name }));
  }
}

export function logMode(): LogMode {
  return mode;
}

function write(event: string, text: string, fields: Record<string, unknown>): void {
  if (mode === "json") {
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), event, message: text, ...fields })}\n`,
    );
  } else {
    process.stderr.write(`itgc-validate: ${text}\n`);
  }
}

/** Something the user should know; not printed with --quiet. */
export function notice(text: string, fields: Record<string, unknown> = {}): void {
  if (mode !== "quiet") write("notice", text, fields);
}

/** Why the command failed; printed in every mode. */
export function errorLine(text: string, fields: Record<string, unknown> = {}): void {
  write("error", text, fields);
}
