import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { isErrorNamed } from "./support";

export interface SsmSlackSettingsClients {
  ssm: SSMClient;
}

/** What the status API's Slack route needs: the signing secret and who may approve and abort. */
export interface SlackSecrets {
  /** null: no secret stored; the Slack route refuses every request. */
  signingSecret: string | null;
  /** Slack user ids allowed to approve and abort. */
  allowedUsers: string[];
}

/** A comma-separated list of Slack user ids (a StringList parameter reads the same). */
export function parseUserList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
}

/**
 * Reads the Slack settings from SSM Parameter Store (SecureString decrypted), once per cold start: the
 * first call's answer is kept, a failed read is retried by the next call.
 */
export class SsmSlackSettings {
  private cached: Promise<SlackSecrets> | undefined;

  constructor(
    private readonly clients: SsmSlackSettingsClients,
    private readonly names: { signingSecretParameter: string; allowedUsersParameter: string },
  ) {}

  load(): Promise<SlackSecrets> {
    if (!this.cached) {
      this.cached = this.read();
      this.cached.catch(() => {
        this.cached = undefined;
      });
    }
    return this.cached;
  }

  private async read(): Promise<SlackSecrets> {
    const [secret, users] = await Promise.all([
      this.parameter(this.names.signingSecretParameter),
      this.parameter(this.names.allowedUsersParameter),
    ]);
    return { signingSecret: secret ? secret : null, allowedUsers: parseUserList(users) };
  }

  private async parameter(name: string): Promise<string | undefined> {
    try {
      const out = await this.clients.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return out.Parameter?.Value;
    } catch (error) {
      if (isErrorNamed(error, "ParameterNotFound")) return undefined;
      throw error;
    }
  }
}
