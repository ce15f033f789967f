/** BagIt 1.0 (RFC 8493) pieces: bagit.txt, bag-info.txt, manifests in the form `sha256sum -c` reads. */
import { createHash } from "node:crypto";

export const BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
export const MANIFEST = "manifest-sha256.txt";
export const TAG_MANIFEST = "tagmanifest-sha256.txt";

/** File names stay within [A-Za-z0-9._/-] (portable, and no escaping needed in manifests). */
export const SAFE_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export function formatManifest(entries: { path: string; data: Buffer }[]): string {
  return formatManifestOf(entries.map((e) => ({ path: e.path, sha256: sha256Hex(e.data) })));
}

/** The manifest of files whose hashes are already known (e.g. spooled while the run was going). */
export function formatManifestOf(entries: { path: string; sha256: string }[]): string {
  return entries
    .slice()
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => `${e.sha256}  ${e.path}\n`)
    .join("");
}

export interface ManifestLine {
  hash: string;
  path: string;
  line: number;
}

/** Parses a manifest; lines that are not `<64 hex>  <safe path>` are returned as problems. */
export function parseManifest(text: string): { entries: ManifestLine[]; problems: string[] } {
  const entries: ManifestLine[] = [];
  const problems: string[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  else problems.push("does not end with a newline");
  lines.forEach((l, i) => {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(l);
    if (!m || !SAFE_PATH.test(m[2]!) || m[2]!.split("/").includes("..")) {
      problems.push(`line ${i + 1} is not "<sha256 hex>  <path>"`);
      return;
    }
    entries.push({ hash: m[1]!, path: m[2]!, line: i + 1 });
  });
  return { entries, problems };
}

export function payloadOxum(files: { data: Buffer }[]): string {
  return payloadOxumOf(files.map((f) => f.data.length));
}

/** Payload-Oxum from the files' sizes: `<octets>.<file count>`. */
export function payloadOxumOf(sizes: number[]): string {
  return `${sizes.reduce((n, size) => n + size, 0)}.${sizes.length}`;
}

/** bag-info.txt lines; values must be single-line. */
export function formatBagInfo(fields: [string, string][]): string {
  return fields.map(([k, v]) => `${k}: ${v.replace(/\s*\n\s*/g, " ")}\n`).join("");
}

export function parseBagInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (/^\s/.test(line) && last) {
      out.set(last, `${out.get(last)} ${line.trim()}`);
      continue;
    }
    const i = line.indexOf(":");
    if (i <= 0) continue;
    last = line.slice(0, i).trim();
    out.set(last, line.slice(i + 1).trim());
  }
  return out;
}
