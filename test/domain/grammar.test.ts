import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, WEEK_MS } from '../../src/domain/duration.js';
import {
  COMMAND_SCHEMAS,
  type Command,
  editDistance,
  FLAGS,
  parseCommand,
  SUBCOMMANDS,
  type Subcommand,
  suggest,
  USAGE,
} from '../../src/domain/grammar/index.js';

const AMI = 'ami-0abc1234def567890';
const AMI8 = 'ami-1234abcd';
const ORG = 'arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5';
const OU = 'arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56';

function ok(text: string): Command {
  const r = parseCommand(text);
  if (!r.ok) throw new Error(`expected ok for ${JSON.stringify(text)}, got: ${r.error}`);
  return r.command;
}

function err(text: string) {
  const r = parseCommand(text);
  if (r.ok)
    throw new Error(`expected an error for ${JSON.stringify(text)}, got ${JSON.stringify(r.command)}`);
  return r;
}

describe('SUBCOMMANDS and USAGE', () => {
  it('has one usage line per subcommand, each starting with /ami <name>', () => {
    expect(Object.keys(USAGE).sort()).toEqual([...SUBCOMMANDS].sort());
    for (const name of SUBCOMMANDS) {
      expect(USAGE[name].startsWith(`/ami ${name}`)).toBe(true);
      expect(USAGE[name]).not.toContain('\n');
    }
  });
  it('has a schema and a flag spec per subcommand', () => {
    expect(Object.keys(COMMAND_SCHEMAS).sort()).toEqual([...SUBCOMMANDS].sort());
    expect(Object.keys(FLAGS).sort()).toEqual([...SUBCOMMANDS].sort());
  });
  it('mentions every flag of a subcommand in its usage line', () => {
    for (const name of SUBCOMMANDS) {
      for (const flag of Object.keys(FLAGS[name])) expect(USAGE[name]).toContain(`--${flag}`);
    }
  });
});

