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

/** The shape rules, in the order they are applied (exported for the fast paths' test). */
export const RULES: readonly Rule[] = [
  // PEM private keys (also JSON-escaped, with literal \n), complete or cut off.
  [
    /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g,
    "-----BEGIN $1PRIVATE KEY-----[REDACTED]-----END $1PRIVATE KEY-----",
  ],
  // Authorization header values, as a header line, a JSON member or a query parameter. After the `:` / `=`
  // the separators also take an escaped line break or tab (`\n`, `\r`, `\t` in JSON text) and a backslash only
  // before a quote: a document is scrubbed as JSON text, and `password:\nx` must become `password:\n[REDACTED]`,
  // not `password:\[REDACTED]` (invalid JSON).
  [/\b(authorization)(\\?["']?\s*[:=](?:\s|\\[nrt])*(?:\\?["'])?)([^"'\r\n\\]+)/gi, `$1$2${REDACTED}`],
  // Session tokens in headers (x-amz-security-token:…), presigned URLs (X-Amz-Security-Token=…) and JSON.
  [
    /\b(x-amz-security-token|aws_session_token|sessionToken|security_token)(\\?["']?\s*[:=](?:\s|\\[nrt])*(?:\\?["'])?)([^\s"'&,;\\]+)/gi,
    `$1$2${REDACTED}`,
  ],
  [
    /\b(aws_secret_access_key|secretAccessKey|secret_access_key|client_secret|private_key|refresh_token|access_token|id_token|x-amz-signature|password)(\\?["']?\s*[:=](?:\s|\\[nrt])*(?:\\?["'])?)([^\s"'&,;\\]+)/gi,
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

/**
 * The secrets this process holds, in the order they were registered (the order they are replaced in), with
 * an index to tell at once whether a text holds any of them. An organization run registers two or four per
 * account (the secret key and session token of each AssumeRole, raw and URL-encoded): one `includes` per
 * secret per string was ≈ 100–200 scans of every string the recorder stores (docs/performance.md).
 */
class KnownSecrets {
  private readonly values = new Set<string>();
  /** The same values, in registration order (`secretsSince` hands them on by position). */
  readonly list: string[] = [];
  private shortest = Infinity;
  /** The index (built on first use after a change); see anyIn. */
  private index: SecretIndex | undefined;

  add(value: string): void {
    if (this.values.has(value)) return;
    this.values.add(value);
    this.list.push(value);
    this.shortest = Math.min(this.shortest, value.length);
    this.index = undefined;
  }

  /** In registration order. */
  [Symbol.iterator](): IterableIterator<string> {
    return this.values.values();
  }

  /**
   * True when the text holds at least one of the secrets (exact: false means none occurs). A few secrets:
   * one `includes` each. More: the long secrets (LONG_SECRET characters or more: keys and tokens) by
   * sampling the text (SampledSecrets), the short ones (rare) with a rolling window (RollingSecrets).
   */
  anyIn(text: string): boolean {
    if (this.values.size === 0 || text.length < this.shortest) return false;
    if (this.values.size <= FEW_SECRETS) {
      for (const secret of this.values) if (text.includes(secret)) return true;
      return false;
    }
    this.index ??= secretIndex([...this.values]);
    const { long, short } = this.index;
    return (long?.anyIn(text) ?? false) || (short?.anyIn(text) ?? false);
  }
}

interface SecretIndex {
  long: SampledSecrets | undefined;
  short: { anyIn(text: string): boolean } | undefined;
}

function secretIndex(values: string[]): SecretIndex {
  const long = values.filter((v) => v.length >= LONG_SECRET);
  const short = values.filter((v) => v.length < LONG_SECRET);
  return {
    long: long.length > 0 ? new SampledSecrets(long) : undefined,
    short:
      short.length === 0
        ? undefined
        : short.length <= FEW_SECRETS
          ? { anyIn: (text) => short.some((secret) => text.includes(secret)) }
          : new RollingSecrets(short),
  };
}

/** Up to this many secrets, one `includes` each is cheaper than the index. */
const FEW_SECRETS = 8;
const MIN_SECRET = 8;
/** Secrets this long or longer are found by sampling (AWS secret keys are 40, session tokens hundreds). */
const LONG_SECRET = 24;
/** Characters of a sampled window (≤ LONG_SECRET). */
const SAMPLE = 8;
const SAMPLE_TABLE_BITS = 17;

/**
 * Finds long secrets by looking at one window of SAMPLE characters every `stride` positions of the text,
 * with stride = (shortest secret − SAMPLE + 1): an occurrence of a secret of length L ≥ shortest at
 * position s covers the L − SAMPLE + 1 ≥ stride consecutive window starts s … s + L − SAMPLE, so exactly one
 * sampled start p (a multiple of stride) falls on its first `stride` windows, at p − s ∈ [0, stride). The
 * table holds those windows only (offsets 0 … stride − 1 of every secret): a sampled window found there
 * gives, per offset k it was seen at, one candidate start p − k, checked against the secrets that begin
 * with the window at that start (a second table) and then with startsWith. So a text of n characters costs
 * n ÷ stride window reads (≈ 1/25 of its characters read 8 at a time for the bench's 32-character secrets,
 * 1/33 for AWS keys) instead of one step per character. Exact: every candidate is checked, and a window's
 * table slot only narrows where to check (windows that collide, or that ordinary text shares with a
 * secret — an account id in a secret — merely cost a check).
 */
class SampledSecrets {
  private readonly stride: number;
  private readonly shortest: number;
  /** Slot of a window → 1 when some secret has a window with that slot at an offset below stride. */
  private readonly seen = new Uint8Array(1 << SAMPLE_TABLE_BITS);
  /**
   * The same for the windows' first halves (4 characters): read first, so most sampled positions cost 4
   * characters, not 8 (a window can be in `seen` only if its first half is here).
   */
  private readonly seenHalf = new Uint8Array(1 << HALF_TABLE_BITS);
  /** Slot → the distinct offsets (below stride) the secrets' windows with that slot are at. */
  private readonly offsets = new Map<number, number[]>();
  /** Slot of a secret's first window → the secrets starting with a window of that slot. */
  private readonly starts = new Map<number, string[]>();

  constructor(secrets: string[]) {
    this.shortest = Math.min(...secrets.map((s) => s.length));
    this.stride = this.shortest - SAMPLE + 1;
    for (const secret of secrets) {
      for (let k = 0; k < this.stride; k++) {
        const slot = windowSlot(secret, k);
        this.seen[slot] = 1;
        this.seenHalf[halfSlot(halfWord(secret, k))] = 1;
        const at = this.offsets.get(slot);
        if (!at) this.offsets.set(slot, [k]);
        else if (!at.includes(k)) at.push(k);
      }
      const first = windowSlot(secret, 0);
      const list = this.starts.get(first);
      if (list) list.push(secret);
      else this.starts.set(first, [secret]);
    }
  }

  anyIn(text: string): boolean {
    const { seen, seenHalf, stride, shortest } = this;
    const n = text.length;
    for (let p = 0; p + SAMPLE <= n; p += stride) {
      const a =
        text.charCodeAt(p) ^
        (text.charCodeAt(p + 1) << 8) ^
        (text.charCodeAt(p + 2) << 16) ^
        (text.charCodeAt(p + 3) << 24);
      if (seenHalf[halfSlot(a)] === 0) continue;
      const slot = windowSlot(text, p);
      if (seen[slot] === 0) continue;
      for (const k of this.offsets.get(slot)!) {
        const start = p - k;
        if (start < 0 || start + shortest > n) continue;
        const candidates = this.starts.get(windowSlot(text, start));
        if (candidates) for (const secret of candidates) if (text.startsWith(secret, start)) return true;
      }
    }
    return false;
  }
}

const HALF_TABLE_BITS = 16;

/** Four characters of `s` at `at` as a 32-bit word (one byte each; characters above 255 merely collide). */
function halfWord(s: string, at: number): number {
  return (
    s.charCodeAt(at) ^
    (s.charCodeAt(at + 1) << 8) ^
    (s.charCodeAt(at + 2) << 16) ^
    (s.charCodeAt(at + 3) << 24)
  );
}

function halfSlot(word: number): number {
  return Math.imul(word, 0x9e3779b1) >>> (32 - HALF_TABLE_BITS);
}

/**
 * The table slot of the SAMPLE (8) characters of `s` at `at`: two 32-bit words of four characters each
 * (characters above 255 overlap their neighbours' bits — they merely collide; a candidate is always
 * checked), mixed.
 */
function windowSlot(s: string, at: number): number {
  const a = halfWord(s, at);
  const b =
    s.charCodeAt(at + 4) ^
    (s.charCodeAt(at + 5) << 8) ^
    (s.charCodeAt(at + 6) << 16) ^
    (s.charCodeAt(at + 7) << 24);
  return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ (b >>> 15), 0x85ebca6b)) >>> (32 - SAMPLE_TABLE_BITS);
}

