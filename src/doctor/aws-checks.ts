import { AwsClients } from '../aws/clients.js';
import { EC2_DRY_RUN_PROBES, NOT_PROBED_ACTIONS, PermissionProbe } from '../aws/permission-probe.js';
import type { AccountConfig, Config } from '../config.js';
import { parseStateMachineArn } from '../domain/ids.js';
import { AppError } from '../errors.js';
import { redactSecrets } from '../secrets.js';
import { type CheckRow, plain } from './report.js';

function reason(err: unknown): string {
  return plain(
    redactSecrets(err instanceof AppError ? err.userMessage : ((err as Error)?.message ?? String(err))),
  );
}

/** The region an account is checked in: the default region when it is one of the account's. */
export function checkRegion(config: Pick<Config, 'defaultRegion'>, account: AccountConfig): string {
  return account.regions.length === 0 || account.regions.includes(config.defaultRegion)
    ? config.defaultRegion
    : (account.regions[0] as string);
}

async function accountChecks(
  config: Config,
  clients: AwsClients,
  probe: PermissionProbe,
  account: AccountConfig,
): Promise<CheckRow[]> {
  const name = `aws ${account.alias}`;
  const region = checkRegion(config, account);
  const rows: CheckRow[] = [];
  let accountId: string;
  try {
    const who = await clients.callerIdentity(account, region);
    accountId = who.account;
    rows.push({
      check: account.roleArn ? `${name}: assume role` : `${name}: identity`,
      status: 'ok',
      detail: `${who.arn} (account ${who.account})`,
    });
    if (account.accountId && account.accountId !== who.account) {
      rows.push({
        check: `${name}: account id`,
        status: 'fail',
        detail: `configured as ${account.accountId} but the credentials are of account ${who.account}`,
      });
    }
  } catch (err) {
    rows.push({
      check: account.roleArn ? `${name}: assume role` : `${name}: identity`,
      status: 'fail',
      detail: reason(err),
    });
    return rows;
  }

  const target = await probe.target(account, region, accountId);
  const outcomes = await probe.probeEc2(account, target);
  for (const o of outcomes) {
    if (o.result === 'denied') {
      rows.push({
        check: `${name}: ${o.action}`,
        status: 'fail',
        detail: `missing permission ${o.action} in ${region} (dry run answered UnauthorizedOperation): add it to the role (iam/amibot-policy.json)`,
      });
    } else if (o.result === 'unknown') {
      rows.push({
        check: `${name}: ${o.action}`,
        status: 'warn',
        detail: `could not be checked with a dry run (${o.code}): ${plain(o.message)}`,
      });
    }
  }
  const allowed = outcomes.filter((o) => o.result === 'allowed').length;
  rows.push({
    check: `${name}: EC2 permissions`,
    status:
      allowed === outcomes.length ? 'ok' : outcomes.some((o) => o.result === 'denied') ? 'fail' : 'warn',
    detail: `${allowed} of ${outcomes.length} EC2 actions allowed (dry run in ${region})`,
  });

  const arn = config.scan.stateMachineArn;
  if (arn) {
    const smRegion = parseStateMachineArn(arn)?.region ?? region;
    try {
      const sm = await probe.describeStateMachine(account, smRegion, arn);
      rows.push({
        check: `${name}: scan state machine`,
        status: sm.status === 'ACTIVE' ? 'ok' : 'fail',
        detail: `${sm.name ?? arn}: ${sm.status}`,
      });
    } catch (err) {
      const denied = err instanceof AppError && err.code === 'aws_access_denied';
      rows.push({
        check: `${name}: scan state machine`,
        status: denied ? 'warn' : 'fail',
        detail: denied
          ? `${reason(err)} (states:DescribeStateMachine is only needed by this check)`
          : reason(err),
      });
    }
  }
  return rows;
}

/** AWS: the base credentials, then per configured account its identity, role and permissions. */
export async function awsChecks(config: Config): Promise<{ rows: CheckRow[]; notes: string[] }> {
  const clients = AwsClients.fromConfig(config);
  const probe = new PermissionProbe(clients);
  const rows: CheckRow[] = [];
  try {
    try {
      const who = await clients.callerIdentity(undefined, config.defaultRegion);
      rows.push({ check: 'aws: credentials', status: 'ok', detail: `${who.arn} (account ${who.account})` });
    } catch (err) {
      rows.push({
        check: 'aws: credentials',
        status: 'fail',
        detail: `${reason(err)} (the SDK's default chain: task role, instance profile, AWS_PROFILE or AWS_ACCESS_KEY_ID)`,
      });
      return { rows, notes: [] };
    }
    for (const account of config.accounts)
      rows.push(...(await accountChecks(config, clients, probe, account)));
  } finally {
    clients.destroy();
  }
  const notes = [
    `Probed with DryRun in every account: ${Object.keys(EC2_DRY_RUN_PROBES).length} EC2 actions of iam/amibot-policy.json.`,
    `Not probed (these services have no dry run; a missing one shows when it is first used): ${NOT_PROBED_ACTIONS.join(', ')}.`,
  ];
  return { rows, notes };
}
