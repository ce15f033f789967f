/** VERIFY.md: how to check this bundle with openssl and sha256sum alone (a tag file, in the tag manifest). */
import type { SigningStatus } from "./model.js";

/**
 * The completeness check of the manual procedure (bash): no symbolic link or special file anywhere (a link
 * would let `sha256sum -c` hash a file outside the bag), and the files present are exactly those the
 * manifests list plus the signatures over the tag manifest — so an extra file at the bag root, in
 * attestation/ or under data/ is caught, not only a changed one.
 */
export function completenessCheck(signed: boolean): string {
  const unlisted = signed
    ? "tagmanifest-sha256.txt attestation/tagmanifest-sha256.txt.sig attestation/evidence.intoto.dsse.json"
    : "tagmanifest-sha256.txt";
  return [
    "find . ! -type f ! -type d",
    `diff <(find . -type f | sed 's|^\\./||' | LC_ALL=C sort) \\`,
    String.raw`     <({ cut -c67- manifest-sha256.txt; cut -c67- tagmanifest-sha256.txt; printf '%s\n' ${unlisted}; } | LC_ALL=C sort)`,
  ].join("\n");
}

export function renderVerifyMd({ name, signing }: { name: string; signing: SigningStatus }): string {
  const head = `# Verifying this evidence bundle

Bundle: \`${name}\`

This directory is a BagIt 1.0 bag (RFC 8493). \`manifest-sha256.txt\` lists the SHA-256 of every payload file
under \`data/\`; \`tagmanifest-sha256.txt\` lists the SHA-256 of the tag files (\`bagit.txt\`, \`bag-info.txt\`,
\`manifest-sha256.txt\`, this file${signing.signed ? ", `attestation/signer.pub.pem`, `attestation/signer.json`" : ""}).
`;
  if (!signing.signed) {
    return `${head}
## THIS BUNDLE IS UNSIGNED

It was written with \`--no-sign\`. The manifests below detect accidental damage only: anyone who changes a file
can recompute them. Nothing in this bundle shows who produced it.

Run from this directory (the one holding this file):

\`\`\`sh
sha256sum -c tagmanifest-sha256.txt
sha256sum -c manifest-sha256.txt
\`\`\`

Then check, with bash, that no file is a symbolic link (or other special file) and that no file exists
outside the manifests (both commands must print nothing):

\`\`\`bash
${completenessCheck(false)}
\`\`\`

(\`itgc-validate verify <bundle>\` does all of this.)
`;
  }
  return `${head}
The tag manifest is signed (ECDSA P-256 / SHA-256, DER) by the key whose public half is
\`attestation/signer.pub.pem\`, so the signature covers every file through the two manifests:

- \`attestation/tagmanifest-sha256.txt.sig\` — detached signature over the exact bytes of \`tagmanifest-sha256.txt\`;
- \`attestation/evidence.intoto.dsse.json\` — a DSSE envelope of an in-toto Statement v1 whose subjects are
  \`manifest-sha256.txt\` and \`tagmanifest-sha256.txt\` (for in-toto / Sigstore-style tooling).

These two files are not listed in the tag manifest: they are signatures over it.

${signing.statement}

## Check, from this directory (the one holding this file)

1. The signature over the tag manifest:

   \`\`\`sh
   openssl dgst -sha256 -verify attestation/signer.pub.pem -signature attestation/tagmanifest-sha256.txt.sig tagmanifest-sha256.txt
   \`\`\`

   Expected output: \`Verified OK\`.

2. Every tag file and every payload file:

   \`\`\`sh
   sha256sum -c tagmanifest-sha256.txt
   sha256sum -c manifest-sha256.txt
   \`\`\`

   Every line must end in \`OK\`.

3. That no file is a symbolic link (or other special file: \`sha256sum\` would follow a link out of the
   bundle) and that no file exists outside the manifests — an extra file at the bag root, in
   \`attestation/\` or under \`data/\`. With bash; both commands must print nothing:

   \`\`\`bash
${completenessCheck(true)
  .split("\n")
  .map((l) => `   ${l}`)
  .join("\n")}
   \`\`\`

4. That the key is the one you expect. Its fingerprint (SHA-256 of the DER public key):

   \`\`\`sh
   openssl pkey -pubin -in attestation/signer.pub.pem -outform DER | openssl dgst -sha256
   \`\`\`

   must print \`${signing.fingerprint}\` **and** match the fingerprint recorded *outside* this bundle
   (the workpaper, the key inventory, or the KMS key's public key). A matching signature with an unknown key
   only shows that the bundle is internally consistent.

With the tool: \`itgc-validate verify <bundle> --fingerprint ${signing.fingerprint}\` does all of the above, checks the
DSSE envelope and that no file is missing or extra.
`;
}
