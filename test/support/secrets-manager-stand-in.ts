/**
 * A local stand-in for Secrets Manager's GetSecretValue (JSON 1.1 protocol: POST /, X-Amz-Target
 * secretsmanager.GetSecretValue), for running a bundled function that reads its Stripe key through the
 * AWS SDK (AWS_ENDPOINT_URL_SECRETS_MANAGER). Secrets Manager needs an account; tests that use this say so.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export class SecretsManagerStandIn {
  /** The SecretId of every GetSecretValue, in order. */
  public readonly reads: string[] = [];
  private server?: http.Server;

  /** `secrets`: secret ARN (or name) → plain-text secret string. */
  constructor(private readonly secrets: Record<string, string>) {}

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
          return send(400, { __type: 'UnknownOperationException', message: `unsupported ${req.headers['x-amz-target']}` }, 'UnknownOperationException');
        }
        const { SecretId } = JSON.parse(body) as { SecretId: string };
        this.reads.push(SecretId);
        const value = this.secrets[SecretId];
        if (value === undefined) {
          return send(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }, 'ResourceNotFoundException');
        }
        send(200, { ARN: SecretId, Name: SecretId.split(':').pop(), SecretString: value, VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1764000000 });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
