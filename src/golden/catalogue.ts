import type { Deps } from '../deps.js';
import {
  GOLDEN_SOURCE_TAG,
  type GoldenFamily,
  parameterName,
  previousParameterName,
} from '../domain/golden.js';
import type { AmiImage, LaunchPermissions } from '../domain/image.js';
import { type Deadline, SCAN_DATE_TAG, SCAN_VERDICT_TAG } from '../domain/scan.js';
import { toAppError } from '../errors.js';
import { familyAccount } from './families.js';

export interface CatalogueRegion {
  region: string;
  parameter: string;
  value?: string;
  previous?: string;
  image?: Pick<AmiImage, 'imageId' | 'name' | 'state' | 'creationDate' | 'deprecationTime'>;
  scan?: { verdict?: string; date?: string; deadlines: Deadline[] };
  shares?: LaunchPermissions;
  /** What could not be read, in words. */
  problems: string[];
}

export interface CatalogueFamily {
  family: GoldenFamily;
  account: string;
  regions: CatalogueRegion[];
}

/** The catalogue of `/ami golden`: per family and region, the parameter, its image and what is known of it. */
export async function readCatalogue(
  deps: Deps,
  families: readonly GoldenFamily[],
): Promise<CatalogueFamily[]> {
  const out: CatalogueFamily[] = [];
  for (const family of families) {
    const account = familyAccount(deps.config, family);
    const regions: CatalogueRegion[] = [];
    for (const region of family.regions) {
      const parameter = parameterName(family, region);
      const entry: CatalogueRegion = { region, parameter, problems: [] };
      regions.push(entry);
      try {
        const values = await deps.ssm.getMany(account, region, [parameter, previousParameterName(parameter)]);
        entry.value = values.get(parameter);
        entry.previous = values.get(previousParameterName(parameter));
      } catch (err) {
        entry.problems.push(`parameter: ${toAppError(err).userMessage}`);
        continue;
      }
      if (!entry.value) continue;
      let image: AmiImage | undefined;
      try {
        image = await deps.images.getImage(account, region, entry.value);
        entry.image = {
          imageId: image.imageId,
          name: image.name,
          state: image.state,
          ...(image.creationDate ? { creationDate: image.creationDate } : {}),
          ...(image.deprecationTime ? { deprecationTime: image.deprecationTime } : {}),
        };
      } catch (err) {
        entry.problems.push(`image: ${toAppError(err).userMessage}`);
        continue;
      }
      const source = image.tags[GOLDEN_SOURCE_TAG];
      const sourceRegion = image.tags['amibot:source-region'];
      const scan =
        source && sourceRegion ? await deps.scans.latestFor(account.alias, sourceRegion, source) : undefined;
      entry.scan = {
        ...(image.tags[SCAN_VERDICT_TAG] || scan?.report
          ? { verdict: image.tags[SCAN_VERDICT_TAG] ?? scan?.report?.verdict }
          : {}),
        ...(image.tags[SCAN_DATE_TAG] || scan?.report
          ? { date: image.tags[SCAN_DATE_TAG] ?? scan?.report?.finishedAt }
          : {}),
        deadlines: scan?.report?.deadlines ?? [],
      };
      try {
        entry.shares = await deps.images.getLaunchPermissions(account, region, entry.value);
      } catch (err) {
        entry.problems.push(`sharing: ${toAppError(err).userMessage}`);
      }
    }
    out.push({ family, account: account.alias, regions });
  }
  return out;
}
