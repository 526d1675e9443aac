/**
 * The items of a batch request (prune, delete-snapshots) in words: the list posted in the request's
 * thread, the fields and progress of its approval message. Pure; every untrusted string (image
 * names, families, AWS's words) is escaped here.
 */
import type { KnownBlock } from '@slack/types';
import { formatDate } from '../domain/age.js';
import { formatGiB, formatUsd } from '../domain/cost.js';
import type { AmiRequest, BatchItemOutcome } from '../domain/request.js';
import { bold, code, context, esc, fields, packLines, section } from './message.js';

type Batch = Pick<AmiRequest, 'params' | 'batch' | 'account' | 'accountId' | 'region'>;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** The ids of a batch request's items, in order. */
export function batchItemIds(r: Pick<AmiRequest, 'params'>): string[] {
  if (r.params.kind === 'prune') return r.params.images.map((i) => i.imageId);
  if (r.params.kind === 'delete-snapshots') return r.params.snapshots.map((s) => s.snapshotId);
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
  };
  for (const id of ids) {
    const o: BatchItemOutcome | undefined = Object.hasOwn(items, id) ? items[id] : undefined;
    if (!o || o.state === 'working') continue;
    c.done++;
    if (o.state === 'deleted') c.deleted++;
    if (o.state === 'kept') c.kept++;
    if (o.state === 'failed') c.failed++;
    c.snapshotsDeleted += o.deletedSnapshots ?? 0;
    c.freedGiB += o.freedGiB ?? 0;
  }
  return c;
}

/** The fields of the approval message of a batch request (instead of one image's). */
export function batchFields(r: Batch): KnownBlock {
  const p = r.params;
  const what =
    p.kind === 'prune'
      ? `*Images*\n${plural(p.images.length, 'image')} in ${plural(new Set(p.images.map((i) => i.family)).size, 'family', 'families')}`
      : p.kind === 'delete-snapshots'
        ? `*Snapshots*\n${plural(p.snapshots.length, 'snapshot')}`
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
  const verb = r.kind === 'prune' ? 'deregistered' : 'deleted';
  const parts = [`*Progress*: ${c.done.toLocaleString('en-US')} of ${c.total.toLocaleString('en-US')} done`];
  parts.push(`${c.deleted.toLocaleString('en-US')} ${verb}`);
  if (c.kept) parts.push(`${c.kept.toLocaleString('en-US')} kept`);
  if (c.failed) parts.push(`${c.failed.toLocaleString('en-US')} failed`);
  if (r.kind === 'prune') parts.push(`${plural(c.snapshotsDeleted, 'snapshot')} deleted`);
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
    heading = `*The ${plural(p.images.length, 'image')} to deregister* (oldest first):`;
    lines = p.images.map(
      (i) =>
        `• ${code(i.imageId, 30)} ${bold(i.name || '(no name)', 100)} · ${code(i.family, 80)} · ${i.creationDate ? esc(formatDate(i.creationDate), 20) : 'no date'} · ${formatGiB(i.sizeGiB)}${i.freedGiB < i.sizeGiB ? ` (frees ${formatGiB(i.freedGiB)})` : ''}`,
    );
  } else if (p.kind === 'delete-snapshots') {
    heading = `*The ${plural(p.snapshots.length, 'snapshot')} to delete:*`;
    lines = p.snapshots.map(
      (s) =>
        `• ${code(s.snapshotId, 30)} · ${formatGiB(s.sizeGiB)} · ${s.reason === 'image-gone' ? `made for ${code(s.imageId ?? '?', 30)}, which no longer exists` : 'no image uses it'}`,
    );
  }
  const packed = packLines(lines, { maxSections: 40, heading, more: (n) => `_+${n} more_` });
  return [
    ...packed.texts.map((t) => section(t)),
    context(['Each one is checked again right before it is deleted; what came into use meanwhile is kept.']),
  ];
}
