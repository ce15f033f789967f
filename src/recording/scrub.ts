/**
 * The one secret scrubber. Everything the tool writes goes through it: the recorder (every recorded input,
 * output and error message), the evidence bundle (every file but the signatures), the reports and the
 * console (stdout and stderr, installed by the CLI entry point).
 *
 * Two kinds of rules:
 * - **shapes** of credentials wherever they appear: AWS access key ids (AKIA/ASIA…), AWS session tokens,
 *   `x-amz-security-token` / `X-Amz-Security-Token=` values (a SignatureDoesNotMatch error quotes the
 *   canonical request, token included), `Authorization` header values, SigV4 `Signature=` values, OAuth
 *   bearer tokens, GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), Google access
 *   tokens (`ya29.`), JWTs, PEM private keys, and the values of keys named like secrets;
 * - **known values**: the secrets this process holds (the AWS secret key and session token from the
 *   environment or from AssumeRole, a GitHub token), replaced wherever they appear, in any form.
 *
 * A replacement never contains a quote, backslash or newline, so scrubbing serialised JSON, CSV or HTML
 * keeps it well-formed.
 */

export const REDACTED = "[REDACTED]";

type Rule = [RegExp, string | ((...m: string[]) => string)];

const RULES: Rule[] = [
  // PEM private keys (also JSON-escaped, with literal \n), complete or cut off.
  [
    /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g,
    "-----BEGIN $1PRIVATE KEY-----[REDACTED]-----END $1PRIVATE KEY-----",
  ],
  // Authorization header values, as a header line, a JSON member or a query parameter.
  [/\b(authorization)(\\?["']?\s*[:=]\s*\\?["']?)([^"'\r\n\\]+)/gi, `$1$2${REDACTED}`],
  // Session tokens in headers (x-amz-security-token:…), presigned URLs (X-Amz-Security-Token=…) and JSON.
  [
    /\b(x-amz-security-token|aws_session_token|sessionToken|security_token)(\\?["']?\s*[:=]\s*\\?["']?)([^\s"'&,;\\]+)/gi,
    `$1$2${REDACTED}`,
  ],
  [
    /\b(aws_secret_access_key|secretAccessKey|secret_access_key|client_secret|private_key|refresh_token|access_token|id_token|x-amz-signature|password)(\\?["']?\s*[:=]\s*\\?["']?)([^\s"'&,;\\]+)/gi,
    `$1$2${REDACTED}`,
  ],
  // SigV4 signatures (Authorization header, presigned URL, string-to-sign quotes).
  [/\b(Signature=)([0-9a-f]{64})\b/g, `$1${REDACTED}`],
  // AWS session tokens by their fixed prefixes (base64 of the token's header).
  [/\b(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9+/=%]{16,}/g, REDACTED],
  // AWS access key ids of credentials (long-term AKIA, temporary ASIA).
  [/\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, REDACTED],
  // OAuth bearer tokens.
  [/\b(Bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${REDACTED}`],
  // GitHub tokens.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g, REDACTED],
  // Google OAuth access tokens.
  [/\bya29\.[A-Za-z0-9_\-.]+/g, REDACTED],
  // JSON Web Tokens (OIDC identity tokens).
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, REDACTED],
];

const known = new Set<string>();

/** Secrets this process holds: every later scrub replaces them, raw or URL-encoded. */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 8) return;
  known.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) known.add(encoded);
}

/** Registers the secrets found in the environment (AWS keys, GitHub tokens). */
export function registerEnvironmentSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of [
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GOOGLE_OAUTH_ACCESS_TOKEN",
  ])
    registerSecret(env[name]);
}

/**
 * Every rule above needs one of these literals (case-insensitive here, a superset of the rules' own case):
 * a text with none of them cannot match any rule, and is checked with one scan instead of eleven. The
 * recorder scrubs every string of every recorded answer, most of them ARNs, names and dates.
 */
const ANCHORS =
  /-----BEGIN|authorization|security_token|security-token|sessiontoken|aws_session_token|secret_access_key|secretaccesskey|client_secret|private_key|refresh_token|access_token|id_token|x-amz-signature|password|signature=|IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz|AKIA|ASIA|ABIA|ACCA|bearer|gh[pousr]_|github_pat_|ya29\.|eyJ/i;

/** The text with every secret replaced by [REDACTED]. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  if (!ANCHORS.test(out)) return out;
  for (const [re, rep] of RULES) out = out.replace(re, rep as string);
  return out;
}

/** True when the text holds something the scrubber would replace. */
export function containsSecret(text: string): boolean {
  return scrubSecrets(text) !== text;
}
