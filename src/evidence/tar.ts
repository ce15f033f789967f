/**
 * A minimal POSIX ustar writer and reader, for `--archive` and for verifying a `.tar.gz` bundle.
 *
 * Why our own: `npm install` of a tar package is not available to this project's build, and `verify` must
 * not depend on a system `tar` (its absence or its format quirks on the reviewer's machine). The subset is
 * small: regular files and directories, names split into ustar prefix/name (up to 255 bytes), no links, no
 * pax/GNU extensions. Reading is strict — a checksum mismatch, a link, an absolute path or `..` is an error —
 * because the input is untrusted evidence. The archives are read by GNU tar, bsdtar and Python's tarfile.
 */
import { gunzipSync, gzipSync } from "node:zlib";

export interface TarEntry {
  /** Relative path with `/` separators; directories end without a slash. */
  path: string;
  type: "file" | "dir";
  data?: Buffer;
  mode?: number;
}

const BLOCK = 512;

export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TarError";
  }
}

function octal(n: number, width: number): string {
  // width includes the terminating NUL
  const s = n.toString(8);
  if (s.length > width - 1) throw new TarError(`value ${n} does not fit a ${width}-byte ustar field`);
  return `${s.padStart(width - 1, "0")}\0`;
}

function splitName(path: string): { name: string; prefix: string } {
  const bytes = Buffer.byteLength(path);
  if (bytes <= 100) return { name: path, prefix: "" };
  // Split at a "/" so that prefix <= 155 and name <= 100 bytes.
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== "/") continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0)
      return { name, prefix };
  }
  throw new TarError(`path too long for ustar: ${path}`);
}

function header(entry: TarEntry, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const path = entry.type === "dir" ? `${entry.path}/` : entry.path;
  const { name, prefix } = splitName(path);
  const size = entry.type === "file" ? (entry.data?.length ?? 0) : 0;
  h.write(name, 0, 100, "utf8");
  h.write(octal(entry.mode ?? (entry.type === "dir" ? 0o755 : 0o644), 8), 100, 8, "ascii");
  h.write(octal(0, 8), 108, 8, "ascii"); // uid
  h.write(octal(0, 8), 116, 8, "ascii"); // gid
  h.write(octal(size, 12), 124, 12, "ascii");
  h.write(octal(mtime, 12), 136, 12, "ascii");
  h.write("        ", 148, 8, "ascii"); // checksum placeholder
  h.write(entry.type === "dir" ? "5" : "0", 156, 1, "ascii");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return h;
}

/** A tar stream (uncompressed) of the entries, in the order given. */
export function writeTar(entries: TarEntry[], mtime: Date): Buffer {
  const secs = Math.floor(mtime.getTime() / 1000);
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e, secs));
    if (e.type === "file" && e.data && e.data.length > 0) {
      parts.push(e.data);
      const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad, 0));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}

export function writeTarGz(entries: TarEntry[], mtime: Date): Buffer {
  // gzip header mtime is 0 in Node's zlib, so equal input gives equal bytes.
  return gzipSync(writeTar(entries, mtime), { level: 9 });
}

function cstr(buf: Buffer, start: number, len: number): string {
  const slice = buf.subarray(start, start + len);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? len : nul).toString("utf8");
}

function readOctal(buf: Buffer, start: number, len: number, what: string): number {
  const s = cstr(buf, start, len).trim();
  if (!/^[0-7]*$/.test(s)) throw new TarError(`bad ${what} field in tar header`);
  return s === "" ? 0 : Number.parseInt(s, 8);
}

/** Reads a ustar stream: regular files and directories only; anything else is an error. */
export function readTar(tar: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let off = 0;
  while (off + BLOCK <= tar.length) {
    const h = tar.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) return entries;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    const stored = readOctal(h, 148, 8, "checksum");
    if (stored !== sum) throw new TarError(`tar header checksum mismatch at offset ${off}`);
    const name = cstr(h, 0, 100);
    const magic = cstr(h, 257, 6);
    const prefix = magic === "ustar" ? cstr(h, 345, 155) : "";
    let path = prefix ? `${prefix}/${name}` : name;
    const type = String.fromCharCode(h[156]!);
    const size = readOctal(h, 124, 12, "size");
    const mode = readOctal(h, 100, 8, "mode");
    off += BLOCK;
    if (off + size > tar.length) throw new TarError(`tar entry ${path} is truncated`);
    const data = Buffer.from(tar.subarray(off, off + size));
    off += Math.ceil(size / BLOCK) * BLOCK;
    path = path.replace(/^\.\//, "");
    if (type === "5") {
      path = path.replace(/\/+$/, "");
      if (path === "" || path === ".") continue;
      checkPath(path);
      entries.push({ path, type: "dir", mode });
    } else if (type === "0" || type === "\0") {
      checkPath(path);
      entries.push({ path, type: "file", data, mode });
    } else {
      throw new TarError(
        `tar entry ${path}: type ${JSON.stringify(type)} is not a regular file or directory`,
      );
    }
  }
  throw new TarError("tar archive ends without its end-of-archive blocks (truncated?)");
}

function checkPath(path: string): void {
  if (path.startsWith("/") || path.split("/").some((p) => p === ".." || p === ""))
    throw new TarError(`tar entry with an unsafe path: ${path}`);
}

export function readTarGz(gz: Buffer): TarEntry[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz);
  } catch (e) {
    throw new TarError(`not a gzip file: ${(e as Error).message}`);
  }
  return readTar(tar);
}
