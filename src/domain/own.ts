/** `rec[key]` for own keys only, so `constructor` or `__proto__` never reach `Object.prototype`. */
export function own<V>(rec: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}
