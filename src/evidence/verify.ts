/**
 * `itgc-validate verify`: checks a bundle (directory or .tar.gz) the way a reviewer would with openssl and
 * sha256sum, and more: the detached signature over the tag manifest, the DSSE envelope (PAE, signature,
 * subjects equal to the manifests), every hash in both manifests, no payload file missing or extra, no
 * unlisted tag file, Payload-Oxum, and the signer's key against an external record when one is given.
 * Every problem names the file it is about.
 */
import type { KeyObject } from "node:crypto";
import {
  DSSE_PAYLOAD_TYPE,
  type DsseEnvelope,
  isStandardBase64,
  pae,
  STATEMENT_TYPE,
  serialiseEnvelope,
} from "../signing/dsse.js";
import {
  assertP256,
  fingerprint,
  parsePublicKey,
  SIGNING_ALGORITHM,
  verifySignature,
} from "../signing/signer.js";
import {
  BAGIT_TXT,
  MANIFEST,
  parseBagInfo,
  parseManifest,
  payloadOxum,
  sha256Hex,
  TAG_MANIFEST,
} from "./bagit.js";
import type { BundleFiles } from "./files.js";
import {
  DSSE_FILE,
  PREDICATE_TYPE,
  PUBLIC_KEY_FILE,
  SIGNATURE_FILE,
  SIGNER_FILE,
  UNLISTED_TAG_FILES,
} from "./write-bundle.js";

export interface VerifyProblem {
  file: string;
  message: string;
}

export interface VerifyReport {
  source: string;
  name: string;
  signed: boolean;
  /** How the signer's key was checked: against --key, --fingerprint, or not at all (embedded key only). */
  keyCheck: "key" | "fingerprint" | "embedded-only";
  fingerprint?: string;
  payloadFiles: number;
  tagFiles: number;
  problems: VerifyProblem[];
  ok: boolean;
}

export interface VerifyOptions {
  /** The signer's public key as recorded outside the bundle. */
  key?: KeyObject;
  /** The signer's fingerprint (lowercase hex SHA-256 of DER SPKI) as recorded outside the bundle. */
  fingerprint?: string;
}

