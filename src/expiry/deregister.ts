import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { formatDate } from '../domain/age.js';
import { checkRequest, referencedGroups } from '../domain/policy.js';
import type { AmiRequest } from '../domain/request.js';
import { AppError } from '../errors.js';
import { approvalChannel, buildRequest } from '../requests/build.js';
import { checkDeregisterFiling, checkPolicyDeregistration } from '../requests/in-use-guard.js';
import * as lifecycle from '../requests/lifecycle.js';

export interface ReminderDeregisterInput {
  account: AccountConfig;
  region: string;
  imageId: string;
  /** Who asks: the person who clicked, or the bot's user id for the `request-deregister` policy. */
  userId: string;
  /** Where the reminder is (the approval channel, when the account has none). */
  channelId: string;
  expiry: string;
  /** The bot filing on the account policy's behalf: the requester list does not apply to it. */
  asBot?: boolean;
}

/**
 * Files a deregister request for an image from an expiry reminder, through the normal approval
 * flow (`buildRequest` / `lifecycle.file`, as `/ami deregister`): the policy check, the ownership
 * check, the in-use guard (an image still in use, or whose use cannot be checked, is refused;
 * `/ami deregister --force` remains for a person who is sure), the approval message, the audit entry. Snapshots are deleted with the image unless
 * another image uses them, as with `/ami deregister`.
 */
export async function requestDeregistration(
  deps: Deps,
  input: ReminderDeregisterInput,
): Promise<{ request: AmiRequest; channel: string }> {
  const { account, region, imageId, userId } = input;
  const policy = account.policy;
  const groups = await deps.userGroups.members(referencedGroups(policy));
  const allowed = checkRequest({
    policy,
    accountAlias: account.alias,
    userId,
    kind: 'deregister',
    groups,
    publicShare: false,
  });
  if (!allowed.ok && !(input.asBot && allowed.code === 'not_a_requester')) {
    await deps.audit.record({
      actor: userId,
      action: 'request.refused',
      target: imageId,
      imageId,
      account: account.alias,
      region,
      result: 'refused',
      detail: `deregister (from reminder): ${allowed.code}`,
    });
    throw new AppError('forbidden', allowed.message);
  }
  const image = await deps.images.getImage(account, region, imageId);
  const accountId = await deps.aws.accountId(account, region);
  if (image.ownerId !== accountId) {
    throw new AppError(
      'bad_input',
      `\`${imageId}\` belongs to \`${image.ownerId}\`, not to account *${account.alias}*; amibot cannot deregister it.`,
    );
  }
  // Refused when in use or when that cannot be checked; a person decides from there (never `--force` here).
  if (input.asBot) await checkPolicyDeregistration(deps, account, region, imageId);
  else await checkDeregisterFiling(deps, account, region, imageId, false);
  const warnings = [
    `Requested from an expiry reminder (expiry ${formatDate(input.expiry)})${input.asBot ? ' by amibot, per the account’s `request-deregister` policy' : ''}.`,
  ];
  if (image.public) warnings.push('The image is public: anyone launching it by id will fail after this.');
  const snaps = image.blockDevices.filter((d) => d.snapshotId).length;
  if (snaps > 0) {
    warnings.push(
      `Its ${snaps} snapshot${snaps === 1 ? '' : 's'} will be deleted too (unless another image uses them).`,
    );
  }
  const request = buildRequest(deps, {
    userId,
    channelId: input.channelId,
    account,
    accountId,
    region,
    image,
    prepared: { params: { kind: 'deregister', keepSnapshots: false, force: false }, warnings },
    kind: 'deregister',
  });
  const channel = approvalChannel(deps, request);
  return { request: await lifecycle.file(deps, request, channel), channel };
}
