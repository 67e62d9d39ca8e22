/**
 * A local stand-in for Secrets Manager's GetSecretValue (the JSON 1.1 protocol: `POST /` with `X-Amz-Target:
 * secretsmanager.GetSecretValue`), for functions that read their Stripe key through the AWS SDK
 * (`AWS_ENDPOINT_URL_SECRETS_MANAGER`, which the AWS SDKs for JavaScript v3 and Python read). `stripe-eventbridge replay`
 * gives every SecretId the key of its local Stripe API; the tests give named secrets. Nothing else of Secrets Manager.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalSecretsManagerOptions {
  /** The secret string of every SecretId not in `secrets`. @default - none: ResourceNotFoundException */
  readonly anySecret?: string;
}

export class LocalSecretsManager {
  /** The SecretId of every GetSecretValue, in order. */
  public readonly reads: string[] = [];
  private server?: http.Server;

  /** `secrets`: SecretId (an ARN or a name) → plain-text secret string. */
  constructor(private readonly secrets: Record<string, string> = {}, private readonly options: LocalSecretsManagerOptions = {}) {}

  /** Starts it on a free loopback port; returns its endpoint URL. */
  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const send = (status: number, payload: object, errorType?: string) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
          res.end(JSON.stringify(payload));
        };
        if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
          const message = `the local Secrets Manager of stripe-eventbridge answers GetSecretValue only, not ${req.headers['x-amz-target']}`;
          return send(400, { __type: 'UnknownOperationException', message }, 'UnknownOperationException');
        }
        let secretId: string | undefined;
        try {
          secretId = (JSON.parse(body) as { SecretId?: string }).SecretId;
        } catch {
          // answered below
        }
        if (typeof secretId !== 'string') return send(400, { __type: 'ValidationException', message: 'SecretId is required' }, 'ValidationException');
        this.reads.push(secretId);
        const value = this.secrets[secretId] ?? this.options.anySecret;
        if (value === undefined) {
          return send(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }, 'ResourceNotFoundException');
        }
        const name = secretId.startsWith('arn:') ? secretId.split(':').pop()! : secretId;
        send(200, { ARN: secretId, Name: name, SecretString: value, VersionId: 'local', VersionStages: ['AWSCURRENT'], CreatedDate: 1764000000 });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
