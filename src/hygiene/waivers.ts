/**
 * Waivers (`/ami waive`): a request to accept one finding of an image until a date, approved by the
 * account's approvers like any request. Once approved (the `waiver-apply` job) it is stored with the
 * image; scans then show the finding as waived and leave it out of the verdict, and from the end date
 * on the finding counts again and the next scan reports it re-opened.
 */
import { resolveAccount } from '../config.js';
import type { Deps } from '../deps.js';
import { type LedgerFinding, ownFinding, type Waiver } from '../domain/findings.js';
import type { AmiRequest } from '../domain/request.js';
import { AppError } from '../errors.js';
import * as lifecycle from '../requests/lifecycle.js';
import type { ImageRef } from '../store/findings.js';
import { findingStore } from './findings.js';

/**
 * The finding a waiver is for, from the image's last scan: exact id first, then ignoring case,
 * then a deep-scan finding named without its `deep:` prefix. A friendly error otherwise.
 */
export async function findingToWaive(
  deps: Pick<Deps, 'redis' | 'config'>,
  ref: ImageRef,
  findingId: string,
): Promise<{ finding: LedgerFinding; scanId: string }> {
  const { ledger } = await findingStore(deps).ledger(ref);
  if (!ledger) {
    throw new AppError(
      'not_found',
      `\`${ref.imageId}\` has no scan in *${ref.account}*/\`${ref.region}\` yet: a waiver is for a finding a scan reported. Run \`/ami scan ${ref.imageId}\` first.`,
    );
  }
  const all = Object.values(ledger.findings);
  const lower = findingId.toLowerCase();
  const found =
    ownFinding(ledger.findings, findingId) ??
    all.find((f) => f.id.toLowerCase() === lower) ??
    all.find((f) => f.id.toLowerCase() === `deep:${lower}`);
  if (!found) {
    const known = all
      .slice(0, 12)
      .map((f) => `\`${f.id.replace(/`/g, "'").slice(0, 80)}\``)
      .join(', ');
    throw new AppError(
      'not_found',
      all.length === 0
        ? `The last scan of \`${ref.imageId}\` (\`${ledger.lastScanId}\`) found nothing to waive.`
        : `\`${findingId.replace(/`/g, "'").slice(0, 80)}\` is not a finding of the last scan of \`${ref.imageId}\` (\`${ledger.lastScanId}\`). Its findings: ${known}${all.length > 12 ? ` and ${all.length - 12} more` : ''}.`,
    );
  }
  return { finding: found, scanId: ledger.lastScanId };
}

/** Stores the waiver of an approved `waive` request and finishes the request. Safe to run again. */
export async function applyWaiver(deps: Deps, requestId: string): Promise<void> {
  const current = await deps.requests.get(requestId);
  if (!current) throw new AppError('not_found', `request ${requestId} does not exist`);
  if (!['approved', 'queued', 'running'].includes(current.state)) return;
  if (!resolveAccount(deps.config, current.account)) {
    await lifecycle.failUnfinished(deps, requestId, `Account ${current.account} is no longer configured.`);
    return;
  }
  const request = await lifecycle.start(deps, requestId);
  if (!request) return;
  if (request.params.kind !== 'waive') {
    await lifecycle.finish(deps, requestId, {
      ok: false,
      summary: `A ${request.kind} request is not a waiver.`,
    });
    return;
  }
  const p = request.params;
  const now = deps.clock();
  if (Date.parse(p.until) <= now.getTime()) {
    await lifecycle.finish(deps, requestId, {
      ok: false,
      summary: `Not waived: the waiver would have ended ${p.until.slice(0, 10)}, which has passed. File a new one with a later \`--until\`.`,
    });
    return;
  }
  const waiver: Waiver = {
    account: request.account,
    region: request.region,
    imageId: request.imageId,
    findingId: p.findingId,
    severity: p.severity,
    title: p.title,
    until: p.until,
    reason: p.reason,
    requestId: request.id,
    requester: request.requester,
    approvers: request.approvals.map((a) => a.userId),
    grantedAt: now.toISOString(),
  };
  await findingStore(deps).putWaiver(waiver);
  await lifecycle.finish(deps, requestId, waivedResult(request));
}

function waivedResult(r: AmiRequest) {
  const p = r.params.kind === 'waive' ? r.params : undefined;
  return {
    ok: true,
    summary: p
      ? `Finding \`${p.findingId.slice(0, 120)}\` of \`${r.imageId}\` is waived until ${p.until.slice(0, 16).replace('T', ' ')} UTC: scans show it, and leave it out of the verdict until then.`
      : 'Waived.',
  };
}

export interface WaiverDigest {
  /** Active waivers, soonest end first (the first few). */
  active: Waiver[];
  activeCount: number;
  /** Waivers that ended since the previous digest: their findings count again. */
  ended: Waiver[];
}

/** Account alias → its waivers for the digest: active ones and those that ended in the last `sinceMs`. */
export async function collectWaivers(
  deps: Pick<Deps, 'redis' | 'config' | 'clock'>,
  sinceMs: number,
): Promise<Map<string, WaiverDigest>> {
  const now = deps.clock();
  const all = await findingStore(deps).waiversEndingAfter(new Date(now.getTime() - sinceMs), now);
  const out = new Map<string, WaiverDigest>();
  for (const w of all) {
    const d = out.get(w.account) ?? { active: [], activeCount: 0, ended: [] };
    if (Date.parse(w.until) > now.getTime()) {
      d.activeCount++;
      if (d.active.length < 10) d.active.push(w);
    } else if (d.ended.length < 10) d.ended.push(w);
    out.set(w.account, d);
  }
  return out;
}
