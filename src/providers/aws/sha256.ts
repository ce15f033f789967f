/**
 * The SHA-256 the SDK's SigV4 signer uses for a run's live clients (`sha256` in the client configuration),
 * in place of the SDK's `Sha256Node`, with the same results for the same inputs. Why: a signature costs
 * the SDK six native hash objects a request (an HMAC of the credentials only to find its cached signing
 * key, and a copy of every plain hash before its digest); on this machine's LookupEvents listing signing
 * was ≈ 7 % of the main thread (docs/performance.md, round 11). Here:
 * - a plain hash is one call of `crypto.hash` over what was fed (no hash object, no copy);
 * - an HMAC keyed by a string (the secret access key: the signer's credential hash, and the first step of a
 *   signing key's derivation) is remembered by key and message, so the same credentials hash once per
 *   process instead of once per request. The remembered keys are secrets already held by the credentials
 *   they come from (and registered with the scrubber); the memo is bounded and holds no more than those.
 * An HMAC keyed by bytes (the derived signing key: the request's signature) is computed every time.
 */
import * as crypto from "node:crypto";

type SourceData = string | ArrayBuffer | ArrayBufferView;

/** `crypto.hash` (Node ≥ 20.12), else a hash object. */
const oneShot: (data: Uint8Array) => Buffer =
  typeof (crypto as { hash?: unknown }).hash === "function"
    ? (data) =>
        (crypto as unknown as { hash(a: string, d: Uint8Array, e: "buffer"): Buffer }).hash(
          "sha256",
          data,
          "buffer",
        )
    : (data) => crypto.createHash("sha256").update(data).digest();

/** String-keyed HMACs already computed: key → message (latin1 of its bytes) → digest. */
const stringKeyed = new Map<string, Map<string, Uint8Array>>();
const MEMO_KEYS = 256;

function bytes(data: SourceData): Uint8Array {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts);
}

function asUint8Array(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export class RunSha256 {
  readonly digestLength = 32;
  private parts: Uint8Array[] = [];
  private finished = false;

  constructor(private readonly secret?: SourceData) {}

  update(data: SourceData): void {
    if (this.finished) throw new Error("Attempted to update an already finished hash.");
    this.parts.push(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    const message = concat(this.parts);
    if (this.secret === undefined || this.secret === null) return asUint8Array(oneShot(message));
    // As the SDK's: an HMAC is finished by its digest; a plain hash may go on being updated.
    this.finished = true;
    if (typeof this.secret !== "string") return hmac(bytes(this.secret), message);
    let byMessage = stringKeyed.get(this.secret);
    const text = Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString("latin1");
    const known = byMessage?.get(text);
    if (known) return known.slice();
    const digest = hmac(this.secret, message);
    if (!byMessage) {
      if (stringKeyed.size >= MEMO_KEYS) stringKeyed.clear();
      byMessage = new Map();
      stringKeyed.set(this.secret, byMessage);
    }
    // Few messages per key (the access key id; a date); a key signing anything else is not remembered.
    if (byMessage.size < 8) byMessage.set(text, digest.slice());
    return digest;
  }

  reset(): void {
    this.parts = [];
    this.finished = false;
  }
}

function hmac(key: string | Uint8Array, message: Uint8Array): Uint8Array {
  return asUint8Array(crypto.createHmac("sha256", key).update(message).digest());
}
