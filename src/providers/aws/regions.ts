/** The 17 regions enabled by default in every AWS account (no opt-in needed), as of 2026. */
export const DEFAULT_REGIONS = [
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ca-central-1",
  "eu-central-1",
  "eu-north-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
];

/**
 * AWS partitions by region name, from the SDK's partitions data (regionRegex), most specific first. A
 * commercial-partition caller cannot reach cn-* or us-gov-* regions (other credentials, other endpoints),
 * so those are never in its scope.
 */
const DIRECTION = "(central|north|south|east|west|northeast|northwest|southeast|southwest)";
const PARTITIONS: [string, RegExp][] = [
  ["aws-us-gov", new RegExp(`^us-gov-${DIRECTION}-\\d+$`)],
  ["aws-iso", new RegExp(`^us-iso-${DIRECTION}-\\d+$`)],
  ["aws-iso-b", new RegExp(`^us-isob-${DIRECTION}-\\d+$`)],
  ["aws-iso-f", new RegExp(`^us-isof-${DIRECTION}-\\d+$`)],
  ["aws-iso-e", new RegExp(`^eu-isoe-${DIRECTION}-\\d+$`)],
  ["aws-eusc", new RegExp(`^eusc-de-${DIRECTION}-\\d+$`)],
  ["aws-cn", new RegExp(`^cn-${DIRECTION}-\\d+$`)],
  ["aws", new RegExp(`^(us|eu|ap|sa|ca|me|af|il|mx)-${DIRECTION}-\\d+$`)],
];

/** The partition a region name belongs to, or undefined when it is no AWS region name. */
export function partitionOfRegion(region: string): string | undefined {
  for (const [id, re] of PARTITIONS) if (re.test(region)) return id;
  return undefined;
}

/** The partition of an ARN (arn:PARTITION:…), or undefined. */
export function partitionOfArn(arn: string | undefined): string | undefined {
  const m = /^arn:(aws[a-z-]*):/.exec(arn ?? "");
  return m?.[1];
}
