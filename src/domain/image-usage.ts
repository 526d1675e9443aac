import { count } from './words.js';
/**
 * What uses an image, in the bot's own terms, and the words for it. The in-use guard
 * (`requests/in-use-guard.ts`) reads the users with `aws/image-usage.ts`; this module only names
 * them. Pure. Text returned here is plain mrkdwn (backticks, asterisks) that the renderers escape;
 * names that came from AWS are bounded and cannot close a code span.
 */

/** One thing that would break (or launch from a missing image) if the image went away. */
export type ImageUser =
  | { kind: 'instance'; instanceId: string; state: string }
  | {
      kind: 'launch-template';
      launchTemplateId: string;
      name: string;
      version: number;
      /** Whether the version is the template's `$Default` / `$Latest` one. */
      isDefault: boolean;
      isLatest: boolean;
    }
  | {
      kind: 'auto-scaling-group';
      name: string;
      /** What the group launches from: its launch configuration, template, or a mixed-policy override. */
      via:
        | { kind: 'launch-configuration'; name: string }
        | {
            kind: 'launch-template';
            name: string;
            version: number;
            /** Named by an override of the group's mixed instances policy. */
            override: boolean;
          };
    }
  | { kind: 'launch-configuration'; name: string };

/** How much was looked at to decide, for the record (logs, the reliability page). */
export interface UsageCoverage {
  instances: number;
  launchTemplates: number;
  launchTemplateVersions: number;
  autoScalingGroups: number;
  launchConfigurations: number;
  /** AWS calls made. */
  calls: number;
}

/** What the guard found for one image. */
export type UsageVerdict =
  | { state: 'unused'; coverage: UsageCoverage }
  | { state: 'in-use'; users: ImageUser[]; coverage: UsageCoverage }
  | {
      state: 'unknown';
      /** What could not be checked and why, as a sentence fragment ("the launch templates: …"). */
      reason: string;
      /** Trying again later may succeed (throttling, an outage). */
      retry: boolean;
    };

