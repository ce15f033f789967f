/** @smithy/smithy-client, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@smithy/smithy-client") = requireSdk("@smithy/smithy-client");

export const { ServiceException } = sdk;
export type ServiceException = InstanceType<typeof ServiceException>;
