/**
 * The status API as the remote commands call it: each request signed with SigV4 (service
 * `execute-api`) from the standard AWS credential chain, each refusal turned into an error that
 * carries its exit code.
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { formatProblems, type Problem } from "@fleet-upgrade/core/validation";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, Provider, SourceData } from "@smithy/types";
import { CREDENTIALS_HOW_TO } from "./credentials";

/** How the client signs and sends: credentials (the standard chain by default), fetch and environment. */
export interface ApiClientOptions {
  credentials?: Provider<AwsCredentialIdentity>;
  fetch?: typeof fetch;
  env?: NodeJS.ProcessEnv;
}

/** Invalid flags or input: exit code 2. */
export class RemoteUsageError extends Error {
  override readonly name = "RemoteUsageError";
}

/** The API answered with an error, or could not be reached: exit code 1 (2 for a refused request). */
export class RemoteApiError extends Error {
  override readonly name = "RemoteApiError";
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** SHA-256 (and HMAC-SHA256 with a secret) over node:crypto, in the shape the signer takes. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }
  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.create();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** `https://abc123.execute-api.eu-west-1.amazonaws.com` -> `eu-west-1`. */
export function regionOf(url: URL, explicit: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (explicit) return explicit;
  const match = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname);
  return (
    match?.[1] ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION ??
    (LOOPBACK.has(url.hostname) ? "us-east-1" : undefined)
  );
}

export interface ApiClient {
  call(
    method: "GET" | "POST",
    path: string,
    body?: unknown,
    /** Further headers, signed with the rest (e.g. `idempotency-key`). */
    extraHeaders?: Record<string, string>,
  ): Promise<{ status: number; json: unknown }>;
}

export function apiClient(apiUrl: string, region: string | undefined, options: ApiClientOptions): ApiClient {
  let base: URL;
  try {
    base = new URL(apiUrl);
  } catch {
    throw new RemoteUsageError(
      `--api: ${JSON.stringify(apiUrl)} is not a URL; expected the status API's URL`,
    );
  }
  if (base.protocol !== "https:" && base.protocol !== "http:")
    throw new RemoteUsageError(`--api: expected an http(s) URL, got ${JSON.stringify(apiUrl)}`);
  const env = options.env ?? process.env;
  const signingRegion = regionOf(base, region, env);
  if (!signingRegion) {
    throw new RemoteUsageError(
      `--api: cannot tell the region from ${base.hostname}; pass --region (e.g. --region eu-west-1)`,
    );
  }
  const credentials = options.credentials ?? defaultProvider();
  const signer = new SignatureV4({
    service: "execute-api",
    region: signingRegion,
    credentials,
    sha256: NodeSha256,
  });
  const doFetch = options.fetch ?? fetch;
  return {
    async call(method, path, body, extraHeaders = {}) {
      const url = new URL(base.pathname.replace(/\/$/, "") + path, base);
      const text = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = { ...extraHeaders, host: url.host, accept: "application/json" };
      if (text !== undefined) headers["content-type"] = "application/json";
      let signedHeaders: Record<string, string>;
      try {
        const signed = await signer.sign({
          method,
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port && { port: Number(url.port) }),
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers,
          ...(text !== undefined && { body: text }),
        });
        signedHeaders = signed.headers;
      } catch (error) {
        // A local `serve` checks no IAM: without credentials the request goes unsigned there.
        if (!LOOPBACK.has(url.hostname)) {
          throw new RemoteApiError(
            `cannot sign the request with AWS credentials: ${(error as Error).message}; ` +
              CREDENTIALS_HOW_TO,
            1,
          );
        }
        signedHeaders = headers;
      }
      const { host: _host, ...sent } = signedHeaders;
      let response: Response;
      try {
        response = await doFetch(url, { method, headers: sent, ...(text !== undefined && { body: text }) });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new RemoteApiError(
          `cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
          1,
        );
      }
      const raw = await response.text();
      let json: unknown = null;
      try {
        json = raw === "" ? null : JSON.parse(raw);
      } catch {
        json = { message: raw.slice(0, 200) };
      }
      return { status: response.status, json };
    },
  };
}

/**
 * Answers that refuse the input itself (CONTRACTS section 4: exit 2 for invalid input): a bad
 * request, a body too large, not JSON, or an Idempotency-Key reused with another body.
 */
const REFUSED_INPUT = new Set([400, 413, 415, 422]);

/** The API's error as a message: its code, message and every problem; exit 2 for a refused request. */
export function apiError(status: number, json: unknown): RemoteApiError {
  const error = (json as { error?: { code?: string; message?: string; problems?: Problem[] } } | null)?.error;
  if (error) {
    const problems = error.problems?.length ? `\n${formatProblems(error.problems)}` : "";
    const message = problems ? (error.message ?? "").split("\n")[0] : error.message;
    return new RemoteApiError(
      `${error.code ?? status}: ${message}${problems}`,
      REFUSED_INPUT.has(status) ? 2 : 1,
    );
  }
  // API Gateway's own refusals ({"message": "Forbidden"}) come without the product's error shape.
  const message = (json as { message?: string } | null)?.message ?? "no message";
  const hint = status === 403 ? "; check that your AWS identity may call execute-api:Invoke on this API" : "";
  return new RemoteApiError(`the API answered ${status}: ${message}${hint}`, 1);
}
