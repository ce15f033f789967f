/**
 * The scrubber's fast paths (src/recording/scrub.ts) must give exactly what the plain algorithm gives —
 * every registered secret replaced in registration order, then all eleven shape rules in order — for any
 * text: the literal gates only skip rules that cannot match, and the index of known secrets only skips the
 * replacement loop when no secret occurs. Checked on generated texts that mix every rule's literals (in
 * several cases), near misses, JSON escapes, PEM blocks and registered secrets.
 */
import { describe, expect, it } from "vitest";
import {
  holdsNothingToScrub,
  REDACTED,
  RULES,
  registerSecret,
  scrubSecrets,
} from "../../src/recording/scrub.js";

/**
 * More than the scrubber's few-secrets threshold, so the index is used; some share a 4-character prefix.
 * Long ones (24 characters or more, found by sampling the text) and more than the threshold of short ones
 * (found with a rolling window), with one of each at the boundary: the shortest long secret sets the
 * sampling stride (24 − 8 + 1 = 17).
 */
const KNOWN = [
  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example+token==",
  "bench-member-secret-100000000011",
  "bench-member-secret-100000000012",
  "bench-session-token-100000000011",
  "ghp_registeredTokenValue0123456789ab",
  "AbCdEfGh12345678",
  "AbCdEfGh12345679",
  "short-but-8",
  "AbCdXYZ-overlaps-AbCdEfGh12345678",
  "zq-boundary-23-chars-xy",
  "zq-boundary-24-chars-xyz",
  "zq-short-1",
  "zq-short-22",
  "zq-short/333",
  "zq-short-4444",
  "zq-short-55555",
  "zq-short+666666",
  // Real shapes: a session token of a few hundred characters, a secret key of 40 with `/` and `+`.
  `FwoGZXIvYXdzEBYaDH${"Ab3/+xYz".repeat(40)}==`,
  "9drTJvcXLB89EXAMPLELB8923FB892xMFI+/Zq9u",
  // Characters above 255 (they share bits in the windows' words).
  "zq-ünïcødé-sëcret-€€€-lông-énough-✓",
];
const registered: string[] = [];
for (const k of KNOWN) {
  registerSecret(k);
  for (const v of [k, encodeURIComponent(k)]) if (!registered.includes(v)) registered.push(v);
}

/** The plain algorithm, without any fast path. */
function reference(text: string): string {
  let out = text;
  for (const secret of registered) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [re, rep] of RULES) out = out.replace(re, rep as string);
  return out;
}

const FRAGMENTS = [
  // every rule's literals, in several cases, with and without a value after them
  "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
  "-----BEGIN PRIVATE KEY-----abc",
  "-----BEGIN ",
  "PRIVATE KEY-----",
  "Authorization: AWS4-HMAC-SHA256 Credential=abc",
  'authorization":"tok',
  "AUTHORIZATION=",
  "x-amz-security-token:tok3n",
  "X-Amz-Security-Token=tok&",
  '{"sessionToken":"s3ss"}',
  '\\"SessionToken\\":\\"v\\"',
  "aws_secret_access_key=wJalr",
  "secretAccessKey",
  "client_secret=",
  "PRIVATE_KEY=k",
  "refresh_token:",
  "access_token=abc",
  "id_token",
  "x-amz-signature=",
  "Password = p",
  "Signature=",
  "a1".repeat(32),
  "X-Amz-Signature=",
  "aX-Amz-Signature=",
  "IQoJb3JpZ2lu",
  "FwoGZXIvYXdz",
  "FQoGZXIvYXdzAAAAAAAAAAAAAAAAAAAA",
  "AKIA",
  "ASIAIOSFODNN7EXAMPLE",
  "akiaiosfodnn7example",
  "ABIA1234567890ABCDEF",
  "ACCA",
  "Bearer ",
  "bearer abc.def",
  "ghp_",
  "gho_abcdefghijklmnopqrstuvwxyz",
  "github_pat_",
  "ya29.",
  "ya29.a0AfH6",
  "eyJ",
  "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vciJ9.sig",
  // a whole match of every prefix rule's every literal (the per-rule triggers)
  "AKIAIOSFODNN7EXAMPLE",
  "ACCA1234567890ABCDEF",
  "IQoJb3JpZ2luAAAAAAAAAAAAAAAAAAAA",
  "FwoGZXIvYXdzBBBBBBBBBBBBBBBBBBBB",
  ...["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"].map((p) => `${p}0123456789abcdefghijkl`),
  // registered secrets and their pieces
  ...KNOWN,
  ...KNOWN.map(encodeURIComponent),
  ...KNOWN.map((k) => k.slice(0, 6)),
  ...KNOWN.map((k) => k.slice(0, -1)),
  // ordinary text and separators
  REDACTED,
  "[",
  "]",
  "arn:aws:iam::123456789012:role/deploy-pipeline",
  '{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole"',
  "2026-11-30T12:00:00Z",
  "token",
  "secret",
  " ",
  '"',
  "'",
  ":",
  "=",
  "\\",
  "\n",
  "-",
  "_",
  "&",
  "0123456789abcdef",
];

