import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { ACTION_IDS, actionIdPattern } from '../blocks/actions.js';
import { renderError } from '../blocks/error.js';
import type { SlackMessage } from '../blocks/message.js';
import { reminderOutcomeText, renderReminderOutcome } from '../blocks/reminder.js';
import { renderAutoApproved, renderRequestConfirmation } from '../blocks/request-confirmation.js';
import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { formatDateTime } from '../domain/age.js';
import { readExpiry } from '../domain/expiry.js';
import type { AmiImage } from '../domain/image.js';
import { matchesPrincipal, referencedGroups } from '../domain/policy.js';
import { extendedExpiry, imageOwner } from '../domain/reminders.js';
import { toAppError } from '../errors.js';
import { requestDeregistration } from '../expiry/deregister.js';
import { type ReminderContext, reminderStore } from '../store/reminders.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type ReminderAction = 'extend' | 'snooze' | 'deregister';

const VERB: Record<ReminderAction, string> = {
  extend: 'extend',
  snooze: 'snooze',
  deregister: 'request the deregistration of',
};

const DONE: Record<string, string> = {
  extend: 'extended',
  snooze: 'snoozed',
  deregister: 'sent for deregistration',
};

/** Registers the Extend / Snooze / Deregister buttons of expiry reminders. */
export function registerReminderActions(app: App, deps: Deps): void {
  app.action(
    { type: 'block_actions', action_id: actionIdPattern(ACTION_IDS.reminderExtend) },
    createReminderActionHandler(deps, 'extend'),
  );
  app.action(
    { type: 'block_actions', action_id: actionIdPattern(ACTION_IDS.reminderSnooze) },
    createReminderActionHandler(deps, 'snooze'),
  );
  app.action(
    { type: 'block_actions', action_id: actionIdPattern(ACTION_IDS.reminderDeregister) },
    createReminderActionHandler(deps, 'deregister'),
  );
}

async function tellUser(respond: ActionArgs['respond'], deps: Deps, text: string): Promise<void> {
  const msg = renderError({ message: text });
  await respond({
    response_type: 'ephemeral',
    replace_original: false,
    text: msg.text,
    blocks: msg.blocks,
  }).catch((err: unknown) => deps.logger.error('could not answer a reminder button click', { error: err }));
}

/**
 * One reminder button. The value is untrusted: only a well-formed reminder id is accepted and
 * everything else (account, region, image, expiry) is read back from Redis. Each click is
 * authorised afresh against the image's current tags (the `Owner` tag's Slack user) and the
 * account's approvers; the first authorised action on a reminder wins, the message then says what
 * was done and by whom (without buttons).
 */
export function createReminderActionHandler(deps: Deps, kind: ReminderAction) {
  return async function reminderAction({ ack, action, body, respond }: ActionArgs): Promise<void> {
    await ack();
    const userId = body.user.id;
    const value = action.type === 'button' ? (action.value ?? '') : '';
    const store = reminderStore(deps.redis, deps.config.redis.keyPrefix);
    const settings = deps.config.expiry;
    const refuse = async (message: string, detail: string, ctx?: ReminderContext): Promise<void> => {
      await deps.audit.record({
        actor: userId,
        action: 'reminder.refused',
        target: ctx?.imageId ?? (value.slice(0, 40) || '(none)'),
        imageId: ctx?.imageId,
        account: ctx?.account,
        region: ctx?.region,
        result: 'refused',
        detail: `${kind}: ${detail}`,
      });
      await tellUser(respond, deps, message);
    };

    const ctx = await store.getContext(value);
    if (!ctx) {
      return refuse(
        'That button does not point at a reminder amibot knows (or it is too old).',
        'unknown reminder',
      );
    }
    const account = deps.config.accounts.find((a) => a.alias === ctx.account);
    if (!account)
      return refuse('That reminder is for an account amibot no longer manages.', 'unknown account', ctx);

    let image: AmiImage;
    try {
      image = await deps.images.getImage(account, ctx.region, ctx.imageId);
    } catch (err) {
      const e = toAppError(err);
      if (e.code === 'not_found') {
        await updateMessage(deps, ctx, body, undefined, `ℹ️ The image no longer exists; nothing left to do.`);
      }
      return tellUser(respond, deps, e.userMessage);
    }

    const owner = imageOwner(image.tags, settings);
    const groups = await deps.userGroups.members(referencedGroups(account.policy));
    const allowed = owner.userId === userId || matchesPrincipal(account.policy.approvers, userId, groups);
    if (!allowed) {
      return refuse(
        `Only the image’s owner${owner.userId ? ` (<@${owner.userId}>)` : ` (its \`${settings.ownerTagKey}\` tag names none)`} or an approver of account *${account.alias}* can ${VERB[kind]} \`${ctx.imageId}\`.`,
        'not the owner or an approver',
        ctx,
      );
    }

    const now = deps.clock();
    const claim = await store.claimAction(ctx.id, { action: kind, userId, at: now.toISOString() });
    if (!claim.won) {
      const by = claim.by;
      return tellUser(
        respond,
        deps,
        by
          ? `This reminder was already ${DONE[by.action] ?? 'handled'} by <@${by.userId}> (${formatDateTime(by.at)}).`
          : 'This reminder was already handled.',
      );
    }

    try {
      const outcome = await perform(deps, kind, ctx, account, image, userId, now);
      await updateMessage(deps, ctx, body, image, outcome.text);
      if (outcome.reply) {
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: outcome.reply.text,
          blocks: outcome.reply.blocks,
        }).catch(() => {});
      }
    } catch (err) {
      await store.releaseAction(ctx.id);
      const e = toAppError(err);
      if (e.code === 'internal')
        deps.logger.error('reminder action failed', { kind, reminderId: ctx.id, error: err });
      await deps.audit.record({
        actor: userId,
        action:
          kind === 'extend'
            ? 'reminder.extended'
            : kind === 'snooze'
              ? 'reminder.snoozed'
              : 'request.refused',
        target: ctx.imageId,
        imageId: ctx.imageId,
        account: ctx.account,
        region: ctx.region,
        result: e.code === 'forbidden' || e.code === 'bad_input' ? 'refused' : 'failed',
        detail: `${kind} from reminder: ${e.userMessage}`.slice(0, 300),
      });
      await tellUser(respond, deps, e.userMessage);
    }
  };
}