describe('happy paths', () => {
  it.each<[string, Command]>([
    // help
    ['', { name: 'help' }],
    ['   ', { name: 'help' }],
    ['help', { name: 'help' }],
    ['help copy', { name: 'help', topic: 'copy' }],
    ['HELP Find', { name: 'help', topic: 'find' }],
    ['--help', { name: 'help' }],
    ['copy --help', { name: 'help', topic: 'copy' }],
    ['show nonsense --help', { name: 'help', topic: 'show' }],
    // find
    ['find ubuntu', { name: 'find', words: ['ubuntu'], limit: 5, includeDeprecated: false }],
    [
      'find ubuntu 24.04 arm64',
      { name: 'find', words: ['ubuntu', '24.04', 'arm64'], limit: 5, includeDeprecated: false },
    ],
    ['Find Ubuntu', { name: 'find', words: ['Ubuntu'], limit: 5, includeDeprecated: false }],
    [
      'find --region eu-west-1 debian --arch amd64 12 --limit 20 --include-deprecated --owner Debian --account prod',
      {
        name: 'find',
        words: ['debian', '12'],
        region: 'eu-west-1',
        arch: 'x86_64',
        limit: 20,
        includeDeprecated: true,
        owner: 'debian',
        account: 'prod',
      },
    ],
    ['find --owner self', { name: 'find', words: [], owner: 'self', limit: 5, includeDeprecated: false }],
    [
      'find x --owner 1234-5678-9012',
      { name: 'find', words: ['x'], owner: '123456789012', limit: 5, includeDeprecated: false },
    ],
    [
      'find x --arch aarch64',
      { name: 'find', words: ['x'], arch: 'arm64', limit: 5, includeDeprecated: false },
    ],
    [
      'find x --arch=X86_64 --limit 1',
      { name: 'find', words: ['x'], arch: 'x86_64', limit: 1, includeDeprecated: false },
    ],
    [
      'find x --arch graviton',
      { name: 'find', words: ['x'], arch: 'arm64', limit: 5, includeDeprecated: false },
    ],
    [
      'find x --arch Graviton3',
      { name: 'find', words: ['x'], arch: 'arm64', limit: 5, includeDeprecated: false },
    ],
    [
      'find x --arch amd64',
      { name: 'find', words: ['x'], arch: 'x86_64', limit: 5, includeDeprecated: false },
    ],
    [
      'find x --arch intel',
      { name: 'find', words: ['x'], arch: 'x86_64', limit: 5, includeDeprecated: false },
    ],
    [
      'find "web base" --limit 3 --limit 4',
      { name: 'find', words: ['web base'], limit: 4, includeDeprecated: false },
    ],
    [
      'find x --region US-GOV-WEST-1',
      { name: 'find', words: ['x'], region: 'us-gov-west-1', limit: 5, includeDeprecated: false },
    ],
    [
      'find \u2014region eu-central-2 x',
      { name: 'find', words: ['x'], region: 'eu-central-2', limit: 5, includeDeprecated: false },
    ],
    [
      '--region us-east-1 find x',
      { name: 'find', words: ['x'], region: 'us-east-1', limit: 5, includeDeprecated: false },
    ],
    ['find x --include-deprecated=false', { name: 'find', words: ['x'], limit: 5, includeDeprecated: false }],
    ['find -- --weird', { name: 'find', words: ['--weird'], limit: 5, includeDeprecated: false }],
    // show
    [`show ${AMI}`, { name: 'show', imageId: AMI }],
    [`show ${AMI8}`, { name: 'show', imageId: AMI8 }],
    [`show ${AMI.toUpperCase()}`, { name: 'show', imageId: AMI }],
    [
      `show --region eu-west-1 ${AMI} --account prod`,
      { name: 'show', imageId: AMI, region: 'eu-west-1', account: 'prod' },
    ],
    [`show ${AMI} --account 123456789012`, { name: 'show', imageId: AMI, account: '123456789012' }],
    // list
    ['list', { name: 'list', tags: {}, limit: 25 }],
    [
      'list --region us-west-2 --account prod --older-than 90d --tag team=web --tag env=prod --tag team=api --limit 100',
      {
        name: 'list',
        region: 'us-west-2',
        account: 'prod',
        olderThanMs: 90 * DAY_MS,
        tags: { team: 'api', env: 'prod' },
        limit: 100,
      },
    ],
    [
      'list --tag "Name=web base" --tag=a=b=c --tag empty=',
      { name: 'list', tags: { Name: 'web base', a: 'b=c', empty: '' }, limit: 25 },
    ],
    ['list --older-than 2w', { name: 'list', olderThanMs: 2 * WEEK_MS, tags: {}, limit: 25 }],
    // copy
    [
      `copy ${AMI} --to eu-west-1`,
      { name: 'copy', imageId: AMI, toRegions: ['eu-west-1'], encrypt: false, withPermissions: false },
    ],
    [
      `copy ${AMI} --to eu-west-1,us-west-2 --to eu-west-1 --to US-EAST-2`,
      {
        name: 'copy',
        imageId: AMI,
        toRegions: ['eu-west-1', 'us-west-2', 'us-east-2'],
        encrypt: false,
        withPermissions: false,
      },
    ],
    [
      `copy ${AMI} --to eu-west-1, us-west-2`,
      {
        name: 'copy',
        imageId: AMI,
        toRegions: ['eu-west-1', 'us-west-2'],
        encrypt: false,
        withPermissions: false,
      },
    ],
    [
      `copy ${AMI} --to eu-west-1 --region us-east-1 --account prod --name \u201Cweb base (2025)\u201D --encrypt --with-permissions`,
      {
        name: 'copy',
        imageId: AMI,
        toRegions: ['eu-west-1'],
        region: 'us-east-1',
        account: 'prod',
        newName: 'web base (2025)',
        encrypt: true,
        withPermissions: true,
      },
    ],
    [
      `copy ${AMI} --to eu-west-1 --kms-key alias/ami-copies`,
      {
        name: 'copy',
        imageId: AMI,
        toRegions: ['eu-west-1'],
        encrypt: true,
        kmsKeyId: 'alias/ami-copies',
        withPermissions: false,
      },
    ],
    [
      `copy ${AMI} --to eu-west-1 --name "Bob\u2019s image"`,
      {
        name: 'copy',
        imageId: AMI,
        toRegions: ['eu-west-1'],
        newName: "Bob's image",
        encrypt: false,
        withPermissions: false,
      },
    ],
    // encrypt
    [`encrypt ${AMI}`, { name: 'encrypt', imageId: AMI, replace: false }],
    [
      `encrypt ${AMI} --kms-key 1234abcd-12ab-34cd-56ef-1234567890ab --replace --region eu-west-1 --account prod`,
      {
        name: 'encrypt',
        imageId: AMI,
        kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        replace: true,
        region: 'eu-west-1',
        account: 'prod',
      },
    ],
    [
      `encrypt ${AMI} --kms-key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      {
        name: 'encrypt',
        imageId: AMI,
        kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        replace: false,
      },
    ],
    [
      `encrypt ${AMI} --kms-key arn:aws:kms:us-east-1:123456789012:alias/ami-copies`,
      {
        name: 'encrypt',
        imageId: AMI,
        kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:alias/ami-copies',
        replace: false,
      },
    ],
    [
      `encrypt ${AMI} --kms-key mrk-1234abcd12ab34cd56ef1234567890ab`,
      { name: 'encrypt', imageId: AMI, kmsKeyId: 'mrk-1234abcd12ab34cd56ef1234567890ab', replace: false },
    ],
    // scan
    [`scan ${AMI}`, { name: 'scan', imageId: AMI, deep: false }],
    [
      `scan ${AMI} --deep --region eu-west-1`,
      { name: 'scan', imageId: AMI, deep: true, region: 'eu-west-1' },
    ],
    // share
    [
      `share ${AMI} --with 123456789012`,
      { name: 'share', imageId: AMI, targets: [{ kind: 'account', accountId: '123456789012' }] },
    ],
    [
      `share ${AMI} --with 123456789012,${ORG} --with ${OU},123456789012 --with all --account prod`,
      {
        name: 'share',
        imageId: AMI,
        account: 'prod',
        targets: [
          { kind: 'account', accountId: '123456789012' },
          { kind: 'organization', arn: ORG },
          { kind: 'ou', arn: OU },
          { kind: 'public' },
        ],
      },
    ],
    [`share ${AMI} --with PUBLIC`, { name: 'share', imageId: AMI, targets: [{ kind: 'public' }] }],
    // unshare
    [`unshare ${AMI} --all`, { name: 'unshare', imageId: AMI, targets: 'all' }],
    [
      `unshare ${AMI} --with 1234-5678-9012 --region eu-west-1`,
      {
        name: 'unshare',
        imageId: AMI,
        targets: [{ kind: 'account', accountId: '123456789012' }],
        region: 'eu-west-1',
      },
    ],
    [`unshare ${AMI} --with all`, { name: 'unshare', imageId: AMI, targets: [{ kind: 'public' }] }],
    // deprecate / expire
    [`deprecate ${AMI} --in 30d`, { name: 'deprecate', imageId: AMI, when: { kind: 'in', ms: 30 * DAY_MS } }],
    [
      `deprecate ${AMI} --at 2025-06-30 --region eu-west-1`,
      {
        name: 'deprecate',
        imageId: AMI,
        when: { kind: 'at', iso: '2025-06-30T00:00:00.000Z' },
        region: 'eu-west-1',
      },
    ],
    [
      `deprecate ${AMI} --at 2025-06-30T12:30:00+02:00`,
      { name: 'deprecate', imageId: AMI, when: { kind: 'at', iso: '2025-06-30T10:30:00.000Z' } },
    ],
    [`expire ${AMI} --in 12h`, { name: 'expire', imageId: AMI, when: { kind: 'in', ms: 12 * HOUR_MS } }],
    [
      `expire ${AMI} --at=2025-12-31 --account prod`,
      {
        name: 'expire',
        imageId: AMI,
        when: { kind: 'at', iso: '2025-12-31T00:00:00.000Z' },
        account: 'prod',
      },
    ],
    // undeprecate / disable / enable
    [`undeprecate ${AMI}`, { name: 'undeprecate', imageId: AMI }],
    [`disable ${AMI} --region eu-west-1`, { name: 'disable', imageId: AMI, region: 'eu-west-1' }],
    [`enable ${AMI} --account prod`, { name: 'enable', imageId: AMI, account: 'prod' }],
    // deregister
    [`deregister ${AMI}`, { name: 'deregister', imageId: AMI, keepSnapshots: false, force: false }],
    [
      `deregister ${AMI} --keep-snapshots --force --region eu-west-1 --account prod`,
      {
        name: 'deregister',
        imageId: AMI,
        keepSnapshots: true,
        force: true,
        region: 'eu-west-1',
        account: 'prod',
      },
    ],
    // requests / jobs / cancel / audit / expiring
    ['requests', { name: 'requests', all: false }],
    ['requests --all', { name: 'requests', all: true }],
    ['jobs', { name: 'jobs' }],
    ['cancel req-k3j9x0a2b1', { name: 'cancel', requestId: 'req-k3j9x0a2b1' }],
    ['cancel REQ-K3J9X0A2B1', { name: 'cancel', requestId: 'req-k3j9x0a2b1' }],
    ['audit', { name: 'audit', limit: 20 }],
    [`audit ${AMI}`, { name: 'audit', target: AMI, limit: 20 }],
    ['audit req-k3j9x0a2b1 --limit 50', { name: 'audit', target: 'req-k3j9x0a2b1', limit: 50 }],
    ['expiring', { name: 'expiring', withinMs: 30 * DAY_MS }],
    [
      'expiring --within 7d --account prod --region eu-west-1',
      { name: 'expiring', withinMs: 7 * DAY_MS, account: 'prod', region: 'eu-west-1' },
    ],
  ])('%j', (text, command) => {
    expect(ok(text)).toStrictEqual(command);
  });

  it('covers every subcommand', () => {
    const names = new Set<Subcommand>();
    for (const text of [
      'help',
      'find x',
      `show ${AMI}`,
      'list',
      `copy ${AMI} --to eu-west-1`,
      `encrypt ${AMI}`,
      `scan ${AMI}`,
      `share ${AMI} --with all`,
      `unshare ${AMI} --all`,
      `deprecate ${AMI} --in 1d`,
      `undeprecate ${AMI}`,
      `disable ${AMI}`,
      `enable ${AMI}`,
      `expire ${AMI} --in 1d`,
      `deregister ${AMI}`,
      'requests',
      'jobs',
      'cancel req-abcdef',
      'audit',
      'expiring',
      'prune --family app --keep 1',
      'orphans',
      'unused',
      'cost',
      `promote ${AMI} --as web`,
      'golden',
      'rollback web',
      `why ${AMI} --for 222222222222`,
      'access',
      `waive ${AMI} no-ena --until 2030-01-01 --reason "accepted"`,
    ]) {
      names.add(ok(text).name);
    }
    expect([...names].sort()).toEqual([...SUBCOMMANDS].sort());
  });
});

describe('errors', () => {
  it.each<[string, Subcommand | undefined, string]>([
    // subcommand
    ['fnd ubuntu', undefined, 'Unknown subcommand `fnd`. Did you mean `find`?'],
    ['serach ubuntu', undefined, 'Unknown subcommand `serach`. Did you mean `find`?'],
    ['search ubuntu', undefined, 'Unknown subcommand `search`. Did you mean `find`?'],
    ['delete ami-1234abcd', undefined, 'Unknown subcommand `delete`. Did you mean `deregister`?'],
    ['xyzzy', undefined, 'Unknown subcommand `xyzzy`. Try `help`,'],
    [AMI, undefined, `Start with what to do with \`${AMI}\`, like \`/ami show ${AMI}\``],
    ['--region us-east-1', undefined, 'Start with a subcommand'],
    // tokenizer
    ['find "ubuntu', 'find', 'There is an unclosed quote " in `"ubuntu`'],
    ['"find', undefined, 'There is an unclosed quote'],
    // flags
    [
      'find ubuntu --regoin us-east-1',
      'find',
      'Unknown flag `--regoin` for `find`. Did you mean `--region`?',
    ],
    ['find ubuntu --reg us-east-1', 'find', 'Unknown flag `--reg` for `find`. Did you mean `--region`?'],
    ['find ubuntu --to us-east-1', 'find', 'Unknown flag `--to` for `find`. `find` knows `--region`,'],
    ['jobs --all', 'jobs', '`jobs` takes no flags, but got `--all`.'],
    [
      'find ubuntu -region us-east-1',
      'find',
      'Flags start with two dashes: write `--region`, not `-region`.',
    ],
    ['find ubuntu --region', 'find', '`--region` needs a value, like `--region us-east-1`.'],
    ['find ubuntu --region --arch arm64', 'find', '`--region` needs a value'],
    ['find ubuntu --region=', 'find', '`--region` needs a value'],
    [`scan ${AMI} --deep=please`, 'scan', '`--deep` is a switch and takes no value; write just `--deep`.'],
    // find
    ['find', 'find', 'Tell `find` what to look for'],
    ['find --arch arm64', 'find', 'Tell `find` what to look for'],
    ['find x --limit 50', 'find', '`--limit` must be a whole number from 1 to 20, got `50`.'],
    ['find x --limit 0', 'find', '`--limit` must be a whole number from 1 to 20, got `0`.'],
    ['find x --limit 2.5', 'find', '`--limit` must be a whole number from 1 to 20, got `2.5`.'],
    ['find x --limit -3', 'find', '`--limit` must be a whole number from 1 to 20, got `-3`.'],
    ['find x --limit ten', 'find', '`--limit` must be a whole number from 1 to 20, got `ten`.'],
    [
      'find x --region us-east1',
      'find',
      '`--region` must be an AWS region like `us-east-1`, got `us-east1`. Did you mean `us-east-1`?',
    ],
    ['find x --region mars', 'find', '`--region` must be an AWS region like `us-east-1`, got `mars`.'],
    ['find x --owner canonicl', 'find', 'got `canonicl`. Did you mean `canonical`?'],
    ['find x --owner 12345', 'find', '`--owner` must be one of `amazon`,'],
    [
      'find x --arch sparc',
      'find',
      '`--arch` must be `x86_64` or `arm64` (`amd64` and `aarch64` work too), got `sparc`.',
    ],
    [
      'find x --account "bad alias!"',
      'find',
      '`--account` must be an account alias like `prod` or a 12-digit account id, got `bad alias!`.',
    ],
    [
      'find x --account 12345678901',
      'find',
      '`--account` must be an account alias or a 12-digit account id; `12345678901` has 11 digits.',
    ],
    // show and friends
    ['show', 'show', '`show` needs an image id like `ami-0abc1234def567890`.'],
    ['show ubuntu', 'show', '`show` needs an image id like `ami-0abc1234def567890`, got `ubuntu`.'],
    ['show ami-123', 'show', '`show` needs an image id like `ami-0abc1234def567890`, got `ami-123`.'],
    ['show ami-0abc1234def56789', 'show', 'got `ami-0abc1234def56789`'],
    ['show req-k3j9x0a2b1', 'show', '`req-k3j9x0a2b1` is a request id'],
    [`show ${AMI} ${AMI}`, 'show', `\`show\` takes one image id; I don't know what to do with \`${AMI}\`.`],
    ['undeprecate', 'undeprecate', '`undeprecate` needs an image id'],
    ['disable x', 'disable', '`disable` needs an image id like `ami-0abc1234def567890`, got `x`.'],
    ['enable', 'enable', '`enable` needs an image id'],
    ['scan', 'scan', '`scan` needs an image id'],
    ['deregister', 'deregister', '`deregister` needs an image id'],
    // list
    ['list old', 'list', '`list` takes no words, but got `old`.'],
    [
      'list --tag team',
      'list',
      '`--tag` must look like `key=value` (for example `--tag team=web`), got `team`.',
    ],
    ['list --tag =web', 'list', '`--tag` must look like `key=value`'],
    ['list --older-than 90', 'list', '`--older-than` needs a unit after the number: `90d` (days)'],
    ['list --older-than soon', 'list', '`--older-than`'],
    ['list --limit 101', 'list', '`--limit` must be a whole number from 1 to 100, got `101`.'],
    // copy
    ['copy', 'copy', '`copy` needs an image id'],
    [
      `copy ${AMI}`,
      'copy',
      '`copy` needs `--to` with the destination region(s), like `--to eu-west-1,us-west-2`.',
    ],
    [`copy ${AMI} --to ,`, 'copy', '`--to` needs at least one region'],
    [
      `copy ${AMI} --to eu-west-1,narnia`,
      'copy',
      '`--to` must be an AWS region like `us-east-1`, got `narnia`.',
    ],
    [
      `copy ${AMI} --to us-east-1,us-east-2,us-west-1,us-west-2,eu-west-1,eu-west-2,eu-west-3,eu-central-1,eu-north-1,ap-south-1,sa-east-1`,
      'copy',
      '`--to` can name at most 10 regions, got 11.',
    ],
    [`copy ${AMI} --to eu-west-1 --name ab`, 'copy', '`--name` must be 3 to 128 characters long, got 2.'],
    [
      `copy ${AMI} --to eu-west-1 --name "web#base!"`,
      'copy',
      '`--name` may only use letters, digits, spaces and',
    ],
    [`copy ${AMI} --to eu-west-1 --kms-key my-key`, 'copy', 'Did you mean `alias/my-key`?'],
    // encrypt
    [
      `encrypt ${AMI} --kms-key arn:aws:kms:us-east-1:123:key/x`,
      'encrypt',
      '`--kms-key` must be a KMS key id, a key ARN',
    ],
    [
      `encrypt ${AMI} extra`,
      'encrypt',
      "`encrypt` takes one image id; I don't know what to do with `extra`.",
    ],
    // share / unshare
    [`share ${AMI}`, 'share', '`share` needs `--with` and who to share with'],
    [
      `share ${AMI} --with 12345`,
      'share',
      '`12345` is none of those (it has 5 digits, an account id has 12).',
    ],
    [
      `share ${AMI} --with friends`,
      'share',
      '`--with` takes 12-digit account ids, organization or OU ARNs, or `all` for public',
    ],
    [
      `share ${AMI} --with arn:aws:organizations::123456789012:root/o-a1b2c3d4e5/r-ab12`,
      'share',
      '(that ARN is not an organization or OU ARN)',
    ],
    [`unshare ${AMI}`, 'unshare', '`unshare` needs `--with <targets>` (who to remove) or `--all`'],
    [
      `unshare ${AMI} --all --with 123456789012`,
      'unshare',
      'Give `unshare` either `--with <targets>` or `--all`, not both.',
    ],
    // deprecate / expire
    [
      `deprecate ${AMI}`,
      'deprecate',
      '`deprecate` needs a time: `--at 2025-06-30` (a date) or `--in 30d` (from now).',
    ],
    [
      `deprecate ${AMI} --at 2025-06-30 --in 30d`,
      'deprecate',
      'Give `deprecate` either `--at` or `--in`, not both.',
    ],
    [`deprecate ${AMI} --at 2025-02-30`, 'deprecate', '(there is no day 30 in that month)'],
    [`deprecate ${AMI} --at next-week`, 'deprecate', '`--at` must be a date like `2025-06-30`'],
    [`expire ${AMI}`, 'expire', '`expire` needs a time'],
    [`expire ${AMI} --in 0d`, 'expire', '`--in` must be longer than zero'],
    [`expire ${AMI} --in 5m`, 'expire', 'is ambiguous'],
    // requests / jobs / cancel / audit / expiring / help
    ['requests mine', 'requests', '`requests` takes no words, but got `mine`.'],
    ['jobs now', 'jobs', '`jobs` takes no words, but got `now`.'],
    ['cancel', 'cancel', '`cancel` needs a request id like `req-k3j9x0a2b1`. `/ami requests` lists yours.'],
    ['cancel 42', 'cancel', '`cancel` needs a request id like `req-k3j9x0a2b1`, got `42`.'],
    ['cancel req-abc', 'cancel', 'got `req-abc`'],
    [`cancel ${AMI}`, 'cancel', 'not an image id'],
    [
      'cancel req-abcdef req-ghijkl',
      'cancel',
      "`cancel` takes one request id; I don't know what to do with `req-ghijkl`.",
    ],
    ['audit foo', 'audit', '`audit` takes an image id like `ami-0abc1234def567890` or a request id'],
    ['audit req-abcdef req-ghijkl', 'audit', '`audit` takes at most one image id or request id'],
    ['audit --limit 51', 'audit', '`--limit` must be a whole number from 1 to 50, got `51`.'],
    ['expiring soon', 'expiring', '`expiring` takes no words, but got `soon`.'],
    ['expiring --within forever', 'expiring', '`--within`'],
    ['help fnd', 'help', 'There is no help topic `fnd`. Did you mean `find`? Topics: `help`, `find`,'],
    ['help me', 'help', 'There is no help topic `me`.'],
    ['help find copy', 'help', 'takes at most one topic'],
  ])('%j → error', (text, subcommand, message) => {
    const r = err(text);
    expect(r.error).toContain(message);
    expect(r.subcommand).toBe(subcommand);
    if (subcommand) expect(r.usage).toBe(USAGE[subcommand]);
    else expect(r.usage).toBeUndefined();
  });

  it('reports every problem at once', () => {
    const r = err(`copy ami-nope --to narnia --kms-key x`);
    expect(r.error.split('\n')).toEqual([
      '`copy` needs an image id like `ami-0abc1234def567890`, got `ami-nope`.',
      '`--to` must be an AWS region like `us-east-1`, got `narnia`.',
      '`--kms-key` must be a KMS key id, a key ARN, `alias/<name>` or an alias ARN, got `x`. Did you mean `alias/x`?',
    ]);
  });

  it('keeps very long bad values short in messages', () => {
    const r = err(`show ${'x'.repeat(5000)}`);
    expect(r.error.length).toBeLessThan(200);
  });
});