function code(s: string, max = 80): string {
  const clean = s.replace(/`/g, 'ˋ').replace(/\s+/g, ' ');
  return `\`${clean.length > max ? `${clean.slice(0, max - 1)}…` : clean}\``;
}

function name(s: string, max = 80): string {
  const clean = s.replace(/[*`]/g, (c) => (c === '*' ? '∗' : 'ˋ')).replace(/\s+/g, ' ');
  return `*${clean.length > max ? `${clean.slice(0, max - 1)}…` : clean}*`;
}

function versionLabel(u: Extract<ImageUser, { kind: 'launch-template' }>): string {
  const marks = [u.isDefault ? 'default' : undefined, u.isLatest ? 'latest' : undefined].filter(Boolean);
  return `version ${u.version}${marks.length ? ` (${marks.join(', ')})` : ''}`;
}

/** One user in words, e.g. "launch template *web* version 1" or "instance `i-0abc…` (stopped)". */
export function describeUser(u: ImageUser): string {
  switch (u.kind) {
    case 'instance':
      return `instance ${code(u.instanceId, 40)} (${u.state.replace(/[^a-z-]/g, '')})`;
    case 'launch-template':
      return `launch template ${name(u.name)} ${versionLabel(u)}`;
    case 'launch-configuration':
      return `launch configuration ${name(u.name)}`;
    case 'auto-scaling-group': {
      const via =
        u.via.kind === 'launch-configuration'
          ? `through launch configuration ${name(u.via.name)}`
          : `through launch template ${name(u.via.name)} version ${u.via.version}${u.via.override ? ', a mixed instances policy override' : ''}`;
      return `Auto Scaling group ${name(u.name)} (${via})`;
    }
  }
}

const ORDER: Record<ImageUser['kind'], number> = {
  'auto-scaling-group': 0,
  'launch-template': 1,
  'launch-configuration': 2,
  instance: 3,
};

/** Users in a stable order: groups, templates, configurations, then instances. */
export function sortUsers(users: readonly ImageUser[]): ImageUser[] {
  return [...users].sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
}

/** `a, b, c and 4 more (2 instances, 1 launch template, …)`: at most `max` named. */
export function describeUsers(users: readonly ImageUser[], max = 10): string {
  const sorted = sortUsers(users);
  const named = sorted.slice(0, max).map(describeUser);
  const rest = sorted.length - named.length;
  if (rest <= 0) {
    return named.length <= 1
      ? (named[0] ?? 'nothing')
      : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
  }
  return `${named.join(', ')} and ${rest} more`;
}

/** `3 instances, 1 launch template version and 1 Auto Scaling group`. */
export function countUsers(users: readonly ImageUser[]): string {
  const n = (k: ImageUser['kind']) => users.filter((u) => u.kind === k).length;
  const parts = [
    n('instance') ? count(n('instance'), 'instance') : undefined,
    n('launch-template') ? count(n('launch-template'), 'launch template version') : undefined,
    n('auto-scaling-group') ? count(n('auto-scaling-group'), 'Auto Scaling group') : undefined,
    n('launch-configuration') ? count(n('launch-configuration'), 'launch configuration') : undefined,
  ].filter((s): s is string => s !== undefined);
  return parts.length <= 1 ? (parts[0] ?? 'nothing') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

// ---------------------------------------------------------------------------------------------
// The guard's answers, per path. Each is a whole sentence a person can act on.

/** `/ami deregister` without `--force`: why the request is not filed. */
export function deregisterRefusal(imageId: string, verdict: UsageVerdict): string | undefined {
  const img = code(imageId, 64);
  if (verdict.state === 'in-use') {
    return `${img} is still in use by ${describeUsers(verdict.users)}. Deregistering it would break them; move them to another image first, or add \`--force\` if you are sure.`;
  }
  if (verdict.state === 'unknown') {
    return `amibot could not check whether ${img} is still in use, so nothing was filed: ${verdict.reason}. ${verdict.retry ? 'Try again in a minute. ' : ''}If you are sure nothing uses it, \`/ami deregister ${imageId} --force\` files the request anyway.`;
  }
  return undefined;
}

/** `/ami deregister --force`: what the approvers should know. */
export function deregisterForcedWarning(verdict: UsageVerdict): string | undefined {
  if (verdict.state === 'in-use') {
    return `Still in use by ${describeUsers(verdict.users)} (requested with \`--force\`): they will fail to launch from it.`;
  }
  if (verdict.state === 'unknown') {
    return `amibot could not check whether the image is still in use (${verdict.reason}); requested with \`--force\`.`;
  }
  return undefined;
}

/** A deregistration about to run (not forced): why it does not. */
export function deregisterExecutionRefusal(imageId: string, verdict: UsageVerdict): string | undefined {
  const img = code(imageId, 64);
  if (verdict.state === 'in-use') {
    return `Not deregistered: ${img} is in use by ${describeUsers(verdict.users)}. Move them to another image, or file \`/ami deregister ${imageId} --force\` if you are sure.`;
  }
  if (verdict.state === 'unknown') {
    return `Not deregistered: amibot could not check whether ${img} is still in use: ${verdict.reason}. File it again later, or with \`/ami deregister ${imageId} --force\` if you are sure nothing uses it.`;
  }
  return undefined;
}

/** `/ami encrypt --replace`: why it is not filed (the original would be deregistered under its users). */
export function replaceRefusal(imageId: string, verdict: UsageVerdict): string | undefined {
  const img = code(imageId, 64);
  if (verdict.state === 'in-use') {
    return `${img} is in use by ${describeUsers(verdict.users)}: \`--replace\` would deregister it under them. Encrypt it without \`--replace\`, move them to the encrypted copy, then deregister the original.`;
  }
  if (verdict.state === 'unknown') {
    return `amibot could not check whether ${img} is still in use, so nothing was filed: ${verdict.reason}. ${verdict.retry ? 'Try again in a minute, or' : 'You can'} encrypt it without \`--replace\` and deregister the original once nothing uses it.`;
  }
  return undefined;
}

/** `encrypt --replace` once the copy is ready: why the original was kept. */
export function replaceKeptNote(imageId: string, verdict: UsageVerdict): string | undefined {
  const img = code(imageId, 64);
  if (verdict.state === 'in-use') {
    return `The original ${img} was kept: it is in use by ${describeUsers(verdict.users, 5)}. Move them to the encrypted copy, then \`/ami deregister ${imageId}\`.`;
  }
  if (verdict.state === 'unknown') {
    return `The original ${img} was kept: amibot could not check whether it is still in use (${verdict.reason}). Deregister it with \`/ami deregister ${imageId}\` once nothing uses it.`;
  }
  return undefined;
}

/**
 * The expiry sweep's `request-deregister` policy: why it filed nothing. Shown after "amibot did not
 * request its deregistration:"; only a person can go past it.
 */
export function policyRefusal(imageId: string, verdict: UsageVerdict): string | undefined {
  const img = code(imageId, 64);
  if (verdict.state === 'in-use') {
    return `${img} is still in use by ${describeUsers(verdict.users, 5)}. Move them to another image; a person who is sure can use \`/ami deregister ${imageId} --force\`.`;
  }
  if (verdict.state === 'unknown') {
    return `amibot could not check whether ${img} is still in use (${verdict.reason}). A person can file \`/ami deregister ${imageId}\` later (with \`--force\` only if they are sure nothing uses it).`;
  }
  return undefined;
}
