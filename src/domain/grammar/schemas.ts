/**
 * One zod schema per subcommand: the raw input built by `rawInput` (flags.ts) → the typed command
 * (types.ts). Input: `{ name, args: positional words, <flag-name>: value | list | boolean }`.
 * Value checks come from validators.ts, shared pieces from fields.ts.
 */
import { z } from 'zod';
import { DAY_MS } from '../duration.js';
import { parseFamilySelector } from '../families.js';
import {
  account,
  compact,
  field,
  flag,
  imageArg,
  limit,
  noArgs,
  oneArg,
  optionalArg,
  region,
  targetsList,
  whenField,
} from './fields.js';
import type {
  AccessCommand,
  AuditCommand,
  CancelCommand,
  CommandOf,
  CopyCommand,
  CostCommand,
  DeregisterCommand,
  EncryptCommand,
  ExpiringCommand,
  FindCommand,
  GoldenCommand,
  HelpCommand,
  JobsCommand,
  ListCommand,
  OrphansCommand,
  PromoteCommand,
  PruneCommand,
  RequestsCommand,
  RollbackCommand,
  ScanCommand,
  ShareCommand,
  Subcommand,
  UnshareCommand,
  UnusedCommand,
  WaiveCommand,
  WhyCommand,
} from './types.js';
import { COST_DIMENSIONS } from './types.js';
import {
  checkArch,
  checkAuditTarget,
  checkDuration,
  checkFamily,
  checkFindingId,
  checkForAccount,
  checkHelpTopic,
  checkImageId,
  checkImageName,
  checkKmsKey,
  checkLimit,
  checkOffboardAccount,
  checkOwner,
  checkReason,
  checkRegion,
  checkRequestId,
  checkUntil,
  code,
} from './validators.js';

const helpSchema = z
  .object({
    name: z.literal('help'),
    args: optionalArg('help', 'topic', checkHelpTopic),
  })
  .transform((o): HelpCommand => compact({ name: 'help', topic: o.args }));

const findSchema = z
  .object({
    name: z.literal('find'),
    args: z.array(z.string()).default([]),
    region,
    owner: field(checkOwner).optional(),
    arch: field(checkArch).optional(),
    limit: limit(1, 20, 5),
    'include-deprecated': flag,
    account,
  })
  .transform((o, ctx): FindCommand => {
    const words = o.args.map((w) => w.trim()).filter((w) => w !== '');
    if (words.length === 0 && o.owner === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'Tell `find` what to look for, like `/ami find ubuntu 24.04 arm64`, or give `--owner`.',
      });
      return z.NEVER;
    }
    return compact({
      name: 'find',
      words,
      region: o.region,
      owner: o.owner,
      arch: o.arch,
      limit: o.limit,
      includeDeprecated: o['include-deprecated'],
      account: o.account,
    });
  });

function onImageSchema<N extends 'show' | 'undeprecate' | 'disable' | 'enable'>(name: N) {
  return z
    .object({ name: z.literal(name), args: imageArg(name), region, account })
    .transform((o) => compact({ name, imageId: o.args, region: o.region, account: o.account }));
}

const showSchema = onImageSchema('show');
const undeprecateSchema = onImageSchema('undeprecate');
const disableSchema = onImageSchema('disable');
const enableSchema = onImageSchema('enable');

const listSchema = z
  .object({
    name: z.literal('list'),
    args: noArgs('list'),
    region,
    account,
    'older-than': field(checkDuration('`--older-than`')).optional(),
    tag: z
      .array(z.string())
      .default([])
      .transform((items, ctx) => {
        // A Map, then fromEntries: a tag key such as `__proto__` stays an ordinary own key.
        const tags = new Map<string, string>();
        for (const item of items) {
          const eq = item.indexOf('=');
          const key = eq > 0 ? item.slice(0, eq).trim() : '';
          if (key === '' || key.length > 128 || item.length - eq - 1 > 256) {
            ctx.addIssue({
              code: 'custom',
              message: `\`--tag\` must look like \`key=value\` (for example \`--tag team=web\`), got ${code(item)}.`,
            });
            continue;
          }
          tags.set(key, item.slice(eq + 1).trim());
        }
        return Object.fromEntries(tags) as Record<string, string>;
      }),
    limit: limit(1, 100, 25),
  })
  .transform(
    (o): ListCommand =>
      compact({
        name: 'list',
        region: o.region,
        account: o.account,
        olderThanMs: o['older-than'],
        tags: o.tag,
        limit: o.limit,
      }),
  );

