import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
} from '@smithy/types';
import type { AccountConfig, Config } from '../config.js';
import { awsCalls, boundedLabel } from '../metrics.js';
import { AbortAwareHttpHandler } from './abort.js';
import { mapAwsError } from './errors.js';
import { autoScalingSdk, ec2Sdk, kmsSdk, sfnSdk, ssmSdk, stsSdk } from './sdk.js';

/**
 * One SDK client per (account, region, service), built on first use and cached. Accounts with a
 * role ARN get credentials from STS AssumeRole, cached until shortly before they expire; the
 * others use the SDK's default credential chain. Endpoint resolution is the SDK's own
 * (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_EC2`, …) unless `aws.endpoint` is configured.
 */
export interface AwsClientOptions {
  endpoint?: string;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  /** Base credentials (tests, sandbox). Unset: the SDK's default provider chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Renew assumed-role credentials this long before they expire. */
  refreshMarginMs?: number;
  clock?: () => Date;
}

const STS_SESSION_NAME = 'amibot';

/** The labels of a client's command, worked out once per (client, command) and kept. */
interface CallLabels {
  service: string;
  operation: string;
  /** The counter of its successful calls, bound to its labels. */
  ok: { inc(): void };
}
const callLabels = new Map<string, Map<string, CallLabels>>();

function labelsOf(context: HandlerExecutionContext): CallLabels {
  const client = context.clientName ?? 'unknown';
  const command = context.commandName ?? 'unknown';
  let byCommand = callLabels.get(client);
  if (!byCommand) {
    byCommand = new Map();
    callLabels.set(client, byCommand);
  }
  let labels = byCommand.get(command);
  if (!labels) {
    const service = client.replace(/Client$/, '').toLowerCase();
    const operation = command.replace(/Command$/, '');
    labels = { service, operation, ok: awsCalls.labels(service, operation, 'none') };
    byCommand.set(command, labels);
  }
  return labels;
}

/**
 * Counts every call of a client (`amibot_aws_calls_total`) by service, operation and error code:
 * once per call, after the SDK's retries (the initialize step wraps them). `EC2Client` → `ec2`,
 * `DescribeImagesCommand` → `DescribeImages`.
 */
function countCalls(next: InitializeHandler<object, object>, context: HandlerExecutionContext) {
  const labels = labelsOf(context);
  return async (args: InitializeHandlerArguments<object>) => {
    try {
      const out = await next(args);
      labels.ok.inc();
      return out;
    } catch (err) {
      awsCalls
        .labels(labels.service, labels.operation, boundedLabel((err as { name?: unknown } | null)?.name))
        .inc();
      throw err;
    }
  };
}

/** What {@link metered} needs of a client (each client's stack is typed with its own inputs and outputs). */
interface Stacked {
  middlewareStack: {
    add(middleware: never, options: { step: 'initialize'; name: string; override: boolean }): void;
  };
}

/** Adds {@link countCalls} to a client's middleware stack; every client is made through this. */
function metered<C extends Stacked>(client: C): C {
  client.middlewareStack.add(countCalls as never, {
    step: 'initialize',
    name: 'amibotMetrics',
    override: true,
  });
  return client;
}

export class AwsClients {
  private readonly ec2Clients = new Map<string, EC2Client>();
  private readonly autoScalingClients = new Map<string, AutoScalingClient>();
  private readonly kmsClients = new Map<string, KMSClient>();
  private readonly sfnClients = new Map<string, SFNClient>();
  private readonly ssmClients = new Map<string, SSMClient>();
  private readonly stsClients = new Map<string, STSClient>();
  private readonly assumed = new Map<
    string,
    { creds: AwsCredentialIdentity; inflight?: Promise<AwsCredentialIdentity> }
  >();
  private readonly accountIds = new Map<string, string>();

  constructor(private readonly opts: AwsClientOptions) {}

  static fromConfig(config: Pick<Config, 'aws'>, extra: Partial<AwsClientOptions> = {}): AwsClients {
    return new AwsClients({
      endpoint: config.aws.endpoint,
      maxAttempts: config.aws.maxAttempts,
      retryMode: config.aws.retryMode,
      ...extra,
    });
  }

  ec2(account: AccountConfig, region: string): EC2Client {
    return this.cached(this.ec2Clients, account, region, (cfg) => new ec2Sdk.EC2Client(cfg));
  }

  autoscaling(account: AccountConfig, region: string): AutoScalingClient {
    return this.cached(
      this.autoScalingClients,
      account,
      region,
      (cfg) => new autoScalingSdk.AutoScalingClient(cfg),
    );
  }

  kms(account: AccountConfig, region: string): KMSClient {
    return this.cached(this.kmsClients, account, region, (cfg) => new kmsSdk.KMSClient(cfg));
  }

