/**
 * The items of a batch request (prune, delete-snapshots) in words: the list posted in the request's
 * thread, the fields and progress of its approval message. Pure; every untrusted string (image
 * names, families, AWS's words) is escaped here.
 */
import type { KnownBlock } from '@slack/types';
import { formatDate } from '../domain/age.js';
import { formatGiB, formatUsd } from '../domain/cost.js';
import type { AmiRequest, BatchItemOutcome } from '../domain/request.js';
import { countGrants, type Grants } from '../domain/sharing.js';
import { count } from '../domain/words.js';
import { bold, code, context, esc, fields, packLines, section } from './message.js';

type Batch = Pick<AmiRequest, 'params' | 'batch' | 'account' | 'accountId' | 'region'>;

/** The ids of a batch request's items, in order. */
export function batchItemIds(r: Pick<AmiRequest, 'params'>): string[] {
  if (r.params.kind === 'prune') return r.params.images.map((i) => i.imageId);
  if (r.params.kind === 'delete-snapshots') return r.params.snapshots.map((s) => s.snapshotId);
  if (r.params.kind === 'revoke-sharing') return r.params.images.map((i) => i.imageId);
  return [];
}

export interface BatchCounts {
  total: number;
  done: number;
  deleted: number;
  kept: number;
  failed: number;
  snapshotsDeleted: number;
  freedGiB: number;
  /** Launch permissions a revoke removed. */
  permissionsRemoved: number;
}

export function batchCounts(r: Pick<AmiRequest, 'params' | 'batch'>): BatchCounts {
  const ids = batchItemIds(r);
  const items = r.batch?.items ?? {};
  const c: BatchCounts = {
    total: ids.length,
    done: 0,
    deleted: 0,
    kept: 0,
    failed: 0,
    snapshotsDeleted: 0,
    freedGiB: 0,
    permissionsRemoved: 0,
  };
  for (const id of ids) {
    const o: BatchItemOutcome | undefined = Object.hasOwn(items, id) ? items[id] : undefined;
    if (!o || o.state === 'working') continue;
    c.done++;
    if (o.state === 'deleted' || o.state === 'unshared') c.deleted++;
    if (o.state === 'kept') c.kept++;
    if (o.state === 'failed') c.failed++;
    c.snapshotsDeleted += o.deletedSnapshots ?? 0;
    c.freedGiB += o.freedGiB ?? 0;
    c.permissionsRemoved += o.removed ?? 0;
  }
  return c;
}

/** The fields of the approval message of a batch request (instead of one image's). */
export function batchFields(r: Batch): KnownBlock {
  const p = r.params;
  if (p.kind === 'revoke-sharing') return revokeFields(r, p);
  const what =
    p.kind === 'prune'
      ? `*Images*\n${count(p.images.length, 'image')} in ${count(new Set(p.images.map((i) => i.family)).size, 'family', 'families')}`
      : p.kind === 'delete-snapshots'
        ? `*Snapshots*\n${count(p.snapshots.length, 'snapshot')}`
        : '*Items*\n—';
  const saves =
    p.kind === 'prune'
      ? `*Frees*\n${formatGiB(p.freedGiB)} · ~${formatUsd(p.monthlyUsd)}/month`
      : p.kind === 'delete-snapshots'
        ? `*Frees*\n${formatGiB(p.gib)} · ~${formatUsd(p.monthlyUsd)}/month`
        : '*Frees*\n—';
  return fields([
    what,
    `*Account*\n${bold(r.account, 64)} (${code(r.accountId, 20)})`,
    saves,
    `*Region*\n${code(r.region, 40)}`,
  ]);
}

/** `Progress: 57 of 200 done · 55 deregistered · 1 kept · 1 failed · 110 snapshots deleted`. */
export function batchProgressLine(r: Pick<AmiRequest, 'params' | 'batch' | 'kind'>): string | undefined {
  if (!r.batch) return undefined;
  const c = batchCounts(r);
  if (r.kind === 'revoke-sharing') {
    const parts = [
      `*Progress*: ${c.done.toLocaleString('en-US')} of ${c.total.toLocaleString('en-US')} images done`,
      `${c.deleted.toLocaleString('en-US')} unshared`,
      `${count(c.permissionsRemoved, 'launch permission')} removed`,
    ];
    if (c.kept) parts.push(`${c.kept.toLocaleString('en-US')} needed nothing`);
    if (c.failed) parts.push(`${c.failed.toLocaleString('en-US')} failed`);
    return parts.join(' · ');
  }
  const verb = r.kind === 'prune' ? 'deregistered' : 'deleted';
  const parts = [`*Progress*: ${c.done.toLocaleString('en-US')} of ${c.total.toLocaleString('en-US')} done`];
  parts.push(`${c.deleted.toLocaleString('en-US')} ${verb}`);
  if (c.kept) parts.push(`${c.kept.toLocaleString('en-US')} kept`);
  if (c.failed) parts.push(`${c.failed.toLocaleString('en-US')} failed`);
  if (r.kind === 'prune') parts.push(`${count(c.snapshotsDeleted, 'snapshot')} deleted`);
  parts.push(`${formatGiB(c.freedGiB)} freed`);
  return parts.join(' · ');
}

