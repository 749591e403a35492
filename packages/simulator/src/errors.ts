/**
 * Errors of the simulator. `ServiceFault` is what a simulated service answers: the middleware turns
 * it into the SDK's own exception class for that code (or the service's base exception), so callers
 * see exactly what the real client would throw.
 */

/** Simulated AWS services, by the prefix of their `service:Operation` keys. */
export type ServiceName =
  | "autoscaling"
  | "ec2"
  | "ssm"
  | "cloudwatch"
  | "elasticloadbalancing"
  | "sns"
  | "iam";

/** An error answer of a simulated service: `code` becomes the thrown error's `name`. */
export class ServiceFault extends Error {
  override readonly name = "ServiceFault";
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatusCode = 400,
    readonly fault: "client" | "server" = "client",
  ) {
    super(message);
  }
}

/** The error code each service uses for a rejected parameter (as the SDK names it). */
export const VALIDATION_CODE: Record<ServiceName, string> = {
  autoscaling: "ValidationError",
  ec2: "InvalidParameterValue",
  ssm: "ValidationException",
  cloudwatch: "InvalidParameterValueException",
  elasticloadbalancing: "ValidationError",
  sns: "InvalidParameterException",
  // IAM's query protocol answers ValidationError (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html).
  iam: "ValidationError",
};

/** The error code each service answers when it throttles a caller. */
export const THROTTLING: Record<ServiceName, { code: string; status: number }> = {
  autoscaling: { code: "Throttling", status: 400 },
  ec2: { code: "RequestLimitExceeded", status: 503 },
  ssm: { code: "ThrottlingException", status: 400 },
  cloudwatch: { code: "Throttling", status: 400 },
  elasticloadbalancing: { code: "Throttling", status: 400 },
  // SNS throttles with HTTP 429 (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html#API_Publish_Errors).
  sns: { code: "ThrottledException", status: 429 },
  iam: { code: "Throttling", status: 400 },
};

export function validationFault(service: ServiceName, message: string): ServiceFault {
  return new ServiceFault(VALIDATION_CODE[service], message);
}
