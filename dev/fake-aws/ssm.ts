import { AwsError, type JsonObject } from './errors.js';
import { isWellFormedId } from './ids.js';
import { paginate } from './paginate.js';
import type { FakeAwsState, Principal } from './state.js';

/**
 * SSM Parameter Store over JSON 1.1 (`X-Amz-Target: AmazonSSM.<Action>`): PutParameter (versions,
 * Overwrite), GetParameter (by name, ARN or `name:version`), GetParameters, GetParameterHistory,
 * DeleteParameter(s). Parameters are per account and region; the last 100 versions are kept.
 *
 * `DataType: aws:ec2:image` is validated as AWS documents it: asynchronously. PutParameter answers
 * 200 either way, and the value is stored only when it is an AMI id of an available image the
 * account can use in that region; otherwise nothing changes and the failure is recorded in
 * `validationFailures` (AWS emits an EventBridge event instead).
 */

export type ParameterType = 'String' | 'StringList' | 'SecureString';

export interface FakeParameterVersion {
  name: string;
  type: ParameterType;
  value: string;
  version: number;
  dataType: string;
  description?: string;
  allowedPattern?: string;
  /** SecureString only: the key ARN or alias the value is encrypted with. */
  keyId?: string;
  /** ISO 8601. */
  lastModifiedDate: string;
  lastModifiedUser: string;
}

export interface FakeParameter {
  name: string;
  region: string;
  accountId: string;
  /** Oldest first; at most 100. */
  versions: FakeParameterVersion[];
  tags: Record<string, string>;
}

export interface ParameterValidationFailure {
  name: string;
  region: string;
  accountId: string;
  value: string;
  reason: string;
  /** ISO 8601. */
  at: string;
}

const TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString'];
const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'];
const MAX_VERSIONS = 100;
const MAX_NAME = 1011;
const MAX_DEPTH = 15;
const STANDARD_VALUE_LIMIT = 4096;
const ARN = /^arn:aws[a-z-]*:ssm:([a-z0-9-]+):(\d{12}):parameter(\/.+)$/;

function validation(message: string): AwsError {
  return new AwsError('ValidationException', message);
}

function str(body: JsonObject, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' ? value : undefined;
}