export function verifyBundle(b: BundleFiles, opts: VerifyOptions = {}): VerifyReport {
  const problems: VerifyProblem[] = [];
  const problem = (file: string, message: string) => problems.push({ file, message });
  const files = b.files;
  for (const o of b.oddities)
    problem(o, "not a regular file (links and devices are not allowed in a bundle)");

  // bagit.txt
  const bagit = files.get("bagit.txt");
  if (!bagit) problem("bagit.txt", "missing");
  else if (bagit.toString("utf8") !== BAGIT_TXT)
    problem("bagit.txt", 'not "BagIt-Version: 1.0" / "Tag-File-Character-Encoding: UTF-8"');

  // Payload manifest: every listed file present with its hash; every payload file listed.
  const payloadPaths = [...files.keys()].filter((p) => p.startsWith("data/")).sort();
  const manifestBytes = files.get(MANIFEST);
  const listedPayload = new Set<string>();
  if (!manifestBytes) problem(MANIFEST, "missing: the payload cannot be checked");
  else {
    const { entries, problems: parse } = parseManifest(manifestBytes.toString("utf8"));
    for (const p of parse) problem(MANIFEST, p);
    for (const e of entries) {
      if (!e.path.startsWith("data/")) {
        problem(MANIFEST, `line ${e.line} lists ${e.path}, which is not a payload file (data/…)`);
        continue;
      }
      if (listedPayload.has(e.path)) problem(MANIFEST, `lists ${e.path} twice`);
      listedPayload.add(e.path);
      const data = files.get(e.path);
      if (!data) problem(e.path, `missing: listed in ${MANIFEST} but not in the bundle`);
      else if (sha256Hex(data) !== e.hash) problem(e.path, `SHA-256 does not match ${MANIFEST} (altered)`);
    }
    for (const p of payloadPaths)
      if (!listedPayload.has(p)) problem(p, `extra file: not listed in ${MANIFEST}`);
  }

  // Tag manifest: every listed tag file present with its hash; every tag file listed (but the signatures).
  const tagBytes = files.get(TAG_MANIFEST);
  const listedTags = new Set<string>();
  if (!tagBytes) problem(TAG_MANIFEST, "missing: the tag files cannot be checked");
  else {
    const { entries, problems: parse } = parseManifest(tagBytes.toString("utf8"));
    for (const p of parse) problem(TAG_MANIFEST, p);
    for (const e of entries) {
      if (
        e.path.startsWith("data/") ||
        e.path === TAG_MANIFEST ||
        (UNLISTED_TAG_FILES as readonly string[]).includes(e.path)
      ) {
        problem(TAG_MANIFEST, `line ${e.line} lists ${e.path}, which a tag manifest cannot list`);
        continue;
      }
      if (listedTags.has(e.path)) problem(TAG_MANIFEST, `lists ${e.path} twice`);
      listedTags.add(e.path);
      const data = files.get(e.path);
      if (!data) problem(e.path, `missing: listed in ${TAG_MANIFEST} but not in the bundle`);
      else if (sha256Hex(data) !== e.hash)
        problem(e.path, `SHA-256 does not match ${TAG_MANIFEST} (altered)`);
    }
    for (const required of ["bagit.txt", "bag-info.txt", MANIFEST])
      if (files.has(required) && !listedTags.has(required))
        problem(required, `not listed in ${TAG_MANIFEST}, so no signature covers it`);
  }
  const tagPaths = [...files.keys()].filter((p) => !p.startsWith("data/")).sort();
  for (const p of tagPaths) {
    if (p === TAG_MANIFEST || listedTags.has(p) || (UNLISTED_TAG_FILES as readonly string[]).includes(p))
      continue;
    problem(p, `extra file: not listed in ${TAG_MANIFEST}`);
  }

  // bag-info.txt: Payload-Oxum, and the signer recorded under the signature.
  const info = files.has("bag-info.txt")
    ? parseBagInfo(files.get("bag-info.txt")!.toString("utf8"))
    : undefined;
  if (!info) problem("bag-info.txt", "missing");
  else {
    const oxum = payloadOxum(payloadPaths.map((p) => ({ data: files.get(p)! })));
    const recorded = info.get("Payload-Oxum");
    if (!recorded) problem("bag-info.txt", "has no Payload-Oxum");
    else if (recorded !== oxum)
      problem("bag-info.txt", `Payload-Oxum ${recorded} does not match the payload (${oxum}: bytes.files)`);
  }

  // Signatures.
  const recordedFp = info?.get("Signer-Fingerprint-SHA256");
  const hasAttestation = tagPaths.some((p) => p.startsWith("attestation/"));
  const signed = Boolean(recordedFp) || hasAttestation || !info?.get("Signature")?.startsWith("none");
  let fp: string | undefined;
  let keyCheck: VerifyReport["keyCheck"] = "embedded-only";
  if (!signed) {
    problem(
      SIGNATURE_FILE,
      "the bundle is UNSIGNED (--no-sign): nothing shows who produced it or that it was not re-hashed",
    );
  } else {
    let key: KeyObject | undefined;
    const pem = files.get(PUBLIC_KEY_FILE);
    if (!pem) problem(PUBLIC_KEY_FILE, "missing: the signature cannot be checked");
    else {
      try {
        key = parsePublicKey(pem.toString("utf8"));
        assertP256(key, PUBLIC_KEY_FILE);
        fp = fingerprint(key);
      } catch (e) {
        problem(PUBLIC_KEY_FILE, `not a usable ECDSA P-256 public key: ${(e as Error).message}`);
        key = undefined;
      }
    }
    if (fp && recordedFp && fp !== recordedFp)
      problem(
        PUBLIC_KEY_FILE,
        `fingerprint ${fp} differs from the one recorded in bag-info.txt (${recordedFp}): the key was swapped`,
      );
    if (!recordedFp)
      problem("bag-info.txt", "has no Signer-Fingerprint-SHA256 although the bundle is signed");
    checkSignerJson(files.get(SIGNER_FILE), fp, problem);

    if (opts.key) {
      keyCheck = "key";
      const expected = fingerprint(opts.key);
      if (fp && fp !== expected)
        problem(
          PUBLIC_KEY_FILE,
          `is not the expected key: fingerprint ${fp}, expected ${expected} (from --key)`,
        );
      key = opts.key;
      fp = expected;
    } else if (opts.fingerprint) {
      keyCheck = "fingerprint";
      if (fp && fp !== opts.fingerprint)
        problem(
          PUBLIC_KEY_FILE,
          `is not the expected key: fingerprint ${fp}, expected ${opts.fingerprint} (from --fingerprint)`,
        );
    }

    const sig = files.get(SIGNATURE_FILE);
    if (!sig) problem(SIGNATURE_FILE, "missing: the tag manifest is not signed");
    else if (key && tagBytes && !verifySignature(key, tagBytes, sig))
      problem(
        SIGNATURE_FILE,
        `does not verify ${TAG_MANIFEST} with the signer's key (${TAG_MANIFEST} or the signature was altered)`,
      );

    checkDsse(files, key, fp, problem);
  }

  return {
    source: b.source,
    name: b.name,
    signed,
    keyCheck,
    fingerprint: fp,
    payloadFiles: payloadPaths.length,
    tagFiles: tagPaths.length,
    problems,
    ok: problems.length === 0,
  };
}

function checkSignerJson(
  bytes: Buffer | undefined,
  fp: string | undefined,
  problem: (file: string, message: string) => void,
): void {
  if (!bytes) {
    problem(SIGNER_FILE, "missing");
    return;
  }
  try {
    const s = JSON.parse(bytes.toString("utf8")) as { algorithm?: string; fingerprint?: { sha256?: string } };
    if (s.algorithm !== SIGNING_ALGORITHM)
      problem(SIGNER_FILE, `algorithm is ${s.algorithm}, expected ${SIGNING_ALGORITHM}`);
    if (fp && s.fingerprint?.sha256 !== fp)
      problem(SIGNER_FILE, `records fingerprint ${s.fingerprint?.sha256}, but the public key's is ${fp}`);
  } catch (e) {
    problem(SIGNER_FILE, `not valid JSON: ${(e as Error).message}`);
  }
}

