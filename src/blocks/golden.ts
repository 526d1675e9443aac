/** `/ami golden`: the catalogue of golden-image families, one block group per family. Pure. */
import type { KnownBlock } from '@slack/types';
import { formatDate } from '../domain/age.js';
import { describeTargets, relativeTime } from '../domain/describe-request.js';
import type { GoldenFamily } from '../domain/golden.js';
import type { Deadline } from '../domain/scan.js';
import {
  bold,
  code,
  context,
  divider,
  esc,
  header,
  message,
  packLines,
  type SlackMessage,
  section,
} from './message.js';

export interface CatalogueView {
  family: GoldenFamily;
  account: string;
  regions: Array<{
    region: string;
    parameter: string;
    value?: string;
    previous?: string;
    image?: { imageId: string; name: string; state: string; creationDate?: string; deprecationTime?: string };
    scan?: { verdict?: string; date?: string; deadlines: Deadline[] };
    shares?: { public: boolean; accounts: string[]; organizations: string[]; organizationalUnits: string[] };
    problems: string[];
  }>;
}

const VERDICT: Record<string, string> = {
  pass: '✅ pass',
  'pass-with-deadlines': '🟡 pass with deadlines',
  fail: '❌ fail',
  incomplete: '❔ incomplete',
};

function regionLine(r: CatalogueView['regions'][number], now: Date): string {
  const head = `${code(r.region, 40)} · ${code(r.parameter, 200)}`;
  if (!r.value) {
    return `${head}: ${r.problems.length ? `❔ ${esc(r.problems.join('; '), 400)}` : '_not promoted yet_'}`;
  }
  const img = r.image;
  const parts = [`${head} = ${code(r.value, 64)}`];
  if (img) {
    parts.push(
      `${bold(img.name || img.imageId, 100)}${img.creationDate ? `, ${relativeTime(img.creationDate, now)}` : ''}${img.state !== 'available' ? ` ⚠️ ${esc(img.state, 20)}` : ''}`,
    );
    if (img.deprecationTime) parts.push(`deprecates ${esc(formatDate(img.deprecationTime), 20)}`);
  }
  if (r.scan?.verdict) {
    parts.push(
      `scan ${VERDICT[r.scan.verdict] ?? esc(r.scan.verdict, 30)}${r.scan.date ? ` (${esc(r.scan.date.slice(0, 10), 12)})` : ''}`,
    );
  } else if (img) {
    parts.push('scan ❔ none on record');
  }
  for (const d of r.scan?.deadlines ?? [])
    parts.push(`fix ${d.count} ${esc(d.severity, 10)} by ${esc(d.due, 12)}`);
  if (r.shares) {
    const targets = [
      ...r.shares.accounts.map((accountId) => ({ kind: 'account' as const, accountId })),
      ...r.shares.organizations.map((arn) => ({ kind: 'organization' as const, arn })),
      ...r.shares.organizationalUnits.map((arn) => ({ kind: 'ou' as const, arn })),
      ...(r.shares.public ? [{ kind: 'public' as const }] : []),
    ];
    parts.push(`shared with ${describeTargets(targets)}`);
  }
  parts.push(r.previous ? `previous ${code(r.previous, 64)}` : 'no previous image');
  if (r.problems.length) parts.push(`❔ ${esc(r.problems.join('; '), 400)}`);
  return `• ${parts.join(' · ')}`;
}

export function renderCatalogue(input: { families: CatalogueView[]; now: Date }): SlackMessage {
  if (input.families.length === 0) {
    return message('No golden-image families', [
      section(
        'No golden-image families are configured. An amibot admin adds them under `golden.families` in the configuration (see docs/golden.md).',
      ),
    ]);
  }
  const blocks: KnownBlock[] = [header('Golden images')];
  for (const f of input.families.slice(0, 10)) {
    blocks.push(
      section(
        `${bold(f.family.name, 60)} · account ${bold(f.account, 64)}${f.family.description ? `\n${esc(f.family.description, 300)}` : ''}`,
      ),
    );
    const lines = f.regions.map((r) => regionLine(r, input.now));
    for (const t of packLines(lines, { maxSections: 3, more: (n) => `_+${n} more regions_` }).texts)
      blocks.push(section(t));
    blocks.push(divider());
  }
  if (input.families.length > 10)
    blocks.push(context([`_+${input.families.length - 10} more families: ask for one by name_`]));
  return message(`Golden images: ${input.families.map((f) => esc(f.family.name, 60)).join(', ')}`, blocks);
}