const copySchema = z
  .object({
    name: z.literal('copy'),
    args: imageArg('copy'),
    to: z
      .array(z.string(), {
        error: '`copy` needs `--to` with the destination region(s), like `--to eu-west-1,us-west-2`.',
      })
      .transform((items, ctx): string[] => {
        const out: string[] = [];
        for (const item of items) {
          const r = checkRegion('`--to`')(item);
          if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
          else if (!out.includes(r.value)) out.push(r.value);
        }
        if (items.length === 0) {
          ctx.addIssue({
            code: 'custom',
            message: '`--to` needs at least one region, like `--to eu-west-1`.',
          });
        } else if (out.length > 10) {
          ctx.addIssue({
            code: 'custom',
            message: `\`--to\` can name at most 10 regions, got ${out.length}.`,
          });
        }
        return out;
      }),
    region,
    account,
    name_: field(checkImageName).optional(),
    encrypt: flag,
    'kms-key': field(checkKmsKey).optional(),
    'with-permissions': flag,
  })
  .transform(
    (o): CopyCommand =>
      compact({
        name: 'copy',
        imageId: o.args,
        toRegions: o.to,
        region: o.region,
        account: o.account,
        newName: o.name_,
        encrypt: o.encrypt || o['kms-key'] !== undefined,
        kmsKeyId: o['kms-key'],
        withPermissions: o['with-permissions'],
      }),
  );

const encryptSchema = z
  .object({
    name: z.literal('encrypt'),
    args: imageArg('encrypt'),
    'kms-key': field(checkKmsKey).optional(),
    region,
    account,
    replace: flag,
  })
  .transform(
    (o): EncryptCommand =>
      compact({
        name: 'encrypt',
        imageId: o.args,
        kmsKeyId: o['kms-key'],
        region: o.region,
        account: o.account,
        replace: o.replace,
      }),
  );

const scanSchema = z
  .object({ name: z.literal('scan'), args: imageArg('scan'), region, account, deep: flag })
  .transform(
    (o): ScanCommand =>
      compact({ name: 'scan', imageId: o.args, region: o.region, account: o.account, deep: o.deep }),
  );

const shareSchema = z
  .object({
    name: z.literal('share'),
    args: imageArg('share'),
    with: targetsList(
      '`--with`',
      '`share` needs `--with` and who to share with: account ids, organization/OU ARNs, or `all` for public.',
    ),
    region,
    account,
  })
  .transform(
    (o): ShareCommand =>
      compact({ name: 'share', imageId: o.args, targets: o.with, region: o.region, account: o.account }),
  );

const unshareSchema = z
  .object({
    name: z.literal('unshare'),
    args: imageArg('unshare'),
    with: targetsList('`--with`', undefined).optional(),
    all: flag,
    region,
    account,
  })
  .transform((o, ctx): UnshareCommand => {
    if ((o.with === undefined) === !o.all) {
      ctx.addIssue({
        code: 'custom',
        message: o.all
          ? 'Give `unshare` either `--with <targets>` or `--all`, not both.'
          : '`unshare` needs `--with <targets>` (who to remove) or `--all` (remove every launch permission).',
      });
      return z.NEVER;
    }
    return compact({
      name: 'unshare',
      imageId: o.args,
      targets: o.all ? 'all' : (o.with ?? []),
      region: o.region,
      account: o.account,
    });
  });

function whenSchema<N extends 'deprecate' | 'expire'>(name: N) {
  return z
    .object({ name: z.literal(name), args: imageArg(name), when: whenField(name), region, account })
    .transform((o) => compact({ name, imageId: o.args, when: o.when, region: o.region, account: o.account }));
}

const deprecateSchema = whenSchema('deprecate');
const expireSchema = whenSchema('expire');

const deregisterSchema = z
  .object({
    name: z.literal('deregister'),
    args: imageArg('deregister'),
    'keep-snapshots': flag,
    force: flag,
    region,
    account,
  })
  .transform(
    (o): DeregisterCommand =>
      compact({
        name: 'deregister',
        imageId: o.args,
        keepSnapshots: o['keep-snapshots'],
        force: o.force,
        region: o.region,
        account: o.account,
      }),
  );

