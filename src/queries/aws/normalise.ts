/**
 * Normalisation shared by AWS query modules. Recorded answers carry timestamps as ISO strings and blobs as
 * base64 (see recording/format.ts); live answers carry Date and Uint8Array. These helpers accept both, so
 * live and replayed runs produce identical rows.
 */

/** Date | ISO string → Date; null/undefined → null. Throws on an unparseable value (fail closed). */
export function asDate(v: unknown): Date | null {
  if (v === null || v === undefined || v === "") return null;
  if (v instanceof Date) return v;
  if (typeof v === "string" || typeof v === "number") {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw new Error(`not a timestamp: ${JSON.stringify(v)}`);
    return d;
  }
  throw new Error(`not a timestamp: ${JSON.stringify(v)}`);
}

/** Uint8Array | base64 string → UTF-8 text. */
export function bytesToText(v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  if (typeof v === "string") return Buffer.from(v, "base64").toString("utf8");
  throw new Error("expected bytes");
}

/**
 * A policy document as AWS returns it: IAM URL-encodes documents (GetAccountAuthorizationDetails,
 * GetPolicyVersion, GetRole); other services return plain JSON. decodeURIComponent handles both.
 */
export function parsePolicyDocument(doc: unknown): Record<string, unknown> | null {
  if (doc === null || doc === undefined || doc === "") return null;
  if (typeof doc === "object") return doc as Record<string, unknown>;
  const text = String(doc);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return JSON.parse(decodeURIComponent(text)) as Record<string, unknown>;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