describe('Slack text quirks', () => {
  it('decodes HTML escapes in values', () => {
    expect(ok('list --tag "team=R&amp;D"')).toMatchObject({ tags: { team: 'R&D' } });
  });
  it('uses the URL of a link and keeps mentions', () => {
    expect(ok('find <https://example.com|docs> <@U123|bob>')).toMatchObject({
      words: ['https://example.com', '<@U123|bob>'],
    });
  });
  it('keeps what the user typed when Slack auto-linked it', () => {
    expect(ok(`copy ${AMI} --to eu-west-1 --name <http://web.example.com|web.example.com>`)).toMatchObject({
      newName: 'web.example.com',
    });
  });
  it('accepts smart quotes and em dashes', () => {
    expect(ok(`copy ${AMI} \u2014to eu-west-1 \u2014name \u201Cweb base\u201D`)).toMatchObject({
      toRegions: ['eu-west-1'],
      newName: 'web base',
    });
  });
});

describe('prototype-looking input', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'subcommand %j is just unknown',
    (w) => {
      const r = err(`${w} x`);
      expect(r.error).toMatch(/^Unknown subcommand/);
      expect(r.error).not.toMatch(/function|\[object/);
    },
  );
  it('rejects --arch constructor', () => {
    expect(err('find x --arch constructor').error).toContain('`--arch` must be');
  });
  it('rejects --constructor as an unknown flag', () => {
    expect(err('find x --constructor y').error).toContain('Unknown flag `--constructor`');
  });
  it('keeps a __proto__ tag key as an own key', () => {
    const cmd = ok('list --tag __proto__=x --tag constructor=y');
    expect(cmd.name === 'list' && Object.entries(cmd.tags)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
  });
});

