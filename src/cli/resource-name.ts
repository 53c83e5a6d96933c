/**
 * `TYPE/NAME` arguments as kubectl prints them (`kubectl get pods -o name` gives `pod/web-0`), so
 * that `… -o name | xargs -n1 kubectl satoken diagnose` works: the type prefix is stripped when it
 * names the expected resource and refused when it names another.
 */
import { UsageError } from '../errors.js';

/** The names kubectl accepts for each resource (plural, singular, short name: `kubectl api-resources`). */
const TYPE_NAMES = {
  pod: ['pods', 'pod', 'po'],
  serviceaccount: ['serviceaccounts', 'serviceaccount', 'sa'],
} as const;

export type NamedResource = keyof typeof TYPE_NAMES;

/** NAME, or TYPE/NAME with TYPE one of `kind`'s names (case-insensitive, as kubectl's resource types). */
export function resourceName(value: string | undefined, kind: NamedResource, what: string): string | undefined {
  if (value === undefined) return undefined;
  const slash = value.indexOf('/');
  if (slash < 0) return value;
  const type = value.slice(0, slash).toLowerCase();
  const name = value.slice(slash + 1);
  const names: readonly string[] = TYPE_NAMES[kind];
  if (!names.includes(type) || name === '' || name.includes('/')) {
    throw new UsageError(`${what} takes a ${kind} name, NAME or ${names[1]}/NAME (got ${JSON.stringify(value)})`);
  }
  return name;
}
