import { formatDateTime } from '../domain/age.js';
import { isActiveWaiver } from '../domain/findings.js';
import type { WaiveCommand } from '../domain/grammar/index.js';
import { AppError } from '../errors.js';
import { findingStore } from '../hygiene/findings.js';
import { findingToWaive } from '../hygiene/waivers.js';
import { buildRequest } from '../requests/build.js';
import { authoriseRequest, fileRequest } from './request-commands.js';
import type { CommandContext, CommandReply } from './types.js';

const DAY_MS = 86_400_000;

/**
 * `/ami waive <ami> <finding> --until <date> --reason "…"`: files a `waive` request, approved by the
 * account's approvers like any other. The finding must be one the image's last scan reported.
 */
export async function waiveCommand(cmd: WaiveCommand, ctx: CommandContext): Promise<CommandReply> {
  const { deps } = ctx;
  const { account, region } = await authoriseRequest(ctx, cmd, false);
  const now = deps.clock();
  const until = Date.parse(cmd.until);
  const maxDays = deps.config.scan.maxWaiverDays;
  if (until <= now.getTime()) {
    throw new AppError(
      'bad_input',
      `\`--until\` must be in the future (it is ${formatDateTime(now.toISOString())} now).`,
    );
  }
  if (until > now.getTime() + maxDays * DAY_MS) {
    throw new AppError(
      'bad_input',
      `A waiver lasts at most ${maxDays} days (\`scan.maxWaiverDays\`): \`--until\` must be before ${new Date(now.getTime() + maxDays * DAY_MS).toISOString().slice(0, 10)}.`,
    );
  }
  const image = await deps.images.getImage(account, region, cmd.imageId);
  const ref = { account: account.alias, region, imageId: image.imageId };
  const { finding, scanId } = await findingToWaive(deps, ref, cmd.findingId);
  const current = (await findingStore(deps).waivers(ref)).find(
    (w) => w.findingId === finding.id && isActiveWaiver(w, now),
  );
  if (current && Date.parse(current.until) >= until) {
    throw new AppError(
      'conflict',
      `\`${finding.id.slice(0, 120)}\` of \`${image.imageId}\` is already waived until ${formatDateTime(current.until)} (request \`${current.requestId}\`).`,
    );
  }
  const warnings: string[] = [];
  if (finding.severity === 'critical') {
    warnings.push(
      'This is a *Critical* finding: it blocks use of the image. While it is waived, scans let the image pass.',
    );
  }
  if (current) {
    warnings.push(
      `It is waived already until ${formatDateTime(current.until)} (request \`${current.requestId}\`): this extends it.`,
    );
  }
  const accountId = await deps.aws.accountId(account, region);
  const request = buildRequest(deps, {
    userId: ctx.userId,
    channelId: ctx.channelId,
    account,
    accountId,
    region,
    image,
    kind: 'waive',
    prepared: {
      params: {
        kind: 'waive',
        findingId: finding.id,
        severity: finding.severity,
        title: finding.title,
        until: new Date(until).toISOString(),
        reason: cmd.reason,
        scanId,
      },
      warnings,
    },
  });
  return fileRequest(ctx, request);
}
