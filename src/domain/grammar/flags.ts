/**
 * Flag tables: which flags each subcommand takes and of what kind (see `FlagSpec` in
 * tokenize.ts), examples for "needs a value" errors, and `rawInput`, which maps the parsed
 * arguments onto the input of the subcommand's schema.
 */
import type { FlagSpec, ParsedArgs } from '../tokenize.js';
import type { Subcommand } from './types.js';

const WHERE_FLAGS: FlagSpec = { region: 'value', account: 'value' };

/** Each subcommand's flags. A flag not listed is an "unknown flag" error with a suggestion. */
export const FLAGS: Record<Subcommand, FlagSpec> = {
  help: {},
  find: {
    ...WHERE_FLAGS,
    owner: 'value',
    arch: 'value',
    limit: 'value',
    'include-deprecated': 'boolean',
  },
  show: WHERE_FLAGS,
  list: { ...WHERE_FLAGS, 'older-than': 'value', tag: 'multi', limit: 'value' },
  copy: {
    to: 'list',
    ...WHERE_FLAGS,
    name: 'value',
    encrypt: 'boolean',
    'kms-key': 'value',
    'with-permissions': 'boolean',
  },
  encrypt: { 'kms-key': 'value', replace: 'boolean', ...WHERE_FLAGS },
  scan: { deep: 'boolean', ...WHERE_FLAGS },
  share: { with: 'list', ...WHERE_FLAGS },
  unshare: { with: 'list', all: 'boolean', ...WHERE_FLAGS },
  deprecate: { at: 'value', in: 'value', ...WHERE_FLAGS },
  undeprecate: WHERE_FLAGS,
  disable: WHERE_FLAGS,
  enable: WHERE_FLAGS,
  expire: { at: 'value', in: 'value', ...WHERE_FLAGS },
  deregister: { 'keep-snapshots': 'boolean', force: 'boolean', ...WHERE_FLAGS },
  requests: { all: 'boolean' },
  jobs: {},
  cancel: {},
  audit: { limit: 'value' },
  expiring: { within: 'value', ...WHERE_FLAGS },
  prune: { family: 'value', keep: 'value', 'older-than': 'value', ...WHERE_FLAGS },
  orphans: { delete: 'boolean', ...WHERE_FLAGS },
  unused: { days: 'value', ...WHERE_FLAGS },
  cost: { by: 'value', ...WHERE_FLAGS },
  promote: { as: 'value', ...WHERE_FLAGS },
  golden: {},
  rollback: {},
  why: { for: 'value', ...WHERE_FLAGS },
  access: { with: 'value', ...WHERE_FLAGS },
  waive: { until: 'value', reason: 'value', ...WHERE_FLAGS },
};

/** An example value per flag, for "`--x` needs a value, like …". */
export const FLAG_EXAMPLES: Record<string, string> = {
  region: 'us-east-1',
  account: 'prod',
  owner: 'canonical',
  arch: 'arm64',
  limit: '10',
  'older-than': '90d',
  tag: 'team=web',
  to: 'eu-west-1,us-west-2',
  name: '"web base 2025-01"',
  'kms-key': 'alias/ami-copies',
  with: '123456789012',
  at: '2025-06-30',
  in: '30d',
  within: '14d',
  family: 'app-web',
  keep: '5',
  days: '90',
  by: 'team',
  as: 'web-base',
  for: '222222222222',
  until: '2026-12-31',
  reason: '"fix ships with the next base image"',
};

/** Flags that take a value in some subcommand: used to find the subcommand word past them. */
export const VALUE_FLAGS = new Set(
  Object.values(FLAGS).flatMap((spec) =>
    Object.entries(spec)
      .filter(([, k]) => k !== 'boolean')
      .map(([n]) => n),
  ),
);

/** Maps parsed args onto the raw input of a subcommand's schema. */
export function rawInput(name: Subcommand, args: ParsedArgs): Record<string, unknown> {
  const raw: Record<string, unknown> = { name, args: args.positionals };
  const spec = FLAGS[name];
  for (const [flagName, kind] of Object.entries(spec)) {
    const key = name === 'copy' && flagName === 'name' ? 'name_' : flagName;
    if (kind === 'value' && args.values[flagName] !== undefined) raw[key] = args.values[flagName];
    if (kind === 'list' && args.lists[flagName] !== undefined) raw[key] = args.lists[flagName];
    if (kind === 'multi' && args.multis[flagName] !== undefined) raw[key] = args.multis[flagName];
    if (kind === 'boolean' && args.booleans[flagName] !== undefined) raw[key] = args.booleans[flagName];
  }
  if (name === 'deprecate' || name === 'expire') {
    raw['when'] = { at: raw['at'], in: raw['in'] };
    delete raw['at'];
    delete raw['in'];
  }
  return raw;
}
