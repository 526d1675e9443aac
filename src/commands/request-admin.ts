import { renderAuditEntries } from '../blocks/audit.js';
import { renderJobs } from '../blocks/jobs.js';
import { section } from '../blocks/message.js';
import { renderRequestsList } from '../blocks/requests-list.js';
import type { AuditCommand, CancelCommand, JobsCommand, RequestsCommand } from '../domain/grammar/index.js';
import { isFinal } from '../domain/request.js';
import { AppError } from '../errors.js';
import * as lifecycle from '../requests/lifecycle.js';
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
  await lifecycle.requireRequest(deps, cmd.requestId);
  const outcome = await lifecycle.cancel(deps, cmd.requestId, userId);
  if (!outcome.ok) {
    throw new AppError(outcome.code === 'not_found' ? 'not_found' : 'forbidden', outcome.message);
  }
  const text = `🛑 Request \`${outcome.request.id}\` is cancelled (it was ${outcome.was}).`;
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
