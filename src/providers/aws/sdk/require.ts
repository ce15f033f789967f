/**
 * The AWS SDK's client packages are loaded with require(), not `import`, through the modules beside this one
 * (one per package: `import { EC2Client } from "…/providers/aws/sdk/client-ec2.js"`).
 *
 * Why: each `@aws-sdk/client-*` package is CommonJS in one large file (client-ec2's is 2 MB) and its
 * package.json has no "type". An ESM `import` of such a file on Node 20 compiles it once to detect its module
 * format, lexes it for its export names, then compiles it again as CommonJS; require() compiles it once.
 * Measured for the 18 clients a run loads: 1.6 s of CPU by import, 0.65 s by require (2-core machine).
 * The classes are the same objects either way (one module cache), so `instanceof`, aws-sdk-client-mock and
 * the types imported from the packages (`import type`) are unaffected.
 */
import { createRequire } from "node:module";

export const requireSdk = createRequire(import.meta.url);