function required(body: JsonObject, name: string): string {
  const value = str(body, name);
  if (value === undefined || value === '') {
    throw validation(
      `1 validation error detected: Value null at '${name[0]?.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function notFound(name: string): AwsError {
  return new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
}

const seconds = (iso: string): number => new Date(iso).getTime() / 1000;

/** Where a parameter name or ARN points: its name, and a `:version` selector if any. */
interface Reference {
  names: string[];
  version?: number;
  selector?: string;
}

export class SsmStore {
  /** `account|region|name` → parameter. */
  readonly parameters = new Map<string, FakeParameter>();
  readonly validationFailures: ParameterValidationFailure[] = [];

  constructor(private readonly state: FakeAwsState) {}

  private key(accountId: string, region: string, name: string): string {
    return `${accountId}|${region}|${name}`;
  }

  get(accountId: string, region: string, name: string): FakeParameter | undefined {
    return this.parameters.get(this.key(accountId, region, name));
  }

  arn(parameter: { name: string; region: string; accountId: string }): string {
    const path = parameter.name.startsWith('/') ? parameter.name : `/${parameter.name}`;
    return `arn:aws:ssm:${parameter.region}:${parameter.accountId}:parameter${path}`;
  }

  /** The value of the parameter's latest version (or of `version`), if it exists. */
  currentValue(accountId: string, region: string, name: string, version?: number): string | undefined {
    const parameter = this.get(accountId, region, name);
    if (!parameter) return undefined;
    const picked =
      version === undefined
        ? parameter.versions.at(-1)
        : parameter.versions.find((v) => v.version === version);
    return picked?.value;
  }

  handle(action: string, body: JsonObject, region: string, caller: Principal, pageCap?: number): JsonObject {
    switch (action) {
      case 'PutParameter':
        return this.putParameter(body, region, caller);
      case 'GetParameter':
        return this.getParameter(body, region, caller.accountId);
      case 'GetParameters':
        return this.getParameters(body, region, caller.accountId);
      case 'GetParameterHistory':
        return this.getParameterHistory(body, region, caller.accountId, pageCap);
      case 'DeleteParameter':
        return this.deleteParameter(body, region, caller.accountId);
      case 'DeleteParameters':
        return this.deleteParameters(body, region, caller.accountId);
      default:
        throw new AwsError(
          'UnknownOperationException',
          `The operation ${action} is not supported by this fake`,
        );
    }
  }

  // ---- names ------------------------------------------------------------------------------

  private checkName(name: string): void {
    if (/\s/.test(name)) throw validation("Parameter name: can't contain spaces.");
    const bare = name.toLowerCase().replace(/^\/+/, '');
    if (bare.startsWith('aws') || bare.startsWith('ssm')) {
      throw validation('Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).');
    }
    if (name.length > MAX_NAME || !/^[a-zA-Z0-9_.\-/]+$/.test(name)) {
      throw new AwsError(
        'ParameterPatternMismatchException',
        'Parameter name must contain only the following symbols and letters: a-zA-Z0-9_.-/',
      );
    }
    if (name.includes('/') && !name.startsWith('/')) {
      throw validation('Parameter name must be a fully qualified name.');
    }
    if (name.split('/').filter((part) => part !== '').length > MAX_DEPTH) {
      throw new AwsError(
        'HierarchyLevelLimitExceededException',
        `A hierarchy can have a maximum of ${MAX_DEPTH} levels.`,
      );
    }
  }

  /** A `Name` of a Get call: a name or an ARN of the caller's account and region, with `:version`. */
  private reference(raw: string, region: string, accountId: string): Reference {
    let text = raw;
    const arn = ARN.exec(raw);
    let names: string[];
    if (arn) {
      if (arn[1] !== region || arn[2] !== accountId) return { names: [] };
      text = arn[3] as string;
    }
    const colon = text.lastIndexOf(':');
    let selector: string | undefined;
    if (colon > 0) {
      selector = text.slice(colon + 1);
      text = text.slice(0, colon);
    }
    if (arn) {
      // parameter/name is the ARN of both `name` and `/name`.
      names = [text, text.replace(/^\//, '')];
    } else {
      names = [text];
    }
    const out: Reference = { names };
    if (selector !== undefined) {
      out.selector = selector;
      if (/^[1-9]\d*$/.test(selector)) out.version = Number(selector);
    }
    return out;
  }

  private find(
    raw: string,
    region: string,
    accountId: string,
  ): { parameter: FakeParameter; version: FakeParameterVersion; selector?: string } | undefined {
    const ref = this.reference(raw, region, accountId);
    for (const name of ref.names) {
      const parameter = this.get(accountId, region, name);
      if (!parameter) continue;
      if (ref.selector === undefined)
        return { parameter, version: parameter.versions.at(-1) as FakeParameterVersion };
      const version = parameter.versions.find((v) => v.version === ref.version);
      if (!version) {
        throw new AwsError(
          'ParameterVersionNotFound',
          `Systems Manager could not find version ${ref.selector} of ${raw}. Verify the version and try again.`,
        );
      }
      return { parameter, version, selector: `:${ref.selector}` };
    }
    return undefined;
  }

  // ---- PutParameter -----------------------------------------------------------------------

  private putParameter(body: JsonObject, region: string, caller: Principal): JsonObject {
    const name = required(body, 'Name').trim();
    const value = str(body, 'Value');
    if (value === undefined || value === '') {
      throw validation(
        "1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1.",
      );
    }
    this.checkName(name);
    const overwrite = body['Overwrite'] === true;
    const tags = Array.isArray(body['Tags']) ? (body['Tags'] as { Key?: string; Value?: string }[]) : [];
    if (overwrite && tags.length > 0) {
      throw validation(
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
      );
    }
    const typeText = str(body, 'Type');
    if (typeText !== undefined && !TYPES.includes(typeText as ParameterType)) {
      throw validation(
        `1 validation error detected: Value '${typeText}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
      );
    }
    const dataTypeText = str(body, 'DataType');
    if (dataTypeText !== undefined && !DATA_TYPES.includes(dataTypeText)) {
      throw validation(
        `The following data type is not supported: ${dataTypeText} (Data type names are all lowercase.)`,
      );
    }
    const tier = str(body, 'Tier') ?? 'Standard';
    const limit = tier === 'Advanced' ? 2 * STANDARD_VALUE_LIMIT : STANDARD_VALUE_LIMIT;
    if (Buffer.byteLength(value) > limit) {
      throw validation(`${tier} tier parameters support a maximum parameter value of ${limit} characters.`);
    }

    const accountId = caller.accountId;
    const existing = this.get(accountId, region, name);
    const previous = existing?.versions.at(-1);
    if (existing && !overwrite) {
      throw new AwsError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    if (!previous && typeText === undefined)
      throw validation('A parameter type is required when you create a parameter.');
    const type = (typeText ?? previous?.type) as ParameterType;
    if (previous && previous.type !== type && (previous.type === 'SecureString' || type === 'SecureString')) {
      throw new AwsError(
        'HierarchyTypeMismatchException',
        `The parameter type can't be changed from ${previous.type} to ${type}. You must create a new, unique parameter.`,
      );
    }
    const dataType = dataTypeText ?? previous?.dataType ?? 'text';
    if (
      previous &&
      previous.dataType !== dataType &&
      [previous.dataType, dataType].includes('aws:ec2:image')
    ) {
      throw validation(`A parameter's data type can't be changed from ${previous.dataType} to ${dataType}.`);
    }
    if (dataType === 'aws:ec2:image' && type !== 'String') {
      throw validation('The aws:ec2:image data type is supported only for String parameters.');
    }
    const allowedPattern = str(body, 'AllowedPattern') ?? previous?.allowedPattern;
    if (allowedPattern !== undefined) {
      let pattern: RegExp;
      try {
        pattern = new RegExp(allowedPattern);
      } catch {
        throw new AwsError(
          'InvalidAllowedPatternException',
          `The allowed pattern ${allowedPattern} is not a valid regular expression.`,
        );
      }
      if (!pattern.test(value)) {
        throw new AwsError(
          'ParameterPatternMismatchException',
          `Parameter value, cannot be validated against allowedPattern: ${allowedPattern}`,
        );
      }
    }
    let keyId: string | undefined;
    if (type === 'SecureString') {
      const ref = str(body, 'KeyId') ?? previous?.keyId ?? 'alias/aws/ssm';
      const key = this.state.kms.resolve(ref, region, accountId);
      if (!key) throw new AwsError('InvalidKeyId', `Invalid keyId ${ref}`);
      keyId = ref.startsWith('alias/') || ref.includes(':alias/') ? ref : key.arn;
    } else if (str(body, 'KeyId') !== undefined) {
      throw validation('KeyId is supported only for SecureString parameters.');
    }
    const version = (previous?.version ?? 0) + 1;

    if (dataType === 'aws:ec2:image') {
      const reason = this.imageProblem(value, region, accountId);
      if (reason) {
        // AWS validates asynchronously: the call succeeds, the parameter is not created or updated.
        this.validationFailures.push({
          name,
          region,
          accountId,
          value,
          reason,
          at: this.state.now().toISOString(),
        });
        return { Version: version, Tier: tier };
      }
    }

    const entry: FakeParameterVersion = {
      name,
      type,
      value,
      version,
      dataType,
      lastModifiedDate: this.state.now().toISOString(),
      lastModifiedUser: caller.arn,
    };
    const description = str(body, 'Description') ?? previous?.description;
    if (description !== undefined) entry.description = description;
    if (allowedPattern !== undefined) entry.allowedPattern = allowedPattern;
    if (keyId !== undefined) entry.keyId = keyId;
    const parameter = existing ?? { name, region, accountId, versions: [], tags: {} };
    if (!existing) this.parameters.set(this.key(accountId, region, name), parameter);
    parameter.versions.push(entry);
    if (parameter.versions.length > MAX_VERSIONS) parameter.versions.shift();
    for (const tag of tags) if (tag.Key !== undefined) parameter.tags[tag.Key] = tag.Value ?? '';
    return { Version: version, Tier: tier };
  }

  /** Why a value is not an AMI the account can use here, or undefined when it is. */
  private imageProblem(value: string, region: string, accountId: string): string | undefined {
    if (!isWellFormedId('ami', value))
      return `${value} is not a valid AMI id (expected ami- followed by 8 or 17 hexadecimal digits)`;
    const image = this.state.regions.get(region)?.images.get(value);
    if (!image || image.state === 'deregistered' || !this.state.canSeeImage(image, accountId)) {
      return `The image ${value} does not exist in ${region} for account ${accountId}`;
    }
    if (image.state !== 'available') return `The image ${value} is ${image.state}, not available`;
    return undefined;
  }

  // ---- reads ------------------------------------------------------------------------------

  private render(
    parameter: FakeParameter,
    version: FakeParameterVersion,
    decrypt: boolean,
    selector?: string,
  ): JsonObject {
    const out: JsonObject = {
      Name: parameter.name,
      Type: version.type,
      Value: version.type === 'SecureString' && !decrypt ? this.ciphertext(version) : version.value,
      Version: version.version,
      LastModifiedDate: seconds(version.lastModifiedDate),
      ARN: this.arn(parameter),
      DataType: version.dataType,
    };
    if (selector !== undefined) out['Selector'] = selector;
    return out;
  }

  /** What a SecureString looks like without WithDecryption: an opaque blob, never the value. */
  private ciphertext(version: FakeParameterVersion): string {
    return Buffer.from(`fake-kms:${version.keyId ?? ''}:${version.name}:${version.version}`).toString(
      'base64',
    );
  }

  private getParameter(body: JsonObject, region: string, accountId: string): JsonObject {
    const name = required(body, 'Name');
    const found = this.find(name, region, accountId);
    if (!found) throw notFound(name);
    return {
      Parameter: this.render(found.parameter, found.version, body['WithDecryption'] === true, found.selector),
    };
  }

  private getParameters(body: JsonObject, region: string, accountId: string): JsonObject {
    const names = Array.isArray(body['Names'])
      ? (body['Names'] as unknown[]).filter((n): n is string => typeof n === 'string')
      : [];
    if (names.length < 1 || names.length > 10) {
      throw validation(
        `1 validation error detected: Value '[${names.join(', ')}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`,
      );
    }
    const parameters: JsonObject[] = [];
    const invalid: string[] = [];
    for (const name of new Set(names)) {
      let found: ReturnType<SsmStore['find']>;
      try {
        found = this.find(name, region, accountId);
      } catch (error) {
        if (error instanceof AwsError && error.code === 'ParameterVersionNotFound') found = undefined;
        else throw error;
      }
      if (found)
        parameters.push(
          this.render(found.parameter, found.version, body['WithDecryption'] === true, found.selector),
        );
      else invalid.push(name);
    }
    return { Parameters: parameters, InvalidParameters: invalid };
  }

  private getParameterHistory(
    body: JsonObject,
    region: string,
    accountId: string,
    pageCap?: number,
  ): JsonObject {
    const name = required(body, 'Name');
    const found = this.find(name, region, accountId);
    if (!found) throw notFound(name);
    const maxResults = typeof body['MaxResults'] === 'number' ? body['MaxResults'] : undefined;
    if (maxResults !== undefined && (maxResults < 1 || maxResults > 50)) {
      throw validation(
        `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50`,
      );
    }
    const decrypt = body['WithDecryption'] === true;
    const page = paginate(
      [{ items: found.parameter.versions }],
      () => true,
      maxResults ?? 50,
      str(body, 'NextToken'),
      {
        cap: pageCap,
        badToken: () => new AwsError('InvalidNextToken', "The specified token isn't valid."),
      },
    );
    const out: JsonObject = {
      Parameters: page.items.map((v) => ({
        Name: found.parameter.name,
        Type: v.type,
        ...(v.keyId !== undefined ? { KeyId: v.keyId } : {}),
        LastModifiedDate: seconds(v.lastModifiedDate),
        LastModifiedUser: v.lastModifiedUser,
        ...(v.description !== undefined ? { Description: v.description } : {}),
        Value: v.type === 'SecureString' && !decrypt ? this.ciphertext(v) : v.value,
        ...(v.allowedPattern !== undefined ? { AllowedPattern: v.allowedPattern } : {}),
        Version: v.version,
        Labels: [],
        Tier: 'Standard',
        Policies: [],
        DataType: v.dataType,
      })),
    };
    if (page.nextToken) out['NextToken'] = page.nextToken;
    return out;
  }

  private deleteParameter(body: JsonObject, region: string, accountId: string): JsonObject {
    const name = required(body, 'Name');
    if (!this.parameters.delete(this.key(accountId, region, name))) throw notFound(name);
    return {};
  }

  private deleteParameters(body: JsonObject, region: string, accountId: string): JsonObject {
    const names = Array.isArray(body['Names'])
      ? (body['Names'] as unknown[]).filter((n): n is string => typeof n === 'string')
      : [];
    if (names.length < 1 || names.length > 10) {
      throw validation(
        "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10",
      );
    }
    const deleted: string[] = [];
    const invalid: string[] = [];
    for (const name of names) {
      if (this.parameters.delete(this.key(accountId, region, name))) deleted.push(name);
      else invalid.push(name);
    }
    return { DeletedParameters: deleted, InvalidParameters: invalid };
  }
}
