/**
 * A bundle read into memory, from a directory or a `.tar.gz`: its files by relative path (`/` separators).
 * Everything inside the bundle that is not a regular file or directory (symlinks, devices) is reported,
 * never followed. The path given itself may be a symbolic link to a bundle (a "latest" link): it is
 * resolved once, and the bundle is read where it really is.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { basename, join } from "node:path";
import { readTarGz, TarError } from "./tar.js";

export interface BundleFiles {
  /** What the user named (directory or archive path). */
  source: string;
  /** The bag's directory name (External-Identifier), as found on disk or in the archive. */
  name: string;
  files: Map<string, Buffer>;
  /** Entries that are neither files nor directories. */
  oddities: string[];
}

export class UnusableBundle extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnusableBundle";
  }
}

export function isArchivePath(p: string): boolean {
  return /\.(tar\.gz|tgz)$/.test(p);
}

export function readBundle(given: string): BundleFiles {
  if (!existsSync(given)) throw new UnusableBundle(`${given}: no such file or directory`);
  const path = lstatSync(given).isSymbolicLink() ? realpathSync(given) : given;
  const st = lstatSync(path);
  if (st.isFile()) return { ...readArchive(path), source: given };
  if (!st.isDirectory()) throw new UnusableBundle(`${path}: not a directory or a .tar.gz`);
  const files = new Map<string, Buffer>();
  const oddities: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const s = lstatSync(abs);
      if (s.isDirectory()) walk(abs, r);
      else if (s.isFile()) files.set(r, readFileSync(abs));
      else oddities.push(r);
    }
  };
  walk(path, "");
  if (!looksLikeBag(files))
    throw new UnusableBundle(
      `${path}: not an evidence bundle (no bagit.txt, manifests or data/ found; give the bundle's own directory)`,
    );
  return { source: given, name: basename(path.replace(/\/+$/, "")), files, oddities };
}

function readArchive(path: string): BundleFiles {
  let entries: ReturnType<typeof readTarGz>;
  try {
    entries = readTarGz(readFileSync(path));
  } catch (e) {
    if (e instanceof TarError) throw new UnusableBundle(`${path}: ${e.message}`);
    throw e;
  }
  const tops = new Set(entries.map((e) => e.path.split("/")[0]!));
  const single = tops.size === 1 ? [...tops][0]! : undefined;
  const strip = single && entries.some((e) => e.path.startsWith(`${single}/`)) ? `${single}/` : "";
  const files = new Map<string, Buffer>();
  for (const e of entries) {
    if (e.type !== "file") continue;
    const rel = strip ? e.path.slice(strip.length) : e.path;
    if (files.has(rel)) throw new UnusableBundle(`${path}: ${e.path} appears twice in the archive`);
    files.set(rel, e.data ?? Buffer.alloc(0));
  }
  if (!looksLikeBag(files)) throw new UnusableBundle(`${path}: the archive does not hold an evidence bundle`);
  const name = strip ? single! : basename(path).replace(/\.(tar\.gz|tgz)$/, "");
  return { source: path, name, files, oddities: [] };
}

function looksLikeBag(files: Map<string, Buffer>): boolean {
  return (
    files.has("bagit.txt") ||
    files.has("manifest-sha256.txt") ||
    files.has("tagmanifest-sha256.txt") ||
    [...files.keys()].some((k) => k.startsWith("data/"))
  );
}
