import { describe, expect, it } from 'vitest';
import {
  CANONICAL_OWNER_ID,
  DEBIAN_OWNER_ID,
  type FindPlan,
  interpretFindQuery,
  ownerToEc2,
  REDHAT_OWNER_ID,
} from '../../src/domain/find-query.js';
import { type FindCommand, parseCommand } from '../../src/domain/grammar/index.js';

const TRUSTED = ['self', '111122223333'];

function plan(text: string, trusted = TRUSTED): FindPlan {
  const r = parseCommand(`find ${text}`);
  if (!r.ok || r.command.name !== 'find') throw new Error(`bad find: ${text}`);
  return interpretFindQuery(r.command, trusted);
}

/** Simulates EC2's `name` filter: `*` any run, `?` one character, case-sensitive. */
function matches(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(name);
}
function anyMatch(p: FindPlan, name: string): boolean {
  return p.namePatterns.some((pattern) => matches(pattern, name));
}

describe('ubuntu', () => {
  it.each<[string, Partial<FindPlan>]>([
    [
      'ubuntu 24.04 arm64',
      {
        family: 'ubuntu',
        description: 'Ubuntu 24.04 (noble) · arm64 · Canonical',
        owners: [CANONICAL_OWNER_ID],
        namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-arm64-server-*'],
        arch: 'arm64',
        freeText: [],
      },
    ],
    [
      'noble',
      {
        namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-*-server-*'],
        description: 'Ubuntu 24.04 (noble) · Canonical',
      },
    ],
    [
      'ubuntu 22.04 amd64',
      { namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*'], arch: 'x86_64' },
    ],
    ['ubuntu jammy x86', { namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*'] }],
    ['ubuntu 20.04', { namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-focal-20.04-*-server-*'] }],
    [
      'focal graviton',
      { namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-focal-20.04-arm64-server-*'], arch: 'arm64' },
    ],
    ['ubuntu 24.10', { namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-oracular-24.10-*-server-*'] }],
    ['plucky', { namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-plucky-25.04-*-server-*'] }],
    ['ubuntu 24', { namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-*-server-*'] }],
    ['ubuntu 24.04.1', { namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-*-server-*'] }],
    ['ubuntu 23.04', { namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-*-23.04-*-server-*'] }],
    ['ubuntu24.04', { namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-*-server-*'] }],
    ['24.04', { family: 'ubuntu' }],
    ['latest ubuntu lts image', { namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-*-server-*'], freeText: [] }],
    [
      'ubuntu 24.04 minimal arm64',
      {
        namePatterns: ['ubuntu*/images/hvm-ssd*/ubuntu-noble-24.04-arm64-*'],
        freeText: ['minimal'],
        description: 'Ubuntu 24.04 (noble) minimal · arm64 · Canonical',
      },
    ],
    ['ubuntu 22.04 eks', { freeText: ['eks'] }],
    ['ubuntu 24.04 pro', { freeText: ['pro'] }],
    ['ubuntu --owner canonical', { family: 'ubuntu', owners: [CANONICAL_OWNER_ID] }],
    ['--owner canonical', { family: 'ubuntu', owners: [CANONICAL_OWNER_ID] }],
  ])('%j', (text, expected) => {
    expect(plan(text)).toMatchObject(expected);
  });

  it('patterns match real Canonical names and not neighbouring ones', () => {
    const p = plan('ubuntu 24.04');
    expect(anyMatch(p, 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250115')).toBe(true);
    expect(anyMatch(p, 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20250115')).toBe(true);
    expect(anyMatch(p, 'ubuntu/images-testing/hvm-ssd-gp3/ubuntu-noble-daily-amd64-server-20250115')).toBe(
      false,
    );
    expect(anyMatch(p, 'ubuntu-minimal/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-minimal-20250115')).toBe(
      false,
    );
    expect(anyMatch(p, 'ubuntu/images/hvm-ssd-gp3/ubuntu-jammy-22.04-amd64-server-20250115')).toBe(false);
    const jammy = plan('ubuntu 22.04 amd64');
    expect(anyMatch(jammy, 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240207.1')).toBe(true);
    expect(anyMatch(jammy, 'ubuntu/images/hvm-ssd-gp3/ubuntu-jammy-22.04-amd64-server-20250115')).toBe(true);
    expect(anyMatch(jammy, 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20240207.1')).toBe(false);
    const minimal = plan('ubuntu 24.04 minimal');
    expect(
      anyMatch(minimal, 'ubuntu-minimal/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-minimal-20250115'),
    ).toBe(true);
    const eks = plan('ubuntu 22.04 eks');
    expect(anyMatch(eks, 'ubuntu-eks/k8s_1.31/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20250115')).toBe(
      true,
    );
  });
});

describe('debian', () => {
  it.each<[string, Partial<FindPlan>]>([
    [
      'debian 12',
      {
        family: 'debian',
        owners: [DEBIAN_OWNER_ID],
        namePatterns: ['debian-12-amd64-*', 'debian-12-arm64-*'],
        description: 'Debian 12 (bookworm)',
      },
    ],
    [
      'bookworm arm64',
      { namePatterns: ['debian-12-arm64-*'], arch: 'arm64', description: 'Debian 12 (bookworm) · arm64' },
    ],
    ['debian 11 --arch x86_64', { namePatterns: ['debian-11-amd64-*'] }],
    ['bullseye', { namePatterns: ['debian-11-amd64-*', 'debian-11-arm64-*'] }],
    ['debian trixie aarch64', { namePatterns: ['debian-13-arm64-*'] }],
    ['debian13', { namePatterns: ['debian-13-amd64-*', 'debian-13-arm64-*'] }],
    [
      'debian',
      {
        namePatterns: [
          'debian-11-amd64-*',
          'debian-11-arm64-*',
          'debian-12-amd64-*',
          'debian-12-arm64-*',
          'debian-13-amd64-*',
          'debian-13-arm64-*',
        ],
      },
    ],
    ['debian 12 backports amd64', { namePatterns: ['debian-12-*amd64-*'], freeText: ['backports'] }],
    ['--owner debian', { family: 'debian' }],
  ])('%j', (text, expected) => {
    expect(plan(text)).toMatchObject(expected);
  });

  it('matches real Debian names', () => {
    const p = plan('debian 12 amd64');
    expect(anyMatch(p, 'debian-12-amd64-20250112-1993')).toBe(true);
    expect(anyMatch(p, 'debian-12-arm64-20250112-1993')).toBe(false);
    expect(anyMatch(p, 'debian-12-backports-amd64-20250112-1993')).toBe(false);
    expect(anyMatch(plan('debian 12 backports amd64'), 'debian-12-backports-amd64-20250112-1993')).toBe(true);
  });
});

describe('amazon linux', () => {
  it.each<[string, Partial<FindPlan>]>([
    [
      'al2023',
      {
        family: 'amazon-linux-2023',
        owners: ['amazon'],
        namePatterns: ['al2023-ami-2023.*'],
        description: 'Amazon Linux 2023',
      },
    ],
    [
      'amazon linux 2023 arm64',
      { family: 'amazon-linux-2023', namePatterns: ['al2023-ami-2023.*-arm64'], arch: 'arm64' },
    ],
    ['amazon linux', { family: 'amazon-linux-2023' }],
    ['amazon-linux-2023', { family: 'amazon-linux-2023' }],
    [
      'al2023 minimal x86_64',
      {
        namePatterns: ['al2023-ami-minimal-2023.*-x86_64'],
        description: 'Amazon Linux 2023 minimal · x86_64',
      },
    ],
    ['al2023 ecs', { namePatterns: ['al2023-ami-*'], freeText: ['ecs'] }],
    [
      'amazon linux 2',
      { family: 'amazon-linux-2', owners: ['amazon'], namePatterns: ['amzn2-ami-*hvm-2.0.*-gp2'] },
    ],
    ['al2 --arch arm64', { family: 'amazon-linux-2', namePatterns: ['amzn2-ami-*hvm-2.0.*-arm64-gp2'] }],
    ['amzn2 x86_64', { family: 'amazon-linux-2', namePatterns: ['amzn2-ami-*hvm-2.0.*-x86_64-gp2'] }],
  ])('%j', (text, expected) => {
    expect(plan(text)).toMatchObject(expected);
  });

  it('matches real Amazon Linux names', () => {
    expect(anyMatch(plan('al2023 x86_64'), 'al2023-ami-2023.6.20250115.0-kernel-6.1-x86_64')).toBe(true);
    expect(anyMatch(plan('al2023 x86_64'), 'al2023-ami-minimal-2023.6.20250115.0-kernel-6.1-x86_64')).toBe(
      false,
    );
    expect(
      anyMatch(plan('al2023 minimal x86_64'), 'al2023-ami-minimal-2023.6.20250115.0-kernel-6.1-x86_64'),
    ).toBe(true);
    const al2 = plan('amazon linux 2 x86_64');
    expect(anyMatch(al2, 'amzn2-ami-hvm-2.0.20250108.0-x86_64-gp2')).toBe(true);
    expect(anyMatch(al2, 'amzn2-ami-kernel-5.10-hvm-2.0.20250108.0-x86_64-gp2')).toBe(true);
    expect(anyMatch(al2, 'amzn2-ami-kernel-5.10-hvm-2.0.20250108.0-arm64-gp2')).toBe(false);
  });
});

describe('rhel', () => {
  it.each<[string, Partial<FindPlan>]>([
    [
      'rhel 9',
      {
        family: 'rhel',
        owners: [REDHAT_OWNER_ID],
        namePatterns: ['RHEL-9.*_HVM-*-Hourly2-*'],
        description: 'Red Hat Enterprise Linux 9',
      },
    ],
    ['red hat 8 arm64', { namePatterns: ['RHEL-8.*_HVM-*-arm64-*-Hourly2-*'] }],
    ['redhat 9.5 x86_64', { namePatterns: ['RHEL-9.5.*_HVM-*-x86_64-*-Hourly2-*'] }],
    ['rhel9', { namePatterns: ['RHEL-9.*_HVM-*-Hourly2-*'] }],
    ['--owner redhat', { family: 'rhel' }],
  ])('%j', (text, expected) => {
    expect(plan(text)).toMatchObject(expected);
  });

  it('matches real RHEL names', () => {
    const p = plan('rhel 9 x86_64');
    expect(anyMatch(p, 'RHEL-9.5.0_HVM-20241211-x86_64-0-Hourly2-GP3')).toBe(true);
    expect(anyMatch(p, 'RHEL-9.5.0_HVM-20241211-arm64-0-Hourly2-GP3')).toBe(false);
    expect(anyMatch(p, 'RHEL-9.6.0_HVM_BETA-20250101-x86_64-0-Hourly2-GP3')).toBe(false);
    expect(anyMatch(p, 'RHEL-8.10.0_HVM-20241211-x86_64-0-Hourly2-GP3')).toBe(false);
  });
});

describe('windows', () => {
  it.each<[string, Partial<FindPlan>]>([
    [
      'windows server 2022',
      {
        family: 'windows',
        owners: ['amazon'],
        namePatterns: ['Windows_Server-2022-English-Full-Base-*'],
        arch: 'x86_64',
        extraFilters: [{ name: 'platform', values: ['windows'] }],
        description: 'Windows Server 2022 · x86_64 · Amazon',
      },
    ],
    ['windows 2019 core', { namePatterns: ['Windows_Server-2019-English-Core-Base-*'] }],
    ['windows 2016', { namePatterns: ['Windows_Server-2016-English-Full-Base-*'] }],
    ['win2025', { namePatterns: ['Windows_Server-2025-English-Full-Base-*'] }],
    ['windows', { namePatterns: ['Windows_Server-*-English-Full-Base-*'] }],
    ['windows 2022 sql', { namePatterns: ['Windows_Server-2022-English-*'], freeText: ['sql'] }],
    ['windows 2022 --owner microsoft', { family: 'windows', owners: ['amazon'] }],
    ['--owner microsoft', { family: 'windows', owners: ['amazon'] }],
  ])('%j', (text, expected) => {
    expect(plan(text)).toMatchObject(expected);
  });

  it('notes that Windows is x86_64 only', () => {
    const p = plan('windows 2022 --arch arm64');
    expect(p.arch).toBe('arm64');
    expect(p.notes.join(' ')).toMatch(/x86_64 only/);
  });

  it('matches real Windows names', () => {
    expect(anyMatch(plan('windows 2022'), 'Windows_Server-2022-English-Full-Base-2025.01.15')).toBe(true);
    expect(anyMatch(plan('windows 2022'), 'Windows_Server-2022-English-Core-Base-2025.01.15')).toBe(false);
    expect(anyMatch(plan('windows 2022 core'), 'Windows_Server-2022-English-Core-Base-2025.01.15')).toBe(
      true,
    );
  });
});

describe('arch words', () => {
  it.each<[string, 'x86_64' | 'arm64' | undefined]>([
    ['ubuntu arm64', 'arm64'],
    ['ubuntu aarch64', 'arm64'],
    ['ubuntu graviton', 'arm64'],
    ['ubuntu x86_64', 'x86_64'],
    ['ubuntu amd64', 'x86_64'],
    ['ubuntu x86', 'x86_64'],
    ['ubuntu', undefined],
    ['ubuntu arm64 --arch x86_64', 'x86_64'],
    ['ubuntu --arch arm64', 'arm64'],
  ])('%j → %s', (text, arch) => {
    expect(plan(text).arch).toBe(arch);
  });

  it('says when --arch overrides a word', () => {
    expect(plan('ubuntu arm64 --arch x86_64').notes.join(' ')).toMatch(/overrides/);
  });
});

describe('free text', () => {
  it('searches trusted owners client-side only when they are small inventories', () => {
    expect(plan('web-base')).toEqual({
      description: '“web-base” · your account, 111122223333',
      owners: ['self', '111122223333'],
      namePatterns: [],
      extraFilters: [],
      freeText: ['web-base'],
      notes: [],
    });
  });

  it('keeps the words lower-cased for case-insensitive matching', () => {
    expect(plan('MyApp Base').freeText).toEqual(['myapp', 'base']);
  });

  it('adds case variants of the longest word as a server-side filter for big publishers', () => {
    const p = plan('eks node --owner amazon');
    expect(p.owners).toEqual(['amazon']);
    expect(p.namePatterns).toEqual(['*node*', '*Node*', '*NODE*']);
    expect(p.freeText).toEqual(['eks', 'node']);
  });

  it('does so too when trusted owners include a big publisher', () => {
    const p = plan('nginx', ['amazon', 'self']);
    expect(p.namePatterns).toEqual(['*nginx*', '*Nginx*', '*NGINX*']);
  });

  it('maps owner keywords in trusted owners and in --owner', () => {
    expect(plan('x', ['canonical', 'self']).owners).toEqual([CANONICAL_OWNER_ID, 'self']);
    expect(plan('x --owner 123456789012').owners).toEqual(['123456789012']);
    expect(plan('x --owner aws-marketplace').owners).toEqual(['aws-marketplace']);
    expect(ownerToEc2('microsoft')).toBe('amazon');
    expect(ownerToEc2('constructor')).toBe('constructor');
  });

  it('treats a family word as free text when --owner is not its publisher', () => {
    const p = plan('ubuntu 24.04 --owner self');
    expect(p.family).toBeUndefined();
    expect(p.owners).toEqual(['self']);
    expect(p.freeText).toEqual(['ubuntu', '24.04']);
    expect(p.notes.join(' ')).toMatch(/not the official ubuntu images/);
  });

  it('lists everything an owner has when there are no words', () => {
    expect(plan('--owner self')).toMatchObject({
      owners: ['self'],
      namePatterns: [],
      freeText: [],
      description: 'Any image · your account',
    });
  });

  it('is pure: the command is not modified', () => {
    const cmd: FindCommand = {
      name: 'find',
      words: ['ubuntu', '24.04', 'arm64'],
      limit: 5,
      includeDeprecated: false,
    };
    const copy = structuredClone(cmd);
    interpretFindQuery(cmd, TRUSTED);
    expect(cmd).toEqual(copy);
  });
});
