/**
 * A tiny XML writer for AWS query-protocol answers. Values map to elements: objects become
 * nested elements (in property order), arrays become `<item>` children (AWS's list member name
 * for EC2; pass another one such as `member` for the AWS query protocol), `undefined`/`null` are
 * left out, dates are written as ISO 8601, booleans as `true`/`false`.
 */

export type XmlValue = string | number | boolean | Date | null | undefined | readonly XmlValue[] | XmlObject;
export interface XmlObject {
  readonly [name: string]: XmlValue;
}

const ESCAPES: Record<number, string> = { 38: '&amp;', 60: '&lt;', 62: '&gt;', 34: '&quot;', 39: '&apos;' };

/** Escapes markup characters and drops the control characters XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let replacement = ESCAPES[code];
    if (replacement === undefined && code < 32 && code !== 9 && code !== 10 && code !== 13) replacement = '';
    if (replacement !== undefined) {
      out += text.slice(last, i) + replacement;
      last = i + 1;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

function scalar(value: string | number | boolean | Date): string {
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

export function xmlElement(name: string, value: XmlValue, itemName = 'item'): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    if (value.length === 0) return `<${name}/>`;
    let inner = '';
    for (const item of value) inner += xmlElement(itemName, item as XmlValue, itemName);
    return `<${name}>${inner}</${name}>`;
  }
  if (typeof value === 'object' && !(value instanceof Date)) {
    const inner = xmlChildren(value as XmlObject, itemName);
    return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${scalar(value as string | number | boolean | Date)}</${name}>`;
}

export function xmlChildren(object: XmlObject, itemName = 'item'): string {
  let out = '';
  for (const key of Object.keys(object)) out += xmlElement(key, object[key], itemName);
  return out;
}

/** A whole document: declaration plus one root element carrying the service's namespace. */
export function xmlDocument(
  rootName: string,
  xmlns: string | undefined,
  body: XmlObject,
  itemName = 'item',
): string {
  const attr = xmlns ? ` xmlns="${escapeXml(xmlns)}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${rootName}${attr}>${xmlChildren(body, itemName)}</${rootName}>`;
}