const requestsSchema = z
  .object({ name: z.literal('requests'), args: noArgs('requests'), all: flag })
  .transform((o): RequestsCommand => ({ name: 'requests', all: o.all }));

const jobsSchema = z
  .object({ name: z.literal('jobs'), args: noArgs('jobs') })
  .transform((): JobsCommand => ({ name: 'jobs' }));

const cancelSchema = z
  .object({
    name: z.literal('cancel'),
    args: oneArg(
      'cancel',
      'request id',
      '`cancel` needs a request id like `req-k3j9x0a2b1`. `/ami requests` lists yours.',
      checkRequestId('cancel'),
    ),
  })
  .transform((o): CancelCommand => ({ name: 'cancel', requestId: o.args }));

const auditSchema = z
  .object({
    name: z.literal('audit'),
    args: optionalArg('audit', 'image id or request id', checkAuditTarget),
    limit: limit(1, 50, 20),
  })
  .transform((o): AuditCommand => compact({ name: 'audit', target: o.args, limit: o.limit }));

const expiringSchema = z
  .object({
    name: z.literal('expiring'),
    args: noArgs('expiring'),
    within: field(checkDuration('`--within`'))
      .optional()
      .transform((ms) => ms ?? 30 * DAY_MS),
    account,
    region,
  })
  .transform(
    (o): ExpiringCommand =>
      compact({ name: 'expiring', withinMs: o.within, account: o.account, region: o.region }),
  );

const pruneSchema = z
  .object({
    name: z.literal('prune'),
    args: noArgs('prune'),
    family: z
      .string({
        error:
          '`prune` needs `--family`: a name prefix like `--family app-web`, or a tag like `--family tag:App=web`.',
      })
      .transform((s, ctx) => {
        const r = parseFamilySelector(s);
        if (!r.ok) {
          ctx.addIssue({ code: 'custom', message: r.error });
          return z.NEVER;
        }
        return r.selector;
      }),
    keep: z
      .string({ error: '`prune` needs `--keep N`: how many of the newest images of each family to keep.' })
      .transform((s, ctx) => {
        const r = checkLimit(1, 100)(s);
        if (!r.ok) {
          ctx.addIssue({ code: 'custom', message: r.error.replace('`--limit`', '`--keep`') });
          return z.NEVER;
        }
        return r.value;
      }),
    'older-than': field(checkDuration('`--older-than`')).optional(),
    region,
    account,
  })
  .transform(
    (o): PruneCommand =>
      compact({
        name: 'prune',
        family: o.family,
        keep: o.keep,
        olderThanMs: o['older-than'],
        region: o.region,
        account: o.account,
      }),
  );

const orphansSchema = z
  .object({ name: z.literal('orphans'), args: noArgs('orphans'), delete: flag, region, account })
  .transform(
    (o): OrphansCommand =>
      compact({ name: 'orphans', delete: o.delete, region: o.region, account: o.account }),
  );

const unusedSchema = z
  .object({
    name: z.literal('unused'),
    args: noArgs('unused'),
    days: field((s) => {
      const r = checkLimit(1, 3650)(s.trim().replace(/d$/i, ''));
      return r.ok
        ? r
        : {
            ok: false as const,
            error: `\`--days\` must be a whole number of days from 1 to 3650, got ${code(s)}.`,
          };
    })
      .optional()
      .transform((d) => d ?? 90),
    region,
    account,
  })
  .transform(
    (o): UnusedCommand => compact({ name: 'unused', days: o.days, region: o.region, account: o.account }),
  );

