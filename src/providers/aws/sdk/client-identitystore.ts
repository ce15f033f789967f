/** @aws-sdk/client-identitystore, loaded with require() (why: ./require.ts). Only values; types come from the package. */
import { requireSdk } from "./require.js";

const sdk: typeof import("@aws-sdk/client-identitystore") = requireSdk("@aws-sdk/client-identitystore");

export const { IdentitystoreClient, ListGroupMembershipsCommand, ListGroupsCommand, ListUsersCommand } = sdk;
export type IdentitystoreClient = InstanceType<typeof IdentitystoreClient>;
