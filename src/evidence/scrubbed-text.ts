/**
 * A text file written in pieces, through the secret scrubber, hashed as it is written: the bundle writer's
 * way to write a 100 MB document while holding a few hundred kilobytes of it.
 *
 * The bytes must be exactly those of `scrubSecrets(wholeText)` — the bundle's bytes do not depend on how it
 * was written. Scrubbing piece by piece is the same only where no rule's match crosses a cut, so:
 *
 * - **Cuts are made only after a newline**, once at least `chunkChars` are pending. The scrubber's rules
 *   match runs of characters that stop at a line break (an ARN, a token, a value after `password:`), except
 *   where a rule spans white space (`authorization` / a secret's name, then `:` or `=` on the next line;
 *   `Bearer` then the token on the next line) or anything (a PEM private key up to its END line, or to the
 *   end of the text when it is cut off).
 * - **Each chunk is probed before it is written**: it is scrubbed with a probe continuation appended — `x`,
 *   and `=x` when the chunk's last visible character could end a secret's name and the text after it may
 *   start with `:` or `=` — and a rule that would have gone on into the next chunk eats the probe. Only a
 *   chunk whose probes come back untouched is final (its scrubbed text is then the probe's result without
 *   the probe); otherwise the next text is appended and the whole pending text probed again (the cut
 *   threshold doubles, so a PEM key cut off in a large document costs O(n log n), not O(n²)). A chunk with
 *   nothing to scrub at all (no known secret, no rule's trigger: most chunks of a population) needs no probe.
 * - A rule's match never starts in a later chunk because of what came before: every chunk starts after a
 *   newline, which is a word boundary like the start of the text.
 *
 * What this relies on from the scrubber (src/recording/scrub.ts): every replacement ends in `]` or `-----`
 * (never in the probe's `x`), and no known secret contains a line break (they are keys and tokens).
 * test/evidence/stream.test.ts checks chunked against whole scrubbing on texts built to cross every cut.
 */
import { createHash, type Hash } from "node:crypto";
import { holdsNothingToScrub, scrubSecrets } from "../recording/scrub.js";

/** Where the scrubbed bytes go (a file, or memory for `buildBundle`). */
export interface ByteSink {
  write(bytes: Buffer): void | Promise<void>;
}

export interface TextDigest {
  sha256: string;
  size: number;
}

/** Default cut threshold: 256 KiB of text pending before a cut is tried at the next newline. */
export const CHUNK_CHARS = 256 * 1024;

/** Could the text's last visible character end a secret's name (or its quote) before a `:` / `=`? */
function mayEndInName(text: string): boolean {
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text[i]!;
    // White space: look further back (the name may be lines above its `:`).
    if (/\s/.test(c)) continue;
    return /[A-Za-z"'\\]/.test(c);
  }
  return false;
}

/**
 * The scrubbed text of `chunk` if scrubbing it alone gives what scrubbing it followed by any continuation
 * would give for its part; undefined when a rule's match may go on past its end.
 */
export function scrubIfLocal(chunk: string, next = ""): string | undefined {
  // The common chunk (a page of population rows): it ends in a line break and holds no known secret and no
  // rule's trigger literal. Then no match can start in it whatever follows — every rule's match begins with
  // a literal that holds its trigger and no line break (a name, a prefix, `-----BEGIN`), and no known secret
  // holds a line break — so it is its own scrubbed text, as the probes below would find, without the copy of
  // the chunk each probe makes.
  if (chunk.endsWith("\n") && holdsNothingToScrub(chunk)) return chunk;
  const a = scrubSecrets(`${chunk}x`);
  if (!a.endsWith("x")) return undefined;
  const scrubbed = a.slice(0, -1);
  if (mayEndInName(chunk) && mayContinueName(next) && scrubSecrets(`${chunk}=x`) !== `${scrubbed}=x`)
    return undefined;
  return scrubbed;
}

/**
 * Could the text that follows a chunk ending in a name go on to its `:` / `=`? Only if its first visible
 * character is one (or it has none yet). A CSV row starts with its resource, a JSON line with a key or a
 * bracket: the second probe is then not needed.
 */
function mayContinueName(next: string): boolean {
  const m = /\S/.exec(next);
  return !m || m[0] === ":" || m[0] === "=";
}

/**
 * Takes a text's pieces in order (`add`) and hands back the scrubbed bytes to write, in chunks of about
 * `chunkChars` characters, each hashed into the file's digest; `end` gives the last bytes and the digest.
 * Synchronous: the caller awaits its own writes (one per chunk, not one per piece).
 */
export class ScrubbedText {
  private pending = "";
  /** Index in `pending` of its last newline, or -1. */
  private lastNewline = -1;
  private threshold: number;
  private readonly hash: Hash = createHash("sha256");
  private size = 0;

  constructor(private readonly chunkChars = CHUNK_CHARS) {
    this.threshold = chunkChars;
  }

  /** Adds text; the bytes ready to be written, if a chunk is complete. */
  add(text: string): Buffer | undefined {
    // The last newline is tracked piece by piece: searching the pending text for it would flatten it on
    // every piece of a long line (an HTML table is one line of thousands of rows).
    const nl = text.lastIndexOf("\n");
    if (nl >= 0) this.lastNewline = this.pending.length + nl;
    this.pending += text;
    if (this.pending.length < this.threshold || this.lastNewline < 0) return undefined;
    const cut = this.lastNewline;
    const chunk = this.pending.slice(0, cut + 1);
    const scrubbed = scrubIfLocal(chunk, this.pending.slice(cut + 1, cut + 1 + 256));
    if (scrubbed === undefined) {
      // A match may run on into what follows: keep the chunk and probe again with more text.
      this.threshold = this.pending.length * 2;
      return undefined;
    }
    this.pending = this.pending.slice(cut + 1);
    this.lastNewline = -1;
    this.threshold = this.chunkChars;
    return this.bytes(scrubbed);
  }

  /** The last bytes (maybe empty) and the digest of the whole file. */
  end(): { bytes: Buffer; digest: TextDigest } {
    const bytes = this.bytes(scrubSecrets(this.pending));
    this.pending = "";
    return { bytes, digest: { sha256: this.hash.digest("hex"), size: this.size } };
  }

  private bytes(text: string): Buffer {
    const bytes = Buffer.from(text);
    this.hash.update(bytes);
    this.size += bytes.length;
    return bytes;
  }
}

/** Writes `pieces` scrubbed to `sink`, a chunk at a time; the digest of the bytes written. */
export async function writeScrubbed(
  pieces: Iterable<string>,
  sink: ByteSink,
  chunkChars = CHUNK_CHARS,
): Promise<TextDigest> {
  const text = new ScrubbedText(chunkChars);
  for (const p of pieces) {
    const bytes = text.add(p);
    if (bytes) await sink.write(bytes);
  }
  const { bytes, digest } = text.end();
  if (bytes.length > 0) await sink.write(bytes);
  return digest;
}