describe('never throws', () => {
  const vocabulary = fc.constantFrom(
    ...SUBCOMMANDS,
    ...Object.values(FLAGS).flatMap((spec) => Object.keys(spec).map((f) => `--${f}`)),
    '--help',
    '--',
    '-',
    '=',
    '"',
    "'",
    '\u201C',
    '\u201D',
    '\u2019',
    '\u2014',
    '<',
    '>',
    '&amp;',
    '&lt;',
    ',',
    AMI,
    'ami-1234abcd',
    'req-k3j9x0a2b1',
    'us-east-1',
    '123456789012',
    'all',
    '30d',
    '2025-06-30',
    'alias/x',
    'k=v',
    'constructor',
    '__proto__',
    'toString',
    '--constructor',
    '--__proto__',
  );
  const textFrom = (parts: fc.Arbitrary<string[]>) => parts.map((xs) => xs.join(' '));

  const check = (text: string) => {
    const r = parseCommand(text);
    if (r.ok) {
      expect(SUBCOMMANDS).toContain(r.command.name);
    } else {
      expect(typeof r.error).toBe('string');
      expect(r.error.trim().length).toBeGreaterThan(0);
      if (r.subcommand !== undefined) expect(r.usage).toBe(USAGE[r.subcommand]);
    }
  };

  it('for arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), check), { numRuns: 2000 });
  });

  it('for command-like token soup', () => {
    fc.assert(
      fc.property(
        textFrom(fc.array(fc.oneof(vocabulary, fc.string({ maxLength: 12 })), { maxLength: 12 })),
        check,
      ),
      { numRuns: 3000 },
    );
  });

  it('for glued tokens', () => {
    fc.assert(
      fc.property(
        fc.array(vocabulary, { maxLength: 10 }).map((xs) => xs.join('')),
        check,
      ),
      { numRuns: 1000 },
    );
  });

  it('for non-string input passed from untyped code', () => {
    for (const v of [undefined, null, 42, {}, []]) {
      expect(() => parseCommand(v as unknown as string)).not.toThrow();
    }
  });
});

