/**
 * The bot scopes amibot asks for in slack-app-manifest.yaml, kept here because the runtime image
 * has no manifest (a test checks that both lists are the same). `npm run doctor` compares them with
 * the scopes the bot token was granted.
 */
export interface BotScope {
  scope: string;
  /** What amibot does with it. */
  use: string;
  /** amibot works without it (with a documented workaround). */
  optional?: string;
}

export const BOT_SCOPES: readonly BotScope[] = [
  { scope: 'commands', use: 'the /ami slash command' },
  { scope: 'chat:write', use: 'posting and updating messages' },
  {
    scope: 'chat:write.public',
    use: 'posting to approval and reminder channels it was not invited to',
    optional: 'invite @amibot to the approval and reminder channels instead',
  },
  { scope: 'usergroups:read', use: 'reading the members of user groups named in policies' },
];

export interface ScopeComparison {
  /** Scopes amibot needs that the token lacks. */
  missing: BotScope[];
  /** Optional scopes the token lacks. */
  missingOptional: BotScope[];
  /** Scopes the token holds beyond the manifest's (harmless). */
  extra: string[];
}

/** Compares the granted scopes (the `x-oauth-scopes` header, split) with {@link BOT_SCOPES}. */
export function compareScopes(
  granted: readonly string[],
  wanted: readonly BotScope[] = BOT_SCOPES,
): ScopeComparison {
  const held = new Set(granted.map((s) => s.trim()).filter(Boolean));
  const lacking = wanted.filter((s) => !held.has(s.scope));
  const known = new Set(wanted.map((s) => s.scope));
  return {
    missing: lacking.filter((s) => !s.optional),
    missingOptional: lacking.filter((s) => s.optional),
    extra: [...held].filter((s) => !known.has(s)).sort(),
  };
}
