import { AwsError } from './errors.js';

/**
 * Form-encoded query-protocol parameters (EC2, STS) as a flat map, with helpers that read the
 * protocol's numbered lists: `ImageId.1=…&ImageId.2=…` and lists of structures such as
 * `Filter.1.Name=…&Filter.1.Value.1=…`.
 */
export type QueryParams = Readonly<Record<string, string>>;

export function parseQuery(body: string): QueryParams {
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body)) params[key] = value;
  return params;
}

/** Index → suffix entries under `prefix.N`, ordered by N. */
function numbered(params: QueryParams, prefix: string): Map<number, Record<string, string>> {
  const lead = `${prefix}.`;
  const byIndex = new Map<number, Record<string, string>>();
  for (const key of Object.keys(params)) {
    if (!key.startsWith(lead)) continue;
    const rest = key.slice(lead.length);
    const dot = rest.indexOf('.');
    const indexText = dot === -1 ? rest : rest.slice(0, dot);
    if (!/^[1-9][0-9]*$/.test(indexText)) continue;
    const index = Number(indexText);
    let entry = byIndex.get(index);
    if (!entry) {
      entry = {};
      byIndex.set(index, entry);
    }
    entry[dot === -1 ? '' : rest.slice(dot + 1)] = params[key] as string;
  }
  return new Map([...byIndex.entries()].sort((a, b) => a[0] - b[0]));
}

/** Values of a flattened list of strings: `ImageId.1`, `ImageId.2`, … */
export function queryList(params: QueryParams, prefix: string): string[] {
  const out: string[] = [];
  for (const entry of numbered(params, prefix).values()) {
    const value = entry[''];
    if (value !== undefined) out.push(value);
  }
  return out;
}

/** Members of a flattened list of structures, each with its keys relative to `prefix.N.`. */
export function queryStructList(params: QueryParams, prefix: string): QueryParams[] {
  const out: QueryParams[] = [];
  for (const entry of numbered(params, prefix).values()) {
    delete entry[''];
    out.push(entry);
  }
  return out;
}

/** The members of a nested structure: keys under `prefix.`, with the prefix removed. */
export function queryStruct(params: QueryParams, prefix: string): QueryParams {
  const lead = `${prefix}.`;
  const out: Record<string, string> = {};
  for (const key of Object.keys(params))
    if (key.startsWith(lead)) out[key.slice(lead.length)] = params[key] as string;
  return out;
}

export function queryBool(params: QueryParams, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new AwsError(
    'InvalidParameterValue',
    `Value (${value}) for parameter ${name} is invalid. Expecting a boolean.`,
  );
}

export function queryInt(params: QueryParams, name: string): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(value)) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${value}) for parameter ${name} is invalid. Expecting an integer.`,
    );
  }
  return Number(value);
}

export function requireParam(params: QueryParams, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') {
    throw new AwsError('MissingParameter', `The request must contain the parameter ${name}`);
  }
  return value;
}

export interface QueryFilter {
  name: string;
  values: string[];
}

/** `Filter.N.Name` + `Filter.N.Value.M`. */
export function queryFilters(params: QueryParams): QueryFilter[] {
  return queryStructList(params, 'Filter').map((f) => ({
    name: f['Name'] ?? '',
    values: queryList(f, 'Value'),
  }));
}