function checkDsse(
  files: Map<string, Buffer>,
  key: KeyObject | undefined,
  fp: string | undefined,
  problem: (file: string, message: string) => void,
): void {
  const bytes = files.get(DSSE_FILE);
  if (!bytes) {
    problem(DSSE_FILE, "missing");
    return;
  }
  let env: DsseEnvelope;
  try {
    env = JSON.parse(bytes.toString("utf8")) as DsseEnvelope;
  } catch (e) {
    problem(DSSE_FILE, `not valid JSON: ${(e as Error).message}`);
    return;
  }
  if (
    !env ||
    typeof env.payload !== "string" ||
    typeof env.payloadType !== "string" ||
    !Array.isArray(env.signatures)
  ) {
    problem(DSSE_FILE, "not a DSSE envelope (payload, payloadType, signatures)");
    return;
  }
  if (serialiseEnvelope(env) !== bytes.toString("utf8"))
    problem(DSSE_FILE, "not in the form this tool writes (bytes were added, removed or changed)");
  if (env.payloadType !== DSSE_PAYLOAD_TYPE)
    problem(DSSE_FILE, `payloadType is ${env.payloadType}, expected ${DSSE_PAYLOAD_TYPE}`);
  if (env.signatures.length !== 1)
    problem(DSSE_FILE, `has ${env.signatures.length} signatures, expected exactly one`);
  const s = env.signatures[0];
  if (!isStandardBase64(env.payload)) problem(DSSE_FILE, "payload is not standard base64");
  const body = Buffer.from(env.payload, "base64");
  if (s) {
    if (fp && s.keyid !== fp) problem(DSSE_FILE, `keyid ${s.keyid} is not the signer's fingerprint ${fp}`);
    if (typeof s.sig !== "string" || !isStandardBase64(s.sig))
      problem(DSSE_FILE, "sig is not standard base64");
    else if (key && !verifySignature(key, pae(env.payloadType, body), Buffer.from(s.sig, "base64")))
      problem(DSSE_FILE, "the signature does not verify over PAE(payloadType, payload)");
  }
  let st: Record<string, unknown>;
  try {
    st = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch {
    problem(DSSE_FILE, "payload is not a JSON in-toto Statement");
    return;
  }
  const keys = Object.keys(st ?? {}).sort();
  if (keys.join(",") !== "_type,predicate,predicateType,subject")
    problem(
      DSSE_FILE,
      `statement fields are ${keys.join(", ")}; expected exactly _type, subject, predicateType, predicate`,
    );
  if (st._type !== STATEMENT_TYPE)
    problem(DSSE_FILE, `statement _type is ${String(st._type)}, expected ${STATEMENT_TYPE}`);
  if (st.predicateType !== PREDICATE_TYPE) problem(DSSE_FILE, `predicateType is ${String(st.predicateType)}`);
  const subjects = Array.isArray(st.subject)
    ? (st.subject as { name?: string; digest?: { sha256?: string } }[])
    : [];
  const names = subjects.map((x) => x.name).sort();
  if (names.join(",") !== [MANIFEST, TAG_MANIFEST].sort().join(","))
    problem(
      DSSE_FILE,
      `statement subjects are ${names.join(", ")}; expected ${MANIFEST} and ${TAG_MANIFEST}`,
    );
  for (const sub of subjects) {
    if (sub.name !== MANIFEST && sub.name !== TAG_MANIFEST) continue;
    const data = files.get(sub.name);
    if (data && sub.digest?.sha256 !== sha256Hex(data))
      problem(sub.name, `SHA-256 does not match the signed in-toto statement in ${DSSE_FILE} (altered)`);
  }
}

export function renderVerifyReport(r: VerifyReport): string {
  const lines: string[] = [];
  if (r.ok) {
    lines.push(`OK  ${r.source}`);
    lines.push(
      `    ${r.payloadFiles} payload files and ${r.tagFiles} tag files match both manifests; no file missing or extra; Payload-Oxum matches.`,
    );
    lines.push(
      `    Detached signature over ${TAG_MANIFEST} and the DSSE envelope verify (ECDSA P-256 / SHA-256).`,
    );
    lines.push(`    Signer fingerprint (SHA-256 of DER public key): ${r.fingerprint}`);
  } else {
    lines.push(`FAILED  ${r.source}: ${r.problems.length} problem(s)`);
    for (const p of r.problems) lines.push(`  ${p.file}: ${p.message}`);
  }
  if (r.signed) {
    if (r.keyCheck === "embedded-only")
      lines.push(
        "NOTE: checked with the public key inside the bundle only. The key itself was NOT checked against an external record;",
        "      pass --fingerprint <sha256> or --key <pub.pem> with the value recorded outside the bundle.",
      );
    else
      lines.push(
        `    The signer's key was checked against ${r.keyCheck === "key" ? "--key" : "--fingerprint"}.`,
      );
  }
  return `${lines.join("\n")}\n`;
}
