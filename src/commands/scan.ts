import { renderScanMessage, renderScanStarted } from '../blocks/scan-report.js';
import type { ScanCommand } from '../domain/grammar/index.js';
import { newScanId, type ScanRecord } from '../domain/scan.js';
import { AppError } from '../errors.js';
import { resolveTarget } from './target.js';
import type { CommandContext, CommandReply } from './types.js';

/**
 * Why Slack refused to post in the channel the command came from, in words (Web API platform
 * errors carry `data.error`). Plain text: error answers are escaped, so no `<#C…>` links.
 */
export function slackPostFailure(err: unknown): { reason: string; known: boolean } {
  const code = (err as { data?: { error?: unknown } } | undefined)?.data?.error;
  switch (code) {
    case 'not_in_channel':
      return {
        reason: 'amibot is not a member of this channel: invite it with `/invite @amibot`',
        known: true,
      };
    case 'channel_not_found':
      return {
        reason:
          'amibot cannot see this channel (a private channel or a DM it is not part of): invite it, or ask in a channel it is in',
        known: true,
      };
    case 'is_archived':
      return { reason: 'this channel is archived', known: true };
    case 'restricted_action':
    case 'restricted_action_read_only_channel':
      return { reason: 'posting in this channel is restricted', known: true };
    default:
      return {
        reason: typeof code === 'string' ? `Slack answered \`${code}\`` : 'Slack could not be reached',
        known: false,
      };
  }
}

/**
 * `/ami scan <ami> [--deep]`: no approval. Checks that the image exists (any image the account
 * can see, public ones included), stores the scan, posts its message in the channel, queues the
 * job and tells the requester where the report will appear. Nothing is kept when the message
 * cannot be posted.
 */
export async function scanCommand(cmd: ScanCommand, ctx: CommandContext): Promise<CommandReply> {
  const { deps } = ctx;
  const { account, region } = resolveTarget(deps.config, cmd.account, cmd.region);
  const image = await deps.images.getImage(account, region, cmd.imageId);
  const now = deps.clock().toISOString();
  const scan: ScanRecord = {
    id: newScanId(deps.randomBytes),
    imageId: image.imageId,
    imageName: image.name || undefined,
    account: account.alias,
    region,
    requester: ctx.userId,
    channel: ctx.channelId,
    deep: cmd.deep,
    state: 'queued',
    createdAt: now,
    updatedAt: now,
  };
  await deps.scans.create(scan);

  let posted: ScanRecord | undefined;
  try {
    const ref = await deps.notifier.post(ctx.channelId, renderScanMessage({ scan }));
    posted = await deps.scans.update(scan.id, (s) => ({ ...s, message: ref }));
    if (!posted) throw new Error('scan vanished while posting its message');
  } catch (err) {
    await deps.scans.discard(scan.id).catch(() => {});
    const why = slackPostFailure(err);
    deps.logger.warn('could not post the scan message; scan discarded', { scanId: scan.id, error: err });
    throw new AppError(
      why.known ? 'conflict' : 'internal',
      `Could not start the scan of \`${image.imageId}\`: ${why.reason}. Nothing was scanned.`,
      { retry: !why.known, cause: err },
    );
  }

  try {
    await deps.queues.enqueue('scan-image', { scanId: scan.id });
  } catch (err) {
    const failed = await deps.scans
      .update(scan.id, (s) => ({
        ...s,
        state: 'failed',
        error: 'the scan could not be queued',
        updatedAt: deps.clock().toISOString(),
      }))
      .catch(() => undefined);
    if (failed?.message) {
      await deps.notifier.update(failed.message, renderScanMessage({ scan: failed })).catch(() => {});
    }
    throw new AppError(
      'internal',
      'Could not queue the scan (the job queue is unavailable). Please try again.',
      {
        retry: true,
        cause: err,
      },
    );
  }
  return {
    message: renderScanStarted({ scan: posted, deepConfigured: Boolean(deps.config.scan.stateMachineArn) }),
  };
}
