import { toAmiImage } from '../aws/ec2.js';
import { type HomeExpiringImage, type HomeInput, type HomeView, renderHome } from '../blocks/home.js';
import { resolveAccount } from '../config.js';
import type { Deps } from '../deps.js';
import { readExpiry } from '../domain/expiry.js';
import { checkDecision, type GroupMembers, referencedGroups } from '../domain/policy.js';
import { DAY_MS, imageOwner } from '../domain/reminders.js';
import { type AmiRequest, isFinal } from '../domain/request.js';
import { accountRegions } from '../domain/targets.js';
import { toAppError } from '../errors.js';
import { HomeUsers } from '../store/home-users.js';

/**
 * The App Home tab: what it shows one person (gathered here, rendered by blocks/home.ts) and its
 * publication. Called when someone opens Home, after a decision made from Home, and by the
 * debounced `home-refresh` job (requests/home-refresh.ts schedules it when a request changes).
 */

/** Requests read from the store for Home (the newest; open requests are well within it). */
const RECENT = 200;
/** Images expiring within this many days are listed. */
export const HOME_EXPIRING_DAYS = 14;
/** The estate's expiring images are read from AWS at most this often (a Home refresh reads the cache). */
const EXPIRING_CACHE_SECONDS = 600;
/** At most this many expiring images are kept in the cache (the soonest). */
const EXPIRING_KEEP = 500;

export function homeUsers(deps: Pick<Deps, 'redis' | 'config'>): HomeUsers {
  return new HomeUsers(deps.redis, deps.config.redis.keyPrefix);
}

interface ExpiringEstate {
  images: HomeExpiringImage[];
  /** Team tags of the images each Slack user owns: a person's teams, as far as amibot knows. */
  teamsByUser: Record<string, string[]>;
  errors: string[];
}

/** Every group any account's policy names, with members (cached by UserGroups). */
async function allGroups(deps: Deps): Promise<GroupMembers> {
  const ids = new Set<string>();
  for (const a of deps.config.accounts) for (const g of referencedGroups(a.policy)) ids.add(g);
  return deps.userGroups.members([...ids]);
}

/** May `userId` approve `request` now, by the account's policy (the same check a click makes). */
export function mayApprove(
  deps: Pick<Deps, 'config'>,
  request: AmiRequest,
  userId: string,
  groups: GroupMembers,
  now: Date,
): boolean {
  const account = deps.config.accounts.find((a) => a.alias === request.account);
  if (!account || request.state !== 'pending') return false;
  return checkDecision({ policy: account.policy, request, userId, groups, decision: 'approve', now }).ok;
}

/**
 * The estate's images expiring soon, from the cache or read once from AWS (every account × region).
 * With `cachedOnly` (the web process, answering an open or a click) a cold cache is not filled
 * here: undefined, and the caller leaves the reading to a worker.
 */
