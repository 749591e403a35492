/**
 * How to give the CLI AWS credentials, said where a command finds none. The SDK's default chain
 * reads, in order: environment variables, SSO, the shared config and credentials files, and an
 * instance or container role
 * (https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html).
 */
export const CREDENTIALS_HOW_TO =
  "set AWS credentials: `export AWS_PROFILE=NAME` (a profile of ~/.aws/config; " +
  "`aws sso login --profile NAME` for SSO), or `aws configure`, or AWS_ACCESS_KEY_ID and " +
  "AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN for temporary ones) in the environment";

/** True for the SDK's "no credentials anywhere in the chain" and "profile not found" errors. */
export function isMissingCredentials(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  const message = String((error as { message?: unknown } | null)?.message ?? "");
  return (
    name === "CredentialsProviderError" ||
    /could not load credentials|profile .* (could not be found|not found)|unable to find .*credentials/i.test(
      message,
    )
  );
}
