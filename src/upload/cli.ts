/** `run --upload`: after the output is written, store it in S3 with Object Lock retention (src/upload/s3.ts). */

import { errorLine, notice } from "../cli/log.js";
import type { AwsFlags } from "../cli/options/aws.js";
import { errorMessage } from "../core/errors.js";
import { uploadEvidence } from "./s3.js";

/** Uploads; reports on stderr. False when the upload failed (the evidence is not stored: exit 3). */
export async function uploadAfterRun(flags: AwsFlags, dir: string): Promise<boolean> {
  try {
    const r = await uploadEvidence({
      path: dir,
      url: flags.upload!,
      retainDays: flags.retainDays!,
      profile: flags.profile,
      region: flags.region,
    });
    notice(
      `uploaded ${r.keys.length} object(s) to s3://${r.bucket}/${r.keys[0]?.split("/").slice(0, -1).join("/") ?? ""} (Object Lock COMPLIANCE until ${r.retainUntil.toISOString()})`,
    );
    return true;
  } catch (e) {
    errorLine(`upload to ${flags.upload} failed: ${errorMessage(e)}`);
    return false;
  }
}