async function perform(
  deps: Deps,
  kind: ReminderAction,
  ctx: ReminderContext,
  account: AccountConfig,
  image: AmiImage,
  userId: string,
  now: Date,
): Promise<{ text: string; reply?: SlackMessage }> {
  const settings = deps.config.expiry;
  const store = reminderStore(deps.redis, deps.config.redis.keyPrefix);
  switch (kind) {
    case 'extend': {
      // An extension only moves a date further out: not a risky change, so no approval (docs/expiry.md).
      const current = readExpiry(image, { tagKey: deps.config.expiryTagKey });
      const currentAt = current && !('invalid' in current) ? current.at : undefined;
      const tagKey = current?.tagKey ?? deps.config.expiryTagKey;
      const next = extendedExpiry(currentAt, now, settings.extendDays);
      await deps.changes.setTags(account, ctx.region, [ctx.imageId], { [tagKey]: next.tagValue });
      const before =
        current === undefined ? '(none)' : 'invalid' in current ? current.invalid : current.at.slice(0, 19);
      await deps.audit.record({
        actor: userId,
        action: 'reminder.extended',
        target: ctx.imageId,
        imageId: ctx.imageId,
        account: ctx.account,
        region: ctx.region,
        result: 'ok',
        detail: `${tagKey}: ${before} → ${next.tagValue}`,
      });
      return {
        text: reminderOutcomeText({
          kind: 'extended',
          by: userId,
          tagKey,
          value: next.tagValue,
          days: settings.extendDays,
          deprecationUnchanged: current?.source === 'deprecation' || Boolean(image.deprecationTime),
        }),
      };
    }
    case 'snooze': {
      const until = new Date(now.getTime() + settings.snoozeHours * 3600_000);
      await store.snooze(ctx, settings.snoozeHours * 3600, until);
      await deps.audit.record({
        actor: userId,
        action: 'reminder.snoozed',
        target: ctx.imageId,
        imageId: ctx.imageId,
        account: ctx.account,
        region: ctx.region,
        result: 'ok',
        detail: `until ${until.toISOString()}`,
      });
      return { text: reminderOutcomeText({ kind: 'snoozed', by: userId, until: until.toISOString() }) };
    }
    case 'deregister': {
      const { request, channel } = await requestDeregistration(deps, {
        account,
        region: ctx.region,
        imageId: ctx.imageId,
        userId,
        channelId: ctx.channel,
        expiry: ctx.expiry,
      });
      return {
        text: reminderOutcomeText({
          kind: 'deregister-requested',
          by: userId,
          requestId: request.id,
          pending: request.state === 'pending',
          channel: request.message?.channel,
        }),
        reply:
          request.approvalsNeeded === 0
            ? renderAutoApproved({ request, channel })
            : renderRequestConfirmation({ request, channel }),
      };
    }
  }
}

async function updateMessage(
  deps: Deps,
  ctx: ReminderContext,
  body: BlockAction,
  image: AmiImage | undefined,
  outcome: string,
): Promise<void> {
  const ts = ctx.ts ?? body.message?.ts;
  const channel = ctx.ts ? ctx.channel : (body.channel?.id ?? ctx.channel);
  if (!ts) return;
  const settings = deps.config.expiry;
  try {
    await deps.notifier.update(
      { channel, ts },
      renderReminderOutcome({
        account: ctx.account,
        region: ctx.region,
        imageId: ctx.imageId,
        imageName: image?.name ?? ctx.imageName,
        creationDate: image?.creationDate,
        sizeGiB: ctx.sizeGiB,
        monthlyCostUsd: ctx.monthlyCostUsd,
        expiry: { at: ctx.expiry, source: ctx.expirySource },
        milestone: ctx.milestone,
        owner: image ? imageOwner(image.tags, settings) : {},
        now: deps.clock(),
        extendDays: settings.extendDays,
        snoozeHours: settings.snoozeHours,
        outcome,
      }),
    );
  } catch (err) {
    deps.logger.error('could not update the reminder message', { reminderId: ctx.id, error: err });
  }
}