describe('suggestions', () => {
  it.each([
    ['regoin', 'region', 1],
    ['fnd', 'find', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ])('editDistance(%j, %j) = %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  it.each<[string, string | undefined]>([
    ['regoin', 'region'],
    ['reg', 'region'],
    ['zzzzzz', undefined],
    ['region', undefined],
  ])('suggest(%j) = %j', (input, expected) => {
    expect(suggest(input, ['region', 'account', 'owner', 'arch', 'limit'])).toBe(expected);
  });
});

describe('hygiene subcommands', () => {
  it.each<[string, Command]>([
    [
      'prune --family app-web --keep 5',
      { name: 'prune', family: { kind: 'prefix', prefix: 'app-web' }, keep: 5 } as Command,
    ],
    [
      'prune --family tag:App=web --keep 3 --older-than 90d --region eu-west-1 --account prod',
      {
        name: 'prune',
        family: { kind: 'tag', key: 'App', value: 'web' },
        keep: 3,
        olderThanMs: 90 * DAY_MS,
        region: 'eu-west-1',
        account: 'prod',
      } as Command,
    ],
    ['orphans', { name: 'orphans', delete: false } as Command],
    [
      'orphans --delete --region us-west-2',
      { name: 'orphans', delete: true, region: 'us-west-2' } as Command,
    ],
    ['unused', { name: 'unused', days: 90 } as Command],
    ['unused --days 180d', { name: 'unused', days: 180 } as Command],
    ['cost', { name: 'cost', by: 'team' } as Command],
    ['cost --by FAMILY --account prod', { name: 'cost', by: 'family', account: 'prod' } as Command],
  ])('%s', (text, expected) => {
    expect(ok(text)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['prune --keep 3', /needs `--family`/],
    ['prune --family app-web', /needs `--keep N`/],
    ['prune --family app-web --keep 0', /`--keep` must be a whole number from 1 to 100/],
    ['prune --family app-web --keep 500', /from 1 to 100/],
    ['prune --family tag:=x --keep 2', /tag:App=web/],
    ['prune --family app-web --keep 2 --older-than soon', /older-than/],
    ['prune app-web --keep 2', /takes no words/],
    ['orphans --delete yes', /takes no words/],
    ['unused --days 0', /`--days` must be a whole number of days/],
    ['cost --by owner', /`--by` takes `team`, `account`, `region`, `family`/],
  ])('%s is refused', (text, message) => {
    const r = err(text);
    expect(r.error).toMatch(message);
  });
});

describe('sharing audit and waivers', () => {
  it.each<[string, Command]>([
    ['access', { name: 'access' } as Command],
    ['access --with 4444-5555-6666', { name: 'access', with: '444455556666' } as Command],
    [
      'access --with 444455556666 --account prod --region eu-west-1',
      { name: 'access', with: '444455556666', account: 'prod', region: 'eu-west-1' } as Command,
    ],
    [
      `waive ${AMI} unencrypted-snapshot --until 2026-12-31 --reason "re-encrypted build ships in December"`,
      {
        name: 'waive',
        imageId: AMI,
        findingId: 'unencrypted-snapshot',
        until: '2026-12-31T00:00:00.000Z',
        reason: 're-encrypted build ships in December',
      } as Command,
    ],
    [
      `waive ${AMI} CVE-2026-12345 --until 2026-12-15T12:00:00Z --reason "no TLS listener" --account prod`,
      {
        name: 'waive',
        imageId: AMI,
        findingId: 'CVE-2026-12345',
        until: '2026-12-15T12:00:00.000Z',
        reason: 'no TLS listener',
        account: 'prod',
      } as Command,
    ],
    [
      `waive ${AMI} "missing-tag:Cost Center" --until 2026-12-31 --reason "tagged at the next build"`,
      {
        name: 'waive',
        imageId: AMI,
        findingId: 'missing-tag:Cost Center',
        until: '2026-12-31T00:00:00.000Z',
        reason: 'tagged at the next build',
      } as Command,
    ],
  ])('%s', (text, expected) => {
    expect(ok(text)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['access --with 12345', /`--with` takes the 12-digit id .* \(it has 5 digits/],
    ['access --with prod', /`--with` takes the 12-digit id/],
    ['access --with 111111111111,222222222222', /`--with` takes the 12-digit id/],
    ['access ami-0abc1234def567890', /takes no words/],
    ['waive', /needs an image id and a finding id/],
    [`waive ${AMI}`, /needs an image id and a finding id/],
    [`waive no-ena ${AMI} --until 2030-01-01 --reason "x y z"`, /needs an image id/],
    [`waive ${AMI} ${AMI} --until 2030-01-01 --reason "x y z"`, /image id first, then the finding id/],
    [`waive ${AMI} no-ena --reason "accepted"`, /needs `--until`/],
    [`waive ${AMI} no-ena --until 2030-01-01`, /needs `--reason`/],
    [`waive ${AMI} no-ena --until 30d --reason "accepted"`, /takes a date .* not a duration/],
    [`waive ${AMI} no-ena --until 2030-02-30 --reason "accepted"`, /no day 30 in that month/],
    [`waive ${AMI} no-ena --until 2030-01-01 --reason ok`, /at least 3 characters/],
    [`waive ${AMI} no-ena --until 2030-01-01 --reason "${'x'.repeat(501)}"`, /at most 500 characters/],
    [
      `waive ${AMI} no-ena --until 2030-01-01 --reason because it is fine`,
      /Put a reason with spaces in quotes/,
    ],
    [`waive ${AMI} "<!channel>" --until 2030-01-01 --reason "accepted"`, /needs a finding id/],
  ])('%s is refused', (text, message) => {
    const r = err(text);
    expect(r.error).toMatch(message);
    expect(r.usage).toContain(`/ami ${r.subcommand}`);
  });
});