  sfn(account: AccountConfig, region: string): SFNClient {
    return this.cached(this.sfnClients, account, region, (cfg) => new sfnSdk.SFNClient(cfg));
  }

  ssm(account: AccountConfig, region: string): SSMClient {
    return this.cached(this.ssmClients, account, region, (cfg) => new ssmSdk.SSMClient(cfg));
  }

  /** The 12-digit id of an account: from config, else asked of STS once. */
  async accountId(account: AccountConfig, region: string): Promise<string> {
    if (account.accountId) return account.accountId;
    const known = this.accountIds.get(account.alias);
    if (known) return known;
    const sts = this.cached(this.stsClients, account, region, (cfg) => new stsSdk.STSClient(cfg));
    try {
      const out = await sts.send(new stsSdk.GetCallerIdentityCommand({}));
      if (!out.Account) throw new Error('GetCallerIdentity returned no account');
      this.accountIds.set(account.alias, out.Account);
      return out.Account;
    } catch (err) {
      throw mapAwsError(err, { action: 'sts:GetCallerIdentity', region });
    }
  }

  /**
   * Who AWS says the caller is (STS GetCallerIdentity, always asked): with `account`, through that
   * account's credentials (its role is assumed when it has one); without, the base credentials.
   */
  async callerIdentity(
    account: AccountConfig | undefined,
    region: string,
  ): Promise<{ account: string; arn: string }> {
    const sts = account
      ? this.cached(this.stsClients, account, region, (cfg) => new stsSdk.STSClient(cfg))
      : this.baseSts(region);
    try {
      const out = await sts.send(new stsSdk.GetCallerIdentityCommand({}));
      if (!out.Account || !out.Arn) throw new Error('GetCallerIdentity returned no account');
      return { account: out.Account, arn: out.Arn };
    } catch (err) {
      throw mapAwsError(err, { action: 'sts:GetCallerIdentity', region, account: account?.alias });
    }
  }

  destroy(): void {
    for (const map of [
      this.ec2Clients,
      this.autoScalingClients,
      this.kmsClients,
      this.sfnClients,
      this.ssmClients,
      this.stsClients,
    ] as Map<string, { destroy(): void }>[]) {
      for (const c of map.values()) c.destroy();
      map.clear();
    }
  }

  private baseConfig(region: string) {
    return {
      region,
      maxAttempts: this.opts.maxAttempts,
      retryMode: this.opts.retryMode,
      // Every call made inside a job is stopped with the job (timeout, shutdown): see abort.ts.
      requestHandler: new AbortAwareHttpHandler(),
      ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : {}),
      ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
    };
  }

  private cached<C>(
    cache: Map<string, C>,
    account: AccountConfig,
    region: string,
    make: (cfg: ReturnType<AwsClients['baseConfig']>) => C,
  ): C {
    const key = `${account.alias}|${region}`;
    let client = cache.get(key);
    if (!client) {
      const cfg = this.baseConfig(region);
      if (account.roleArn) cfg.credentials = this.assumeRoleProvider(account, region);
      client = make(cfg);
      metered(client as C & Stacked);
      cache.set(key, client);
    }
    return client;
  }

  /** STS client used to assume roles: always the base credentials, never an assumed role. */
  private baseSts(region: string): STSClient {
    const key = `__base__|${region}`;
    let sts = this.stsClients.get(key);
    if (!sts) {
      sts = metered(new stsSdk.STSClient(this.baseConfig(region)));
      this.stsClients.set(key, sts);
    }
    return sts;
  }

  private assumeRoleProvider(account: AccountConfig, region: string): AwsCredentialIdentityProvider {
    const roleArn = account.roleArn as string;
    const margin = this.opts.refreshMarginMs ?? 5 * 60_000;
    const now = () => (this.opts.clock ? this.opts.clock() : new Date()).getTime();
    return async () => {
      const entry = this.assumed.get(roleArn);
      if (entry?.creds.expiration && entry.creds.expiration.getTime() - margin > now()) return entry.creds;
      if (entry?.inflight) return entry.inflight;
      const inflight = (async () => {
        try {
          const out = await this.baseSts(region).send(
            new stsSdk.AssumeRoleCommand({
              RoleArn: roleArn,
              RoleSessionName: STS_SESSION_NAME,
              ExternalId: account.externalId,
              DurationSeconds: 3600,
            }),
          );
          const c = out.Credentials;
          if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
          const creds: AwsCredentialIdentity = {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            sessionToken: c.SessionToken,
            expiration: c.Expiration,
          };
          this.assumed.set(roleArn, { creds });
          return creds;
        } catch (err) {
          this.assumed.delete(roleArn);
          throw mapAwsError(err, { action: 'sts:AssumeRole', region, account: account.alias });
        }
      })();
      this.assumed.set(roleArn, {
        creds: entry?.creds ?? { accessKeyId: '', secretAccessKey: '' },
        inflight,
      });
      return inflight;
    };
  }
}