/** A small deterministic generator (the same texts on every run). */
function* texts(count: number): Generator<string> {
  let seed = 0x2545f491;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  for (let n = 0; n < count; n++) {
    const parts = 1 + Math.floor(next() * 8);
    let text = "";
    for (let p = 0; p < parts; p++) text += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
    yield text;
  }
}

describe("scrubSecrets fast paths", () => {
  it("gives exactly what the plain algorithm gives", () => {
    let changed = 0;
    const wrong: string[] = [];
    for (const text of texts(6_000)) {
      const out = scrubSecrets(text);
      if (out !== reference(text)) wrong.push(text);
      if (out !== text) changed++;
    }
    expect(wrong).toEqual([]);
    // The generated texts exercise both outcomes.
    expect(changed).toBeGreaterThan(3_000);
    expect(changed).toBeLessThan(6_000);
  });

  it("holdsNothingToScrub only when nothing would be replaced, with or without more text after it", () => {
    let nothing = 0;
    const wrong: string[] = [];
    for (const text of texts(6_000)) {
      if (!holdsNothingToScrub(text)) continue;
      nothing++;
      if (reference(text) !== text || reference(`${text}\n${text}`) !== `${text}\n${text}`) wrong.push(text);
    }
    expect(wrong).toEqual([]);
    expect(nothing).toBeGreaterThan(300);
    // Every fragment that some rule or secret replaces, anywhere in ordinary text, is seen.
    const filler = '{"eventName":"RunInstances","awsRegion":"eu-west-1","n":"0123456789"},'.repeat(3);
    for (const f of FRAGMENTS) {
      if (reference(f) === f) continue;
      for (let at = 0; at < 40; at += 3) {
        const text = `${filler.slice(0, at)}${f}${filler.slice(at)}`;
        expect(holdsNothingToScrub(text), JSON.stringify(text)).toBe(false);
      }
    }
  });

  it("gives the same for every single fragment and pair of fragments", () => {
    const wrong: string[] = [];
    for (const a of FRAGMENTS)
      for (const text of [a, ...FRAGMENTS.map((b) => a + b)])
        if (scrubSecrets(text) !== reference(text)) wrong.push(text);
    expect(wrong).toEqual([]);
  });

  it("finds a registered secret anywhere in a long text (the index)", () => {
    const filler = '{"eventName":"AuthorizeSecurityGroupIngress","x":"AbCdEf"}'.repeat(20);
    for (const secret of registered) {
      for (const text of [
        secret,
        `${filler}${secret}`,
        `${secret}${filler}`,
        `${filler}${secret}${filler}`,
      ]) {
        const out = scrubSecrets(text);
        expect(out).not.toContain(secret);
        expect(out).toBe(reference(text));
      }
    }
    // A prefix that collides with a secret's is not a secret.
    expect(scrubSecrets(`${filler}AbCdEfGh1234567`)).toBe(`${filler}AbCdEfGh1234567`);
  });

  it("finds every registered secret at every alignment of the sampling stride, and near misses of none", () => {
    // The long secrets are found by looking at the text every `stride` characters (17 to 25 here): each
    // secret is put at every offset 0 … 63 (every alignment of any stride up to 64), followed by nothing or by
    // more text; and each with its last or first character changed, which must not be replaced.
    const filler = '{"eventName":"RunInstances","awsRegion":"eu-west-1","n":"0123456789"},'.repeat(3);
    const wrong: string[] = [];
    let missed = 0;
    for (const secret of registered) {
      const last = secret.at(-1) === "~" ? "^" : "~";
      for (let offset = 0; offset < 64; offset++) {
        for (const tail of ["", "x", filler.slice(0, 29)]) {
          const before = filler.slice(0, offset);
          const text = `${before}${secret}${tail}`;
          const out = scrubSecrets(text);
          if (out !== reference(text)) wrong.push(text);
          if (!out.startsWith(`${before}${REDACTED}`) && !out.startsWith(`${before}AbCdXYZ`)) missed++;
          for (const near of [
            `${before}${secret.slice(0, -1)}${last}${tail}`,
            `${before}~${secret.slice(1)}${tail}`,
          ])
            if (scrubSecrets(near) !== reference(near)) wrong.push(near);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(missed).toBe(0);
  });
});
