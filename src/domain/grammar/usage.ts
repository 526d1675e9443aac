/** The one-line usage of each subcommand, shown under every parse error and in help. */
import type { Subcommand } from './types.js';

const WHERE = '[--region R] [--account A]';

export const USAGE: Record<Subcommand, string> = {
  help: '/ami help [<subcommand>]',
  find: '/ami find <words> [--region R] [--owner amazon|canonical|debian|redhat|microsoft|self|<account>] [--arch x86_64|arm64] [--limit N] [--include-deprecated] [--account A]',
  show: `/ami show <ami-id> ${WHERE}`,
  list: '/ami list [--region R] [--account A] [--older-than 90d] [--tag key=value]… [--limit N]',
  copy: '/ami copy <ami-id> --to R1[,R2…] [--region SOURCE] [--account A] [--name N] [--encrypt] [--kms-key K] [--with-permissions]',
  encrypt: `/ami encrypt <ami-id> [--kms-key K] [--replace] ${WHERE}`,
  scan: `/ami scan <ami-id> [--deep] ${WHERE}`,
  share: `/ami share <ami-id> --with <account-id|org-arn|ou-arn|all>[,…] ${WHERE}`,
  unshare: `/ami unshare <ami-id> (--with <account-id|org-arn|ou-arn|all>[,…] | --all) ${WHERE}`,
  deprecate: `/ami deprecate <ami-id> (--at YYYY-MM-DD | --in 30d) ${WHERE}`,
  undeprecate: `/ami undeprecate <ami-id> ${WHERE}`,
  disable: `/ami disable <ami-id> ${WHERE}`,
  enable: `/ami enable <ami-id> ${WHERE}`,
  expire: `/ami expire <ami-id> (--at YYYY-MM-DD | --in 30d) ${WHERE}`,
  deregister: `/ami deregister <ami-id> [--keep-snapshots] [--force] ${WHERE}`,
  requests: '/ami requests [--all]',
  jobs: '/ami jobs',
  cancel: '/ami cancel <request-id>',
  audit: '/ami audit [<ami-id>|<request-id>] [--limit N]',
  expiring: '/ami expiring [--within 30d] [--account A] [--region R]',
  prune: `/ami prune --family <name-prefix|tag:Key=Value> --keep N [--older-than 90d] ${WHERE}`,
  orphans: `/ami orphans [--delete] ${WHERE}`,
  unused: '/ami unused [--days 90] [--region R] [--account A]',
  cost: '/ami cost [--by team|account|region|family] [--region R] [--account A]',
  promote: `/ami promote <ami-id> --as <family> ${WHERE}`,
  golden: '/ami golden [<family>]',
  rollback: '/ami rollback <family>',
  why: `/ami why <ami-id> --for <account-id> ${WHERE}`,
  access: '/ami access [--with <account-id>] [--account A] [--region R]',
  waive: `/ami waive <ami-id> <finding-id> --until YYYY-MM-DD --reason "…" ${WHERE}`,
};