/**
 * The short secrets (MIN_SECRET to LONG_SECRET − 1 characters, when more than FEW_SECRETS of them are
 * registered): one pass over the text with a rolling window of its last GRAM characters, looked up in a
 * table of the secrets' first GRAM characters; a candidate position is checked with startsWith.
 */
class RollingSecrets {
  private readonly shortest: number;
  private readonly seen = new Uint8Array(GRAM_TABLE);
  private readonly bySlot = new Map<number, string[]>();

  constructor(secrets: string[]) {
    this.shortest = Math.min(...secrets.map((s) => s.length));
    for (const secret of secrets) {
      let window = 0;
      for (let k = 0; k < GRAM; k++) window = (window << 8) ^ secret.charCodeAt(k);
      const slot = gramSlot(window);
      this.seen[slot] = 1;
      const list = this.bySlot.get(slot);
      if (list) list.push(secret);
      else this.bySlot.set(slot, [secret]);
    }
  }

  anyIn(text: string): boolean {
    if (text.length < this.shortest) return false;
    const { seen, bySlot } = this;
    let window = 0;
    for (let i = 0, last = text.length - this.shortest + GRAM - 1; i <= last; i++) {
      window = (window << 8) ^ text.charCodeAt(i);
      if (i < GRAM - 1) continue;
      const slot = gramSlot(window);
      if (seen[slot] === 0) continue;
      const start = i - GRAM + 1;
      for (const secret of bySlot.get(slot)!) if (text.startsWith(secret, start)) return true;
    }
    return false;
  }
}