async function expiringEstate(deps: Deps, cachedOnly: boolean): Promise<ExpiringEstate | undefined> {
  const cached = await deps.cache.get<ExpiringEstate>('home-expiring', 'estate');
  if (cached || cachedOnly) return cached;
  const now = deps.clock().getTime();
  const horizon = now + HOME_EXPIRING_DAYS * DAY_MS;
  const settings = deps.config.expiry;
  const images: HomeExpiringImage[] = [];
  const teams = new Map<string, Set<string>>();
  const errors: string[] = [];
  const targets = accountRegions(deps.config).filter(
    (t) => t.account.regions.length === 0 || t.account.regions.includes(t.region),
  );
  for (const { account, region } of targets) {
    try {
      await deps.images.eachPage(account, region, { owners: ['self'], includeDeprecated: true }, (page) => {
        for (const raw of page) {
          const image = toAmiImage(raw, region);
          const owner = imageOwner(image.tags, settings);
          if (owner.userId && owner.team) {
            const set = teams.get(owner.userId) ?? new Set<string>();
            set.add(owner.team);
            teams.set(owner.userId, set);
          }
          const expiry = readExpiry(image, { tagKey: deps.config.expiryTagKey });
          if (!expiry || 'invalid' in expiry) continue;
          const at = Date.parse(expiry.at);
          if (at < now || at > horizon) continue;
          images.push({
            account: account.alias,
            region,
            imageId: image.imageId,
            name: image.name,
            expiryAt: expiry.at,
            ...(owner.team ? { team: owner.team } : {}),
            ...(owner.userId ? { ownerUserId: owner.userId } : {}),
          });
        }
        return true;
      });
    } catch (err) {
      errors.push(`${account.alias}/${region}: ${toAppError(err).userMessage}`);
    }
  }
  images.sort((a, b) => Date.parse(a.expiryAt) - Date.parse(b.expiryAt));
  const estate: ExpiringEstate = {
    images: images.slice(0, EXPIRING_KEEP),
    teamsByUser: Object.fromEntries([...teams].map(([u, s]) => [u, [...s].sort()])),
    errors,
  };
  await deps.cache.set('home-expiring', 'estate', estate, EXPIRING_CACHE_SECONDS);
  return estate;
}

export interface GatherOptions {
  /**
   * Read the estate from AWS when it is not cached (the default, in the `home-refresh` job). The
   * web process passes false: it publishes at once with a note, and a worker reads the estate.
   */
  readEstate?: boolean;
}

/** Everything one person's Home shows; `estatePending` when the expiring images are still to be read. */
export async function gatherHome(
  deps: Deps,
  userId: string,
  opts: GatherOptions = {},
): Promise<HomeInput & { estatePending: boolean }> {
  const now = deps.clock();
  const [recent, groups] = await Promise.all([deps.requests.recent(RECENT), allGroups(deps)]);
  const open = recent.filter((r) => !isFinal(r.state));
  const awaiting = open.filter((r) => mayApprove(deps, r, userId, groups, now));
  const mine = open.filter((r) => r.state === 'pending' && r.requester === userId);
  const running = open.filter(
    (r) => r.state !== 'pending' && (r.requester === userId || r.approvals.some((a) => a.userId === userId)),
  );

  let expiring: HomeExpiringImage[] = [];
  let expiringNote: string | undefined;
  let estatePending = false;
  try {
    const estate = await expiringEstate(deps, opts.readEstate === false);
    if (!estate) {
      estatePending = true;
      expiringNote = 'Reading the images of your teams from AWS; this tab updates in a moment.';
    } else {
      const teams = new Set(
        (Object.hasOwn(estate.teamsByUser, userId) ? estate.teamsByUser[userId] : undefined) ?? [],
      );
      expiring = estate.images.filter(
        (e) => e.ownerUserId === userId || (e.team !== undefined && teams.has(e.team)),
      );
      if (estate.errors.length > 0) expiringNote = `Could not read ${estate.errors.join('; ')}`;
    }
  } catch (err) {
    expiringNote = `Could not read the images: ${toAppError(err).userMessage}`;
  }

  const golden = deps.config.golden.families.map((f) => ({
    name: f.name,
    description: f.description,
    account: resolveAccount(deps.config, f.account)?.alias ?? f.account ?? '',
    regions: f.regions,
  }));
  return {
    userId,
    now,
    awaiting,
    mine,
    running,
    expiring,
    expiringDays: HOME_EXPIRING_DAYS,
    ...(expiringNote ? { expiringNote } : {}),
    golden,
    estatePending,
  };
}

/**
 * Renders and publishes `userId`'s Home as it is now; `estatePending` when it went out without the
 * expiring images (see {@link GatherOptions}).
 */
export async function publishHome(
  deps: Deps,
  userId: string,
  opts: GatherOptions = {},
): Promise<{ view: HomeView; estatePending: boolean }> {
  const { estatePending, ...input } = await gatherHome(deps, userId, opts);
  const view = renderHome(input);
  await deps.notifier.publishHome(userId, view);
  return { view, estatePending };
}
