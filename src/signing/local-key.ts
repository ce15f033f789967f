/**
 * Local signing keys: `keygen`, a PEM file (`--sign-key key.pem`), the per-user key in the config directory
 * (created on first use), and the demo's throw-away key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { InputError } from "../core/errors.js";
import { assertP256, fingerprint, type Signer, type SignerKind, SigningError } from "./signer.js";

/** A new P-256 key pair; the private key as PEM PKCS#8. */
export function generateKeyPem(): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return privateKey.export({ format: "pem", type: "pkcs8" }).toString();
}

/** Writes a new private key with mode 0600 (refuses to overwrite); returns its public key fingerprint. */
export function writeNewKey(file: string): { fingerprint: string } {
  if (existsSync(file))
    throw new InputError({ file, message: "already exists; refusing to overwrite a key" });
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const pem = generateKeyPem();
  const tmp = `${file}.partial-${process.pid}`;
  writeFileSync(tmp, pem, { mode: 0o600, flag: "wx" });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return { fingerprint: fingerprint(createPublicKey(createPrivateKey(pem))) };
}

export function signerFromPrivateKey(key: KeyObject, kind: SignerKind, keyRef: string): Signer {
  assertP256(key, keyRef);
  return {
    kind,
    keyRef,
    publicKey: createPublicKey(key),
    signRaw: async (data) => sign("sha256", data, { key, dsaEncoding: "der" }),
  };
}

export function loadPrivateKeyFile(file: string): KeyObject {
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (e) {
    throw new InputError({ file, message: `cannot read the signing key: ${(e as Error).message}` });
  }
  try {
    return createPrivateKey(text);
  } catch (e) {
    throw new InputError({
      file,
      message: `not an unencrypted PEM private key (${(e as Error).message}); create one with \`itgc-validate keygen\``,
    });
  }
}

export function fileSigner(file: string): Signer {
  const key = loadPrivateKeyFile(file);
  try {
    return signerFromPrivateKey(key, "file", file);
  } catch (e) {
    if (e instanceof SigningError) throw new InputError({ file, message: e.message });
    throw e;
  }
}

export function configKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME?.trim() ? env.XDG_CONFIG_HOME : join(homedir(), ".config");
  return join(base, "itgc-validate", "signing-key.pem");
}

/** The user's own key, created on first use; `onCreate` gets the new key's fingerprint to show the user. */
export function configSigner(
  onCreate: (file: string, fingerprint: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Signer {
  const file = configKeyPath(env);
  if (!existsSync(file)) onCreate(file, writeNewKey(file).fingerprint);
  const s = fileSigner(file);
  return { ...s, kind: "config" };
}

/** A key that exists only for this process (the demo): it proves internal consistency, not authorship. */
export function ephemeralSigner(): Signer {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return signerFromPrivateKey(privateKey, "ephemeral", "throw-away key generated for this demo run");
}