/** The items that were kept or failed, one line each (for the result). */
export function batchExceptions(r: Pick<AmiRequest, 'params' | 'batch'>): string[] {
  const items = r.batch?.items ?? {};
  return batchItemIds(r).flatMap((id) => {
    const o = Object.hasOwn(items, id) ? items[id] : undefined;
    if (!o || (o.state !== 'kept' && o.state !== 'failed')) return [];
    return [`${o.state === 'kept' ? 'kept' : 'failed'} ${id}: ${o.note ?? ''}`.trim()];
  });
}

/** The list of a batch request's items, posted in its thread for the approvers. */
export function batchItemBlocks(r: Pick<AmiRequest, 'params'>): KnownBlock[] {
  const p = r.params;
  let lines: string[] = [];
  let heading = '';
  if (p.kind === 'prune') {
    heading = `*The ${count(p.images.length, 'image')} to deregister* (oldest first):`;
    lines = p.images.map(
      (i) =>
        `• ${code(i.imageId, 30)} ${bold(i.name || '(no name)', 100)} · ${code(i.family, 80)} · ${i.creationDate ? esc(formatDate(i.creationDate), 20) : 'no date'} · ${formatGiB(i.sizeGiB)}${i.freedGiB < i.sizeGiB ? ` (frees ${formatGiB(i.freedGiB)})` : ''}`,
    );
  } else if (p.kind === 'revoke-sharing') {
    heading = `*The ${count(p.images.length, 'image')} to unshare* (the launch permissions each one loses):`;
    lines = p.images.map(
      (i) =>
        `• ${code(i.imageId, 30)} ${bold(i.name || '(no name)', 100)} · ${code(i.region, 30)} · ${grantsText(i.remove)}`,
    );
  } else if (p.kind === 'delete-snapshots') {
    heading = `*The ${count(p.snapshots.length, 'snapshot')} to delete:*`;
    lines = p.snapshots.map(
      (s) =>
        `• ${code(s.snapshotId, 30)} · ${formatGiB(s.sizeGiB)} · ${s.reason === 'image-gone' ? `made for ${code(s.imageId ?? '?', 30)}, which no longer exists` : 'no image uses it'}`,
    );
  }
  const packed = packLines(lines, { maxSections: 40, heading, more: (n) => `_+${n} more_` });
  return [
    ...packed.texts.map((t) => section(t)),
    context([
      p.kind === 'revoke-sharing'
        ? 'Each image’s permissions are read again right before; only what is still there is removed, nothing else.'
        : 'Each one is checked again right before it is deleted; what came into use meanwhile is kept.',
    ]),
  ];
}

/** `public, accounts `1`, `2`, OU `ou-…`` — the launch permissions of a revoke item, escaped. */
export function grantsText(g: Grants, max = 6): string {
  const parts: string[] = [];
  if (g.public) parts.push('*public*');
  const list = (ids: string[], one: string, many: string) => {
    if (ids.length === 0) return;
    const shown = ids.slice(0, max).map((id) => code(shortArn(id), 80));
    parts.push(
      `${ids.length === 1 ? one : many} ${shown.join(', ')}${ids.length > max ? ` and ${ids.length - max} more` : ''}`,
    );
  };
  list(g.accounts, 'account', 'accounts');
  list(g.organizations, 'organization', 'organizations');
  list(g.organizationalUnits, 'OU', 'OUs');
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

/** The `o-…` / `ou-…` tail of an organization or OU ARN; anything else unchanged. */
function shortArn(id: string): string {
  return /(ou-[a-z0-9]+-[a-z0-9]+|o-[a-z0-9]+)$/.exec(id)?.[0] ?? id;
}

function revokeFields(r: Batch, p: Extract<AmiRequest['params'], { kind: 'revoke-sharing' }>): KnownBlock {
  const total = p.images.reduce((n, i) => n + countGrants(i.remove), 0);
  const pub = p.images.filter((i) => i.remove.public).length;
  const regions = [...new Set(p.images.map((i) => i.region))];
  return fields([
    `*Images*\n${count(p.images.length, 'image')}${pub ? ` (${pub} public)` : ''}`,
    `*Account*\n${bold(r.account, 64)} (${code(r.accountId, 20)})`,
    `*Removes*\n${count(total, 'launch permission')}${p.offboard ? `\noffboarding ${code(p.offboard, 20)}` : ''}`,
    `*${regions.length === 1 ? 'Region' : 'Regions'}*\n${regions.map((g) => code(g, 30)).join(', ')}`,
  ]);
}
