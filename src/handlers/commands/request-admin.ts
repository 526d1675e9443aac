import { renderAuditEntries } from '../../blocks/audit.js';
import { renderJobs } from '../../blocks/jobs.js';
import { section } from '../../blocks/message.js';
import { renderRequestsList } from '../../blocks/requests-list.js';
import type {
  AuditCommand,
  CancelCommand,
  JobsCommand,
  RequestsCommand,
} from '../../domain/grammar/index.js';
import { checkCancel, referencedGroups } from '../../domain/policy.js';
import { isFinal } from '../../domain/request.js';
import { AppError } from '../../errors.js';
import type { CommandContext, CommandReply } from './types.js';

/** `/ami requests [--all]`: open requests first, then recent ones. */
export async function requestsCommand(cmd: RequestsCommand, { deps }: CommandContext): Promise<CommandReply> {
  const recent = await deps.requests.recent(cmd.all ? 100 : 50);
  const shown = cmd.all ? recent : recent.filter((r, i) => !isFinal(r.state) || i < 15);
  return { message: renderRequestsList({ requests: shown, now: deps.clock(), all: cmd.all }) };
}

/** `/ami audit [<ami-id>|<request-id>]`: the newest audit entries, optionally about one thing. */
export async function auditCommand(cmd: AuditCommand, { deps }: CommandContext): Promise<CommandReply> {
  const entries = await deps.audit.recent({ target: cmd.target, limit: cmd.limit });
  return { message: renderAuditEntries({ entries, target: cmd.target, now: deps.clock() }) };
}

/** `/ami cancel <request-id>`: by the requester or an approver, while pending, approved or queued. */
export async function cancelCommand(
  cmd: CancelCommand,
  { deps, userId }: CommandContext,
): Promise<CommandReply> {
  const request = await deps.requests.get(cmd.requestId);
  if (!request)
    throw new AppError(
      'not_found',
      `There is no request \`${cmd.requestId}\`. \`/ami requests\` lists the open ones.`,
    );
  const policy = deps.config.accounts.find((a) => a.alias === request.account)?.policy;
  if (!policy)
    throw new AppError('forbidden', `Request \`${request.id}\` is for an account amibot no longer manages.`);
  const groups = await deps.userGroups.members(referencedGroups(policy));
  const now = deps.clock();
  const res = await deps.requests.update(request.id, (r) => {
    const check = checkCancel({ policy, request: r, userId, groups });
    if (!check.ok) return { ok: false, error: check };
    return {
      ok: true,
      request: {
        ...r,
        state: 'cancelled',
        cancellation: { userId, at: now.toISOString() },
        updatedAt: now.toISOString(),
      },
    };
  });
  if (!res.ok) {
    if (res.reason === 'not_found')
      throw new AppError('not_found', `There is no request \`${cmd.requestId}\`.`);
    await deps.audit.record({
      actor: userId,
      action: 'request.refused',
      target: request.id,
      requestId: request.id,
      result: 'refused',
      detail: `cancel: ${res.error.code}`,
    });
    throw new AppError('forbidden', res.error.message);
  }
  // Queued work is removed; a job that starts anyway finds the request cancelled and does nothing.
  if (res.before.state === 'queued' || res.before.state === 'approved') {
    await deps.queues.removeWaiting('request-execute', { requestId: request.id }).catch(() => false);
    if (request.params.kind === 'copy' || request.params.kind === 'encrypt') {
      const regions = request.params.kind === 'copy' ? request.params.toRegions : [request.region];
      for (const region of regions)
        await deps.queues.removeWaiting('copy-region', { requestId: request.id, region }).catch(() => false);
    }
  }
  await deps.audit.recordForRequest(request, {
    actor: userId,
    action: 'request.cancelled',
    result: 'ok',
    detail: `was ${res.before.state}`,
  });
  await deps.notifier.refreshRequest(res.request);
  const text = `🛑 Request \`${request.id}\` is cancelled (it was ${res.before.state}).`;
  return { message: { text, blocks: [section(text)] } };
}

/** `/ami jobs`: queue counts and the requests being carried out. */
export async function jobsCommand(_cmd: JobsCommand, { deps }: CommandContext): Promise<CommandReply> {
  const [queues, recent] = await Promise.all([deps.queues.counts(), deps.requests.recent(200)]);
  const active = recent.filter(
    (r) => r.state === 'approved' || r.state === 'queued' || r.state === 'running',
  );
  return { message: renderJobs({ queues, active, now: deps.clock() }) };
}
