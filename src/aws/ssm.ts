import type { AccountConfig } from '../config.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { ssmSdk } from './sdk.js';

/** GetParameters takes at most 10 names per call. */
const NAMES_PER_CALL = 10;

/**
 * SSM Parameter Store: the parameters that publish a golden-image family's current image id
 * (`aws:ec2:image` data type, so EC2 launch templates and CloudFormation can resolve them).
 */
export class SsmParameters {
  constructor(private readonly clients: AwsClients) {}

  /** The current values of `names` (missing parameters are left out). */
  async getMany(
    account: AccountConfig,
    region: string,
    names: readonly string[],
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const unique = [...new Set(names)];
    for (let i = 0; i < unique.length; i += NAMES_PER_CALL) {
      const batch = unique.slice(i, i + NAMES_PER_CALL);
      try {
        const res = await this.clients
          .ssm(account, region)
          .send(new ssmSdk.GetParametersCommand({ Names: batch }));
        for (const p of res.Parameters ?? []) if (p.Name && p.Value !== undefined) out.set(p.Name, p.Value);
      } catch (err) {
        throw mapAwsError(err, { action: 'ssm:GetParameters', region, account: account.alias });
      }
    }
    return out;
  }

  async get(account: AccountConfig, region: string, name: string): Promise<string | undefined> {
    return (await this.getMany(account, region, [name])).get(name);
  }

  /**
   * Writes an image id (data type `aws:ec2:image`, overwriting). AWS validates the value after
   * answering, so the caller reads it back to know it took.
   */
  async putImageId(
    account: AccountConfig,
    region: string,
    name: string,
    imageId: string,
    description: string,
  ): Promise<number | undefined> {
    try {
      const res = await this.clients.ssm(account, region).send(
        new ssmSdk.PutParameterCommand({
          Name: name,
          Value: imageId,
          Type: 'String',
          DataType: 'aws:ec2:image',
          Overwrite: true,
          Description: description.slice(0, 1024),
        }),
      );
      return res.Version;
    } catch (err) {
      throw mapAwsError(err, { action: 'ssm:PutParameter', region, account: account.alias });
    }
  }
}
