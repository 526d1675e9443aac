import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { GOLDEN_SOURCE_TAG } from '../domain/golden.js';
import type { KeyFacts, LaunchFacts, Read, SnapshotFacts } from '../domain/golden-why.js';
import { toAppError } from '../errors.js';

async function read<T>(f: () => Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (err) {
    return { ok: false, error: toAppError(err).userMessage };
  }
}

/**
 * Everything `/ami why` needs to know about an image and an account, each read on its own: a read
 * that fails is kept with its reason (the checklist shows ❔), it does not stop the others.
 */
export async function gatherLaunchFacts(
  deps: Deps,
  input: { account: AccountConfig; region: string; imageId: string; forAccount: string },
): Promise<LaunchFacts> {
  const { account, region, imageId, forAccount } = input;
  const ownerAccountId = await deps.aws.accountId(account, region);
  const image = await read(async () => {
    try {
      return await deps.images.getImage(account, region, imageId);
    } catch (err) {
      if (toAppError(err).code === 'not_found') return undefined;
      throw err;
    }
  });
  const facts: LaunchFacts = {
    account: account.alias,
    ownerAccountId,
    region,
    imageId,
    forAccount,
    now: deps.clock(),
    image,
  };
  if (!image.ok) return facts;
  const img = image.value;
  if (!img || img.state === 'deregistered') {
    facts.elsewhere = await findElsewhere(deps, account, region, imageId);
    return facts;
  }
  const owned = img.ownerId === ownerAccountId;
  if (owned) {
    facts.permissions = await read(() => deps.images.getLaunchPermissions(account, region, imageId));
    if (facts.permissions.ok && facts.permissions.value.public) {
      facts.blockPublicAccess = await read(() => deps.imageAccess.blockPublicAccessState(account, region));
    } else if (facts.permissions.ok && !facts.permissions.value.accounts.includes(forAccount)) {
      facts.blockPublicAccess = await read(() => deps.imageAccess.blockPublicAccessState(account, region));
    }
  }
  const snapshotIds = img.blockDevices.flatMap((d) => (d.snapshotId ? [d.snapshotId] : []));
  if (snapshotIds.length > 0) {
    facts.snapshots = await read(async () => {
      const infos = await deps.imageAccess.describeSnapshots(account, region, snapshotIds, imageId);
      const byId = new Map(infos.map((s) => [s.snapshotId, s]));
      const keys = new Map<string, KeyFacts>();
      const out: SnapshotFacts[] = [];
      for (const id of snapshotIds) {
        const info = byId.get(id);
        const device = img.blockDevices.find((d) => d.snapshotId === id);
        const encrypted = info?.encrypted ?? device?.encrypted ?? false;
        const keyId = info?.kmsKeyId ?? device?.kmsKeyId;
        const s: SnapshotFacts = { snapshotId: id, encrypted };
        if (encrypted && keyId) {
          let k = keys.get(keyId);
          if (!k) {
            k = await keyFacts(deps, account, region, keyId, ownerAccountId);
            keys.set(keyId, k);
          }
          s.key = k;
        }
        if (owned)
          s.createVolume = await read(() => deps.imageAccess.createVolumePermissions(account, region, id));
        out.push(s);
      }
      return out;
    });
  }
  return facts;
}

async function keyFacts(
  deps: Deps,
  account: AccountConfig,
  region: string,
  keyId: string,
  ownerAccountId: string,
): Promise<KeyFacts> {
  const key = await read(async () => {
    const k = await deps.kms.describeKey(account, region, keyId);
    const owner = /:(\d{12}):key\//.exec(k.arn)?.[1] ?? ownerAccountId;
    return {
      arn: k.arn,
      enabled: k.enabled,
      state: k.state,
      ownerAccountId: owner,
      ...(k.manager ? { manager: k.manager } : {}),
    };
  });
  const facts: KeyFacts = { keyId, key };
  if (key.ok && key.value.manager !== 'AWS' && key.value.ownerAccountId === ownerAccountId) {
    facts.policy = await read(() => deps.kmsAccess.getKeyPolicy(account, region, key.value.arn));
    facts.grants = await read(() => deps.kmsAccess.listGrants(account, region, key.value.arn));
  }
  return facts;
}

/** The image by id in the account's other regions, and its golden copies in this one. */
async function findElsewhere(
  deps: Deps,
  account: AccountConfig,
  region: string,
  imageId: string,
): Promise<Array<{ region: string; imageId: string; copy: boolean }>> {
  const regions = [
    ...new Set([
      ...account.regions,
      deps.config.defaultRegion,
      ...deps.config.golden.families.flatMap((f) => f.regions),
    ]),
  ];
  const out: Array<{ region: string; imageId: string; copy: boolean }> = [];
  for (const r of regions) {
    if (r === region) continue;
    const found = await deps.images.getImage(account, r, imageId).catch(() => undefined);
    if (found && found.state !== 'deregistered') out.push({ region: r, imageId, copy: false });
  }
  const copies = await deps.images
    .listAll(account, region, {
      owners: ['self'],
      filters: [{ name: `tag:${GOLDEN_SOURCE_TAG}`, values: [imageId] }],
      state: 'available',
      includeDeprecated: true,
    })
    .catch(() => []);
  for (const c of copies) out.push({ region, imageId: c.imageId, copy: true });
  return out;
}