/** Characters of the rolling window (≤ MIN_SECRET). */
const GRAM = 4;
const GRAM_TABLE = 1 << 16;

/**
 * The table slot of a window of GRAM characters, each shifted in by 8 bits (so the window depends on the
 * last GRAM characters only; characters above 255 merely collide — a candidate is always checked).
 */
function gramSlot(window: number): number {
  return Math.imul(window, 0x9e3779b1) >>> 16;
}

const known = new KnownSecrets();

/** Secrets this process holds: every later scrub replaces them, raw or URL-encoded. */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < MIN_SECRET) return;
  known.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) known.add(encoded);
}

/**
 * The known secrets from the `from`-th registered on, exactly as held (raw and URL-encoded, in order): what the
 * spool's writer thread, which scrubs the calls it converts with its own copy of this module, has not been
 * given yet (recording/spool.ts). Secrets stay in memory: they only cross to another thread.
 */
export function secretsSince(from: number): string[] {
  return from >= known.list.length ? [] : known.list.slice(from);
}

/** Adds secrets as `secretsSince` listed them (another thread's, already encoded), in their order. */
export function addKnownSecrets(values: readonly string[]): void {
  for (const v of values) known.add(v);
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
 * Fast path. The recorder scrubs every string of every recorded answer, most of them ARNs, names, dates and
 * CloudTrail records, so most texts match no rule, and a real CloudTrail record matches one (its
 * `accessKeyId`, ASIA…). Every rule's match contains one of its trigger literals (TRIGGER_RULES: the names of
 * the case-insensitive rules in any case, the case-sensitive rules' prefixes), so one pass of TRIGGERS over
 * the text lists the rules that can match, and only those run, in their order. Exact, because replacing
 * never creates a literal that was absent ("[REDACTED]" and the PEM markers hold none, and neither contains
 * nor joins across a `[` / `]`): a rule without a trigger in the text before the first rule has none when its
 * turn comes, and matches nothing. Running a rule that then matches nothing is harmless, so a trigger may
 * enable more rules than it needs to (`signature` in any case enables the `Signature=` rule too).
 *
 * TRIGGERS is factored by first character (≈ 30 % faster in V8 than the plain alternation); no two of its
 * alternatives can match at the same position, and after each match the search goes on one character
 * further, so every occurrence of every trigger is seen (until every rule is enabled). test/unit/
 * scrub-fast-paths.test.ts compares the result with the plain eleven-rule pass; scrub-anchors.test.ts
 * checks each kind of secret.
 */
const TRIGGERS = new RegExp(
  [
    "[tT][oO][kK][eE][nN]",
    "[sS](?:[eE][cC][rR][eE][tT]|[iI][gG][nN][aA][tT][uU][rR][eE])",
    "[aA][uU][tT][hH][oO][rR][iI][zZ][aA][tT][iI][oO][nN]",
    "A(?:KIA|SIA|BIA|CCA)",
    "[pP](?:[rR][iI][vV][aA][tT][eE]_[kK][eE][yY]|[aA][sS][sS][wW][oO][rR][dD])",
    "[bB][eE][aA][rR][eE][rR]",
    "-----BEGIN",
    "IQoJb3JpZ2lu",
    "F[wQ]oGZXIvYXdz",
    "g(?:h[pousr]_|ithub_pat_)",
    "ya29\\.",
    "eyJ",
  ].join("|"),
  "g",
);
const rule = (...indexes: number[]) => indexes.reduce((mask, i) => mask | (1 << i), 0);
/**
 * The rules (bit i: RULES[i]) a trigger enables, by the trigger's lower-cased text: 0 PEM keys, 1
 * Authorization, 2 session tokens by name, 3 other secrets by name, 4 `Signature=`, 5 session token
 * prefixes, 6 access key ids, 7 Bearer, 8 GitHub tokens, 9 Google tokens, 10 JWTs.
 */
const TRIGGER_RULES = new Map<string, number>([
  ["token", rule(2, 3)],
  ["secret", rule(3)],
  ["private_key", rule(3)],
  ["password", rule(3)],
  ["signature", rule(3, 4)],
  ["authorization", rule(1)],
  ["bearer", rule(7)],
  ["-----begin", rule(0)],
  ["iqojb3jpz2lu", rule(5)],
  ["fwogzxivyxdz", rule(5)],
  ["fqogzxivyxdz", rule(5)],
  ...["akia", "asia", "abia", "acca"].map((k) => [k, rule(6)] as [string, number]),
  ...["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"].map((k) => [k, rule(8)] as [string, number]),
  ["ya29.", rule(9)],
  ["eyj", rule(10)],
]);
const ALL_RULES = (1 << RULES.length) - 1;

/** The rules (bit i: RULES[i]) whose trigger literals occur in the text. */
function rulesTriggeredBy(text: string): number {
  let rules = 0;
  TRIGGERS.lastIndex = 0;
  for (let m = TRIGGERS.exec(text); m !== null; m = TRIGGERS.exec(text)) {
    // (A trigger missing from the table — a mistake — runs every rule: fail closed.)
    rules |= TRIGGER_RULES.get(m[0].toLowerCase()) ?? ALL_RULES;
    if (rules === ALL_RULES) break;
    TRIGGERS.lastIndex = m.index + 1;
  }
  return rules;
}

/**
 * True when `scrubSecrets(text)` would be the text itself because nothing in it could be replaced: no known
 * secret occurs and no rule's trigger literal does (so no rule runs). The bundle writer's fast path for a
 * chunk of a document (evidence/scrubbed-text.ts): one scan of each kind over the chunk, no copy of it.
 */
export function holdsNothingToScrub(text: string): boolean {
  return !known.anyIn(text) && rulesTriggeredBy(text) === 0;
}

/** The text with every secret replaced by [REDACTED]. */
export function scrubSecrets(text: string): string {
  let out = text;
  if (known.anyIn(out))
    for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  const rules = rulesTriggeredBy(out);
  if (rules === 0) return out;
  for (let i = 0; i < RULES.length; i++) {
    if ((rules & (1 << i)) === 0) continue;
    const [re, rep] = RULES[i]!;
    out = out.replace(re, rep as string);
  }
  return out;
}

/** True when the text holds something the scrubber would replace. */
export function containsSecret(text: string): boolean {
  return scrubSecrets(text) !== text;
}
