/**
 * The scrubber skips its eleven shape rules for a text with none of their literal anchors (a fast path for
 * the recorder, which scrubs every string of every answer). Every kind of secret the rules know must still
 * be redacted, and ordinary API strings must come back unchanged.
 */
import { describe, expect, it } from "vitest";
import { scrubSecrets } from "../../src/recording/scrub.js";

const SECRETS: [string, string, string][] = [
  // [kind, text, the secret part that must be gone]
  [
    "PEM key",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
    "MIIEowIBAAKCAQEA",
  ],
  ["Authorization header", "Authorization: AWS4-HMAC-SHA256 Credential=abcdefgh", "Credential=abcdefgh"],
  ["security token header", "x-amz-security-token:tok3n-value-123", "tok3n-value-123"],
  ["presigned token", "https://b.s3.amazonaws.com/k?X-Amz-Security-Token=tok3nvalue&x=1", "tok3nvalue"],
  ["JSON sessionToken", '{"sessionToken":"s3ss10n-t0k3n"}', "s3ss10n-t0k3n"],
  ["secret key", "aws_secret_access_key=wJalrXUtnFEMIK7MDENG", "wJalrXUtnFEMIK7MDENG"],
  ["client secret", "client_secret=very-secret-value", "very-secret-value"],
  ["password", "password=hunter2hunter2", "hunter2hunter2"],
  ["SigV4 signature", `Signature=${"a1".repeat(32)}`, "a1".repeat(32)],
  [
    "session token prefix",
    `token IQoJb3JpZ2luX2VjEJr${"A".repeat(20)}`,
    `IQoJb3JpZ2luX2VjEJr${"A".repeat(20)}`,
  ],
  ["access key id", "key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE"],
  ["temporary key id", "ASIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE"],
  ["bearer token", "Bearer abc.def-ghi", "abc.def-ghi"],
  ["GitHub token", `ghp_${"x".repeat(36)}`, `ghp_${"x".repeat(36)}`],
  ["GitHub PAT", `github_pat_${"Y".repeat(30)}`, `github_pat_${"Y".repeat(30)}`],
  ["Google token", "ya29.a0AfH6SMBxyz", "ya29.a0AfH6SMBxyz"],
  [
    "JWT",
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vciJ9.c2lnbmF0dXJl",
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vciJ9.c2lnbmF0dXJl",
  ],
];

describe("scrubSecrets fast path", () => {
  it.each(SECRETS)("still redacts a %s", (_kind, text, secret) => {
    const out = scrubSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain("[REDACTED]");
  });

  it("returns ordinary API strings unchanged", () => {
    for (const text of [
      "arn:aws:iam::123456789012:role/ITGCAuditReadOnly",
      "2026-11-30T12:00:00.000Z",
      "eu-west-1",
      "alice@example.com",
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}',
    ])
      expect(scrubSecrets(text)).toBe(text);
  });
});

describe("scrubSecrets on JSON text", () => {
  // The bundle writer scrubs documents as JSON text: a value after an escaped line break (`password:\nx`
  // inside a JSON string) must be redacted and the text must stay valid JSON (it once became `:\[REDACTED]`).
  it.each([
    ["password", { message: "config: password:\nhunter2hunter2 done" }, "hunter2hunter2"],
    ["authorization", { header: "Authorization:\r\nAWS4-HMAC-SHA256 Credential=abcdefgh" }, "abcdefgh"],
    ["session token", { log: 'sessionToken:\t"s3ss10n-t0k3n"' }, "s3ss10n-t0k3n"],
  ])("redacts a %s after an escaped line break and keeps the JSON valid", (_kind, value, secret) => {
    const out = scrubSecrets(JSON.stringify(value));
    expect(out).not.toContain(secret);
    expect(out).toContain("[REDACTED]");
    expect(() => JSON.parse(out)).not.toThrow();
  });
});
