import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWildcard } from '../../dev/fake-aws/filters.js';
import { FakeAws, parseAuthorization } from '../../dev/fake-aws/index.js';
import { paginate } from '../../dev/fake-aws/paginate.js';
import { parseQuery, queryFilters, queryList, queryStructList } from '../../dev/fake-aws/query.js';
import { escapeXml, xmlDocument } from '../../dev/fake-aws/xml.js';

describe('query parsing', () => {
  it('reads numbered lists in numeric order and nested structures', () => {
    const params = parseQuery(
      'Action=DescribeImages&Owner.2=amazon&Owner.1=self&Owner.10=123456789012' +
        '&Filter.1.Name=name&Filter.1.Value.2=b%2A&Filter.1.Value.1=a+b&Filter.2.Name=tag%3AEnv&Filter.2.Value.1=prod',
    );
    expect(queryList(params, 'Owner')).toEqual(['self', 'amazon', '123456789012']);
    expect(queryFilters(params)).toEqual([
      { name: 'name', values: ['a b', 'b*'] },
      { name: 'tag:Env', values: ['prod'] },
    ]);
    const adds = queryStructList(
      parseQuery('LaunchPermission.Add.1.UserId=1&LaunchPermission.Add.2.Group=all'),
      'LaunchPermission.Add',
    );
    expect(adds).toEqual([{ UserId: '1' }, { Group: 'all' }]);
  });

  it('reads the SigV4 credential scope', () => {
    expect(
      parseAuthorization(
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=abc',
      ),
    ).toEqual({ accessKeyId: 'AKIDEXAMPLE', date: '20261126', region: 'eu-west-1', service: 'ec2' });
    expect(parseAuthorization('Bearer x')).toBeUndefined();
    expect(parseAuthorization(undefined)).toBeUndefined();
  });
});

describe('wildcards', () => {
  const text = fc.string({ unit: fc.constantFrom('a', 'b', '.', '-', '*', '?', '\\', '(', '[', 'é') });
  const literal = (s: string) => s.replace(/[*?\\]/g, '\\$&');

  it('an escaped literal matches exactly itself', () => {
    fc.assert(fc.property(text, text, (a, b) => compileWildcard(literal(a))(b) === (a === b)));
  });

  it('prefix* matches exactly the strings with that prefix, ? exactly one character', () => {
    fc.assert(
      fc.property(text, text, (prefix, s) => {
        expect(compileWildcard(`${literal(prefix)}*`)(s)).toBe(s.startsWith(prefix));
        expect(compileWildcard(`${literal(prefix)}?`)(s)).toBe(
          s.length === prefix.length + 1 && s.startsWith(prefix),
        );
      }),
    );
  });
});

describe('xml', () => {
  it('escapes so that decoding gives the text back (minus control characters)', () => {
    const decode = (s: string) =>
      s
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&');
    fc.assert(
      fc.property(fc.string(), (s) => {
        const escaped = escapeXml(s);
        expect(escaped).not.toMatch(/[<>"']/);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is removed.
        expect(decode(escaped)).toBe(s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, ''));
      }),
    );
  });

  it('writes lists as items, leaves out undefined and writes empty lists as empty elements', () => {
    expect(
      xmlDocument('R', 'urn:x', { a: 1, b: undefined, c: [{ d: true }, { d: false }], e: [], f: 'x&y' }),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="urn:x"><a>1</a><c><item><d>true</d></item><item><d>false</d></item></c><e/><f>x&amp;y</f></R>',
    );
  });
});

describe('pagination', () => {
  it('pages concatenate to the full filtered list, without duplicates across sources', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 40 }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 2, max: 5 }),
        (lists, pageSize, modulo) => {
          const sources = lists.map((items) => ({ items, contains: (n: number) => items.includes(n) }));
          const matches = (n: number) => n % modulo !== 0;
          const expected: number[] = [];
          lists.forEach((items, index) => {
            for (const n of items) {
              if (!matches(n)) continue;
              if (lists.slice(0, index).some((earlier) => earlier.includes(n))) continue;
              expected.push(n);
            }
          });
          const got: number[] = [];
          let token: string | undefined;
          let pages = 0;
          do {
            const page = paginate(sources, matches, pageSize, token);
            expect(page.items.length).toBeLessThanOrEqual(pageSize);
            if (page.nextToken) expect(page.items.length).toBe(pageSize);
            got.push(...page.items);
            token = page.nextToken;
            pages++;
          } while (token && pages < 1000);
          expect(got).toEqual(expected);
        },
      ),
    );
  });
});

describe('scale', () => {
  it('holds 100,000 images and answers DescribeImages pages over them quickly', async () => {
    const fake = await FakeAws.start();
    const client = new EC2Client({
      endpoint: fake.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAME', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    try {
      let started = performance.now();
      fake.addImages(100_000, (i) =>
        i % 2 === 0
          ? { name: `ubuntu-${i}`, ownerId: '099720109477', public: true }
          : { name: `own-${i}`, tags: { n: String(i) } },
      );
      const addMs = performance.now() - started;
      expect(fake.images('us-east-1')).toHaveLength(100_000);

      started = performance.now();
      const filtered = await client.send(
        new DescribeImagesCommand({
          Owners: ['099720109477'],
          Filters: [{ Name: 'name', Values: ['ubuntu-9999?'] }],
        }),
      );
      expect(filtered.Images?.map((i) => i.Name)).toEqual(
        Array.from({ length: 5 }, (_, k) => `ubuntu-9999${2 * k}`),
      );
      const lastPage = await client.send(
        new DescribeImagesCommand({
          Owners: ['self'],
          MaxResults: 1000,
          Filters: [{ Name: 'tag:n', Values: ['9999?'] }],
        }),
      );
      expect(lastPage.Images).toHaveLength(5);
      expect(lastPage.NextToken).toBeUndefined();
      const describeMs = performance.now() - started;
      // Generous bounds: these guard against accidental quadratic work, not a benchmark.
      expect(addMs).toBeLessThan(8000);
      expect(describeMs).toBeLessThan(3000);
    } finally {
      client.destroy();
      await fake.close();
    }
  });
});
