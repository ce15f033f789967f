/**
 * `--upload s3://bucket/prefix`: stores the finished output (the directory `writeEvidence` returned, or a
 * single archive file) in S3, every object under S3 Object Lock retention in COMPLIANCE mode, so nobody —
 * the root user included — can delete or overwrite the evidence before the retention date.
 *
 * The bucket must have Object Lock enabled (deploy/cloudformation/central-role.yaml shows one). PutObject is
 * the only write the tool ever sends, and only from this client: its allow-list holds S3:PutObject and
 * nothing else, and every call must name the bucket given to --upload (no run client may send it). Each object carries a SHA-256 checksum that S3
 * verifies on receipt (Object Lock requires an integrity checksum on PutObject).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import pLimit from "p-limit";
import { readOnlyGuard } from "../providers/aws/middleware.js";
import { OperationAllowList, ReadOnlyViolation } from "../providers/aws/read-only.js";
import { PutObjectCommand, S3Client } from "../providers/aws/sdk/client-s3.js";

/** The one operation the upload client may send. */
export const UPLOAD_OPERATIONS = new OperationAllowList(["S3:PutObject"]);

export interface S3Location {
  bucket: string;
  prefix: string;
}

export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new Error(`not an s3:// URL: ${url}`);
  return { bucket: m[1]!, prefix: m[2]!.replace(/\/+$/, "") };
}

export interface UploadOptions {
  /** The finished output directory (or one archive file). */
  path: string;
  url: string;
  retainDays: number;
  /** Defaults to a client on the SDK credential chain (or --profile), with the read-only guard. */
  client?: S3Client;
  profile?: string;
  credentials?: AwsCredentialIdentityProvider;
  region?: string;
  now?: Date;
}

export interface UploadResult {
  bucket: string;
  keys: string[];
  retainUntil: Date;
}

/** A client that may send only PutObject, and only to `bucket`. */
export function uploadClient(
  o: Pick<UploadOptions, "profile" | "credentials" | "region"> & { bucket: string },
): S3Client {
  const custom = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
  const client = new S3Client({
    region: o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
    followRegionRedirects: true,
    ...(custom ? { forcePathStyle: true } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
  });
  client.middlewareStack.use(
    readOnlyGuard(UPLOAD_OPERATIONS, (id, input) => {
      if (input.Bucket !== o.bucket)
        throw new ReadOnlyViolation(
          id.service,
          id.operation,
          `the upload may only write to bucket ${o.bucket}`,
        );
    }),
  );
  return client;
}

export async function uploadEvidence(o: UploadOptions): Promise<UploadResult> {
  const { bucket, prefix } = parseS3Url(o.url);
  if (!Number.isInteger(o.retainDays) || o.retainDays < 1) throw new Error("--retain-days must be >= 1");
  const retainUntil = new Date((o.now ?? new Date()).getTime() + o.retainDays * 86_400_000);
  const client = o.client ?? uploadClient({ ...o, bucket });
  const root = o.path;
  const isDir = statSync(root).isDirectory();
  const files = isDir ? walk(root) : [root];
  const top = basename(root);
  const keyOf = (file: string) => {
    const rel = isDir ? [top, ...relative(root, file).split(sep)].join("/") : top;
    return prefix ? `${prefix}/${rel}` : rel;
  };
  const limit = pLimit(8);
  const keys = await Promise.all(
    files.map((file) =>
      limit(async () => {
        const Key = keyOf(file);
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key,
            Body: readFileSync(file),
            ContentType: contentType(file),
            ChecksumAlgorithm: "SHA256",
            ObjectLockMode: "COMPLIANCE",
            ObjectLockRetainUntilDate: retainUntil,
          }),
        );
        return Key;
      }),
    ),
  );
  return { bucket, keys: keys.sort(), retainUntil };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

function contentType(file: string): string {
  if (file.endsWith(".json")) return "application/json";
  if (file.endsWith(".html")) return "text/html; charset=utf-8";
  if (file.endsWith(".csv")) return "text/csv; charset=utf-8";
  if (file.endsWith(".txt") || file.endsWith(".md") || file.endsWith(".pem") || file.endsWith(".yaml"))
    return "text/plain; charset=utf-8";
  if (file.endsWith(".tar.gz") || file.endsWith(".tgz")) return "application/gzip";
  return "application/octet-stream";
}
