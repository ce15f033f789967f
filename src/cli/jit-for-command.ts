/**
 * Which command lines run without V8's optimizing compiler (TurboFan): decided once, at the process's own
 * entry (bin/itgc-validate.js → `main(argv, { processEntry: true })`), like the heap growing factor
 * (cli/heap-for-command.ts), and never from inside an action (an in-process `main()` leaves its host's V8 as
 * it is).
 *
 * Why: a warm `demo` is ≈ 2 s of JavaScript, too short for TurboFan to pay for itself. V8 optimizes its hot
 * functions on its platform threads, and those took ≈ 1–1.4 s of CPU a demo — ≈ 40 % of the process's CPU,
 * on the machine's second core, which the spool's writer thread and GC need too. With `--max-opt=1`
 * (Ignition and Sparkplug, V8's baseline compiler, both on by default) the demo's process CPU was 0.76× and
 * its wall 0.73× (docs/performance.md, round 8). A live or organization `run` runs for minutes, where the
 * optimized code is what its per-call path needs: it keeps V8's default, as does every other command.
 * The flag is read by V8 whenever it decides to tier a function up, so setting it at the entry, before the
 * command's code runs, applies to all of the command's code.
 */
import { setFlagsFromString } from "node:v8";

/** The V8 flag of a command too short for the optimizing compiler. */
export const BASELINE_ONLY_FLAG = "--max-opt=1";

/** Whether this command line is one too short for TurboFan to pay (see the module comment): the demo. */
export function isShortCommandLine(argv: string[]): boolean {
  return argv.find((a) => !a.startsWith("-")) === "demo";
}

/** Sets the flag for a short command line; returns whether it did. */
export function tuneJitForCommandLine(
  argv: string[],
  setFlags: (flags: string) => void = setFlagsFromString,
): boolean {
  if (!isShortCommandLine(argv)) return false;
  setFlags(BASELINE_ONLY_FLAG);
  return true;
}
