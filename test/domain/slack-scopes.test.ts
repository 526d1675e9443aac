import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MANIFEST_BOT_SCOPES } from '../../dev/fake-slack/fake-slack.js';
import { BOT_SCOPES, compareScopes } from '../../src/domain/slack-scopes.js';

function manifestBotScopes(): string[] {
  const manifest = parse(readFileSync('slack-app-manifest.yaml', 'utf8')) as {
    oauth_config: { scopes: { bot: string[] } };
  };
  return manifest.oauth_config.scopes.bot;
}

describe('the bot scopes kept in src/ (the image has no manifest)', () => {
  it('are exactly the bot scopes of slack-app-manifest.yaml', () => {
    expect(BOT_SCOPES.map((s) => s.scope).sort()).toEqual([...manifestBotScopes()].sort());
  });

  it('are what the fake Slack grants by default', () => {
    expect([...MANIFEST_BOT_SCOPES].sort()).toEqual([...manifestBotScopes()].sort());
  });
});

describe('compareScopes', () => {
  it('finds nothing missing when every scope is granted, and lists extra ones', () => {
    const cmp = compareScopes([
      'usergroups:read',
      'chat:write.public',
      ' chat:write',
      'commands',
      'users:read',
    ]);
    expect(cmp).toEqual({ missing: [], missingOptional: [], extra: ['users:read'] });
  });

  it('tells a missing required scope from a missing optional one', () => {
    const cmp = compareScopes(['commands']);
    expect(cmp.missing.map((s) => s.scope)).toEqual(['chat:write', 'usergroups:read']);
    expect(cmp.missingOptional.map((s) => s.scope)).toEqual(['chat:write.public']);
  });

  it('does not take a longer scope for a shorter one', () => {
    expect(
      compareScopes(['commands', 'chat:write.public', 'usergroups:read']).missing.map((s) => s.scope),
    ).toEqual(['chat:write']);
  });
});
