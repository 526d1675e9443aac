/**
 * The command types: what `parseCommand` produces and what the handlers are written against.
 * One interface per subcommand, all of them in the `Command` union.
 */
import type { Arch } from '../arch.js';
import type { When } from '../duration.js';
import type { FamilySelector } from '../families.js';

export type { Arch } from '../arch.js';
export type { When } from '../duration.js';

/** Every subcommand, in the order help lists them. */
export const SUBCOMMANDS = [
  'help',
  'find',
  'show',
  'list',
  'copy',
  'encrypt',
  'scan',
  'share',
  'unshare',
  'deprecate',
  'undeprecate',
  'disable',
  'enable',
  'expire',
  'deregister',
  'requests',
  'jobs',
  'cancel',
  'audit',
  'expiring',
  'prune',
  'orphans',
  'unused',
  'cost',
  'promote',
  'golden',
  'rollback',
  'why',
  'access',
  'waive',
] as const;

export type Subcommand = (typeof SUBCOMMANDS)[number];

export function isSubcommand(value: string): value is Subcommand {
  return (SUBCOMMANDS as readonly string[]).includes(value);
}

/** Who an image is shared with (`--with`): an account, an organization, an OU, or everyone. */
export type ShareTarget =
  | { kind: 'account'; accountId: string }
  | { kind: 'organization'; arn: string }
  | { kind: 'ou'; arn: string }
  | { kind: 'public' };

/** The fields of every subcommand that acts on one image. */
interface OnImage {
  imageId: string;
  region?: string;
  account?: string;
}

export interface HelpCommand {
  name: 'help';
  topic?: Subcommand;
}
export interface FindCommand {
  name: 'find';
  words: string[];
  region?: string;
  /** An owner keyword (`amazon`, `canonical`, …, `self`) or a 12-digit account id. */
  owner?: string;
  arch?: Arch;
  limit: number;
  includeDeprecated: boolean;
  account?: string;
}
export interface ShowCommand extends OnImage {
  name: 'show';
}
export interface ListCommand {
  name: 'list';
  region?: string;
  account?: string;
  olderThanMs?: number;
  tags: Record<string, string>;
  limit: number;
}
export interface CopyCommand {
  name: 'copy';
  imageId: string;
  /** Destination regions, de-duplicated, 1 to 10. */
  toRegions: string[];
  /** Source region. */
  region?: string;
  account?: string;
  newName?: string;
  /** True when `--encrypt` or `--kms-key` was given. */
  encrypt: boolean;
  kmsKeyId?: string;
  withPermissions: boolean;
}
export interface EncryptCommand extends OnImage {
  name: 'encrypt';
  kmsKeyId?: string;
  replace: boolean;
}
export interface ScanCommand extends OnImage {
  name: 'scan';
  deep: boolean;
}
export interface ShareCommand extends OnImage {
  name: 'share';
  targets: ShareTarget[];
}
export interface UnshareCommand extends OnImage {
  name: 'unshare';
  /** `'all'` (from `--all`) removes every launch permission, public included. */
  targets: ShareTarget[] | 'all';
}
export interface DeprecateCommand extends OnImage {
  name: 'deprecate';
  when: When;
}
export interface UndeprecateCommand extends OnImage {
  name: 'undeprecate';
}
export interface DisableCommand extends OnImage {
  name: 'disable';
}
export interface EnableCommand extends OnImage {
  name: 'enable';
}
export interface ExpireCommand extends OnImage {
  name: 'expire';
  when: When;
}
export interface DeregisterCommand extends OnImage {
  name: 'deregister';
  keepSnapshots: boolean;
  force: boolean;
}
export interface RequestsCommand {
  name: 'requests';
  all: boolean;
}
export interface JobsCommand {
  name: 'jobs';
}
export interface CancelCommand {
  name: 'cancel';
  requestId: string;
}
export interface AuditCommand {
  name: 'audit';
  /** An image id or a request id. */
  target?: string;
  limit: number;
}
export interface ExpiringCommand {
  name: 'expiring';
  withinMs: number;
  account?: string;
  region?: string;
}

export interface PruneCommand {
  name: 'prune';
  family: FamilySelector;
  keep: number;
  olderThanMs?: number;
  region?: string;
  account?: string;
}
export interface OrphansCommand {
  name: 'orphans';
  /** File a request that deletes them. */
  delete: boolean;
  region?: string;
  account?: string;
}
export interface UnusedCommand {
  name: 'unused';
  days: number;
  region?: string;
  account?: string;
}
/** What `/ami cost` groups by. */
export const COST_DIMENSIONS = ['team', 'account', 'region', 'family'] as const;
export type CostDimension = (typeof COST_DIMENSIONS)[number];
export interface CostCommand {
  name: 'cost';
  by: CostDimension;
  region?: string;
  account?: string;
}
export interface PromoteCommand extends OnImage {
  name: 'promote';
  /** The golden-image family (`--as`). */
  family: string;
}
export interface GoldenCommand {
  name: 'golden';
  family?: string;
}
export interface RollbackCommand {
  name: 'rollback';
  family: string;
}
export interface WhyCommand extends OnImage {
  name: 'why';
  /** The account that cannot launch the image (`--for`). */
  forAccount: string;
}

/** `/ami access`: own images shared outside the allowlist, public ones, or (`--with`) shared with one account. */
export interface AccessCommand {
  name: 'access';
  /** Offboarding: everything shared with this account id. */
  with?: string;
  region?: string;
  account?: string;
}
/** `/ami waive`: a request to accept one finding of an image until a date. */
export interface WaiveCommand {
  name: 'waive';
  imageId: string;
  findingId: string;
  /** ISO 8601. */
  until: string;
  reason: string;
  region?: string;
  account?: string;
}

export type Command =
  | HelpCommand
  | FindCommand
  | ShowCommand
  | ListCommand
  | CopyCommand
  | EncryptCommand
  | ScanCommand
  | ShareCommand
  | UnshareCommand
  | DeprecateCommand
  | UndeprecateCommand
  | DisableCommand
  | EnableCommand
  | ExpireCommand
  | DeregisterCommand
  | RequestsCommand
  | JobsCommand
  | CancelCommand
  | AuditCommand
  | ExpiringCommand
  | PruneCommand
  | OrphansCommand
  | UnusedCommand
  | CostCommand
  | PromoteCommand
  | GoldenCommand
  | RollbackCommand
  | WhyCommand
  | AccessCommand
  | WaiveCommand;

export type CommandOf<N extends Subcommand> = Extract<Command, { name: N }>;

export type ParseResult =
  | { ok: true; command: Command }
  | { ok: false; subcommand?: Subcommand; error: string; usage?: string };
