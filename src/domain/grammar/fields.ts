/**
 * Zod building blocks the subcommand schemas are made of: a flag value run through a validator,
 * positional arguments (none, one, at most one), and the flags several subcommands share.
 */
import { z } from 'zod';
import { parseDate, parseDuration, type When } from '../duration.js';
import type { ShareTarget, Subcommand } from './types.js';
import {
  type Checked,
  checkAccount,
  checkImageId,
  checkLimit,
  checkRegion,
  checkShareTarget,
  code,
  IMAGE_EXAMPLE,
} from './validators.js';

/** A flag value (a string) run through a validator; the validator's sentence is the error. */
export function field<T>(check: (s: string) => Checked<T>, missing = 'A value is missing.') {
  return z.string({ error: missing }).transform((s, ctx): T => {
    const r = check(s);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    return r.value;
  });
}

// ---------------------------------------------------------------------------------------------
// Positional arguments

export function noArgs(cmd: Subcommand) {
  return z
    .array(z.string())
    .default([])
    .transform((args, ctx) => {
      if (args.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `\`${cmd}\` takes no words, but got ${code(args.join(' '))}.`,
        });
        return z.NEVER;
      }
      return undefined;
    });
}

export function oneArg<T>(cmd: Subcommand, what: string, missing: string, check: (s: string) => Checked<T>) {
  return z
    .array(z.string())
    .default([])
    .transform((args, ctx): T => {
      const first = args[0];
      if (first === undefined) {
        ctx.addIssue({ code: 'custom', message: missing });
        return z.NEVER;
      }
      const r = check(first);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
      if (args.length > 1) {
        ctx.addIssue({
          code: 'custom',
          message: `\`${cmd}\` takes one ${what}; I don't know what to do with ${code(args.slice(1).join(' '))}.`,
        });
      }
      return r.ok && args.length === 1 ? r.value : z.NEVER;
    });
}

export function imageArg(cmd: Subcommand) {
  return oneArg(cmd, 'image id', `\`${cmd}\` needs an image id like ${IMAGE_EXAMPLE}.`, checkImageId(cmd));
}

export function optionalArg<T>(cmd: Subcommand, what: string, check: (s: string) => Checked<T>) {
  return z
    .array(z.string())
    .default([])
    .transform((args, ctx): T | undefined => {
      const first = args[0];
      if (first === undefined) return undefined;
      const r = check(first);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
      if (args.length > 1) {
        ctx.addIssue({
          code: 'custom',
          message: `\`${cmd}\` takes at most one ${what}; I don't know what to do with ${code(args.slice(1).join(' '))}.`,
        });
      }
      return r.ok && args.length === 1 ? r.value : z.NEVER;
    });
}

// ---------------------------------------------------------------------------------------------
// Shared flag fields

export const region = field(checkRegion('`--region`')).optional();
export const account = field(checkAccount('`--account`')).optional();
/** A boolean flag: true when given, false otherwise. */
export const flag = z.boolean().default(false);

export function limit(min: number, max: number, dflt: number) {
  return field(checkLimit(min, max)).optional().default(dflt);
}

export function targetsList(label: string, missing: string | undefined) {
  return z
    .array(z.string(), { error: missing ?? 'A list is missing.' })
    .transform((items, ctx): ShareTarget[] => {
      if (items.length === 0) {
        ctx.addIssue({ code: 'custom', message: `${label} needs at least one target.` });
        return z.NEVER;
      }
      const out = new Map<string, ShareTarget>();
      for (const item of items) {
        const r = checkShareTarget(item);
        if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
        else out.set(JSON.stringify(r.value), r.value);
      }
      return [...out.values()];
    });
}

export function whenField(cmd: 'deprecate' | 'expire') {
  return z.object({ at: z.string().optional(), in: z.string().optional() }).transform((w, ctx): When => {
    if (w.at !== undefined && w.in !== undefined) {
      ctx.addIssue({ code: 'custom', message: `Give \`${cmd}\` either \`--at\` or \`--in\`, not both.` });
      return z.NEVER;
    }
    if (w.at !== undefined) {
      const r = parseDate(w.at, '`--at`');
      if (r.ok) return { kind: 'at', iso: r.iso };
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    if (w.in !== undefined) {
      const r = parseDuration(w.in, '`--in`');
      if (r.ok) return { kind: 'in', ms: r.ms };
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    ctx.addIssue({
      code: 'custom',
      message: `\`${cmd}\` needs a time: \`--at 2025-06-30\` (a date) or \`--in 30d\` (from now).`,
    });
    return z.NEVER;
  });
}

/** Drops keys whose value is `undefined`, so commands carry only what was given. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
