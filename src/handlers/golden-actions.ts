import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { actionIdPattern, decodeAmiRef } from '../blocks/actions.js';
import { renderError } from '../blocks/error.js';
import type { SlackMessage } from '../blocks/message.js';
import { GOLDEN_SCAN_ACTION } from '../blocks/promotion.js';
import { decodeWhyAction, WHY_FIX_ACTION } from '../blocks/why.js';
import { errorReply } from '../commands/index.js';
import { copyRequestCommand, quickRequestCommand } from '../commands/request-commands.js';
import { scanCommand } from '../commands/scan.js';
import type { CommandContext, CommandReply } from '../commands/types.js';
import type { Deps } from '../deps.js';
import { toAppError } from '../errors.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * The buttons of `/ami promote` (*Scan it now*) and `/ami why` (the fixes). Values are untrusted and
 * carry ids only: they are decoded strictly and turned into the command a person would have typed,
 * which resolves the account and region against the configuration, checks the clicker's
 * permission and re-reads the image — nothing from the message is trusted.
 */
export function registerGoldenActions(app: App, deps: Deps): void {
  app.action(
    { type: 'block_actions', action_id: actionIdPattern(GOLDEN_SCAN_ACTION) },
    createHandler(deps, scanFromButton),
  );
  app.action(
    { type: 'block_actions', action_id: actionIdPattern(WHY_FIX_ACTION) },
    createHandler(deps, fixFromButton),
  );
}

type Run = (value: string, ctx: CommandContext) => Promise<CommandReply | undefined>;

function createHandler(deps: Deps, run: Run) {
  return async function goldenAction({ ack, action, body, respond }: ActionArgs): Promise<void> {
    await ack();
    const value = action.type === 'button' ? (action.value ?? '') : '';
    const ctx: CommandContext = { deps, userId: body.user.id, channelId: body.channel?.id ?? '' };
    let reply: SlackMessage;
    try {
      const out = await run(value, ctx);
      reply =
        out?.message ??
        renderError({ message: 'That button no longer points at anything amibot can act on.' });
      if (!out)
        deps.logger.warn('golden button with a malformed value', {
          user: ctx.userId,
          value: value.slice(0, 100),
        });
    } catch (err) {
      const appErr = toAppError(err);
      if (appErr.code === 'internal') deps.logger.error('golden button failed', { error: err });
      reply = errorReply(appErr).message;
    }
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: reply.text,
      blocks: reply.blocks,
    }).catch((err: unknown) => deps.logger.error('could not answer a golden button click', { error: err }));
  };
}

const scanFromButton: Run = async (value, ctx) => {
  const ref = decodeAmiRef(value);
  if (!ref) return undefined;
  return scanCommand(
    { name: 'scan', imageId: ref.imageId, region: ref.region, account: ref.account, deep: false },
    ctx,
  );
};

const fixFromButton: Run = async (value, ctx) => {
  const fix = decodeWhyAction(value);
  if (!fix) return undefined;
  switch (fix.kind) {
    case 'share':
      return quickRequestCommand(
        {
          name: 'share',
          imageId: fix.imageId,
          region: fix.region,
          account: fix.account,
          targets: [{ kind: 'account', accountId: fix.targetAccount }],
        },
        ctx,
      );
    case 'enable':
      return quickRequestCommand(
        { name: 'enable', imageId: fix.imageId, region: fix.region, account: fix.account },
        ctx,
      );
    case 'copy':
      return copyRequestCommand(
        {
          name: 'copy',
          imageId: fix.imageId,
          region: fix.fromRegion,
          account: fix.account,
          toRegions: [fix.toRegion],
          encrypt: false,
          withPermissions: false,
        },
        ctx,
      );
  }
};