const costSchema = z
  .object({
    name: z.literal('cost'),
    args: noArgs('cost'),
    by: field((s) => {
      const v = s.trim().toLowerCase();
      return (COST_DIMENSIONS as readonly string[]).includes(v)
        ? { ok: true as const, value: v as CostCommand['by'] }
        : {
            ok: false as const,
            error: `\`--by\` takes ${COST_DIMENSIONS.map((d) => `\`${d}\``).join(', ')}, got ${code(s)}.`,
          };
    })
      .optional()
      .transform((b) => b ?? 'team'),
    region,
    account,
  })
  .transform((o): CostCommand => compact({ name: 'cost', by: o.by, region: o.region, account: o.account }));

const promoteSchema = z
  .object({
    name: z.literal('promote'),
    args: imageArg('promote'),
    as: field(
      checkFamily,
      '`promote` needs `--as <family>`, like `--as web-base` (`/ami golden` lists the families).',
    ),
    region,
    account,
  })
  .transform(
    (o): PromoteCommand =>
      compact({ name: 'promote', imageId: o.args, family: o.as, region: o.region, account: o.account }),
  );

const goldenSchema = z
  .object({ name: z.literal('golden'), args: optionalArg('golden', 'family', checkFamily) })
  .transform((o): GoldenCommand => compact({ name: 'golden', family: o.args }));

const rollbackSchema = z
  .object({
    name: z.literal('rollback'),
    args: oneArg(
      'rollback',
      'family',
      '`rollback` needs a family, like `/ami rollback web-base` (`/ami golden` lists them).',
      checkFamily,
    ),
  })
  .transform((o): RollbackCommand => ({ name: 'rollback', family: o.args }));

const whySchema = z
  .object({
    name: z.literal('why'),
    args: imageArg('why'),
    for: field(
      checkForAccount,
      '`why` needs `--for <account-id>`: the account that cannot launch the image.',
    ),
    region,
    account,
  })
  .transform(
    (o): WhyCommand =>
      compact({ name: 'why', imageId: o.args, forAccount: o.for, region: o.region, account: o.account }),
  );

const accessSchema = z
  .object({
    name: z.literal('access'),
    args: noArgs('access'),
    with: field(checkOffboardAccount).optional(),
    region,
    account,
  })
  .transform(
    (o): AccessCommand => compact({ name: 'access', with: o.with, region: o.region, account: o.account }),
  );

const waiveSchema = z
  .object({
    name: z.literal('waive'),
    args: z
      .array(z.string())
      .default([])
      .transform((args, ctx): { imageId: string; findingId: string } => {
        const [image, finding, ...rest] = args;
        const usage =
          '`waive` needs an image id and a finding id, like `/ami waive ami-0abc1234def567890 unencrypted-snapshot --until 2026-12-31 --reason "…"`.';
        if (image === undefined || finding === undefined) {
          ctx.addIssue({ code: 'custom', message: usage });
          return z.NEVER;
        }
        const i = checkImageId('waive')(image);
        if (!i.ok) ctx.addIssue({ code: 'custom', message: i.error });
        const f = checkFindingId(finding);
        if (!f.ok) ctx.addIssue({ code: 'custom', message: f.error });
        if (rest.length > 0) {
          ctx.addIssue({
            code: 'custom',
            message: `\`waive\` takes one image id and one finding id; I don't know what to do with ${code(rest.join(' '))}. Put a reason with spaces in quotes: \`--reason "…"\`.`,
          });
        }
        return i.ok && f.ok && rest.length === 0 ? { imageId: i.value, findingId: f.value } : z.NEVER;
      }),
    until: field(
      checkUntil,
      '`waive` needs `--until` with the date the waiver ends, like `--until 2026-12-31`.',
    ),
    reason: field(
      checkReason,
      '`waive` needs `--reason` saying why the finding is accepted, like `--reason "fix ships with the next base image"`.',
    ),
    region,
    account,
  })
  .transform(
    (o): WaiveCommand =>
      compact({
        name: 'waive',
        imageId: o.args.imageId,
        findingId: o.args.findingId,
        until: o.until,
        reason: o.reason,
        region: o.region,
        account: o.account,
      }),
  );

/** Each subcommand's schema: raw input (see `rawInput`) → typed command. */
export const COMMAND_SCHEMAS: { [N in Subcommand]: z.ZodType<CommandOf<N>> } = {
  help: helpSchema,
  find: findSchema,
  show: showSchema,
  list: listSchema,
  copy: copySchema,
  encrypt: encryptSchema,
  scan: scanSchema,
  share: shareSchema,
  unshare: unshareSchema,
  deprecate: deprecateSchema,
  undeprecate: undeprecateSchema,
  disable: disableSchema,
  enable: enableSchema,
  expire: expireSchema,
  deregister: deregisterSchema,
  requests: requestsSchema,
  jobs: jobsSchema,
  cancel: cancelSchema,
  audit: auditSchema,
  expiring: expiringSchema,
  prune: pruneSchema,
  orphans: orphansSchema,
  unused: unusedSchema,
  cost: costSchema,
  promote: promoteSchema,
  golden: goldenSchema,
  rollback: rollbackSchema,
  why: whySchema,
  access: accessSchema,
  waive: waiveSchema,
};
