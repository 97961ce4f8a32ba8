import { minorToDecimal } from '@consilium/core';
import type { z } from 'zod';
import { MinorUnits, money, signedMoney } from './blueprint-fields';
import { blueprintSchema } from './blueprint.schema';

/** A path to a money field: object keys, `[]` for every item of a list, `{}` for every value of a map. */
type MoneyPath = string[];

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
}

/** Every money field of a schema, found by walking it, so a field added later is covered without a list to keep. */
export function moneyPaths(schema: z.ZodType, at: MoneyPath = [], found: MoneyPath[] = []): MoneyPath[] {
  if (schema === (money as z.ZodType) || schema === (signedMoney as z.ZodType)) {
    found.push(at);
    return found;
  }
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  if (def.shape) for (const [key, child] of Object.entries(def.shape)) moneyPaths(child, [...at, key], found);
  if (def.innerType) moneyPaths(def.innerType, at, found);
  if (def.element) moneyPaths(def.element, [...at, '[]'], found);
  if (def.valueType) moneyPaths(def.valueType, [...at, '{}'], found);
  if (def.type === 'pipe' && def.in) moneyPaths(def.in, at, found);
  if (def.options) for (const option of def.options) moneyPaths(option, at, found);
  return found;
}

let blueprintMoney: MoneyPath[] | undefined;
const paths = () => (blueprintMoney ??= moneyPaths(blueprintSchema));

/** The containers (objects or maps) that hold money, with the key of each amount in them. */
function eachMoneyHolder(
  tree: unknown,
  visit: (holder: Record<string, unknown>, key: string | undefined, path: (string | number)[]) => void,
) {
  for (const pattern of paths()) {
    const walk = (node: unknown, rest: string[], path: (string | number)[]) => {
      if (!node || typeof node !== 'object') return;
      const [step, ...tail] = rest;
      if (tail.length === 0) {
        if (step === '{}') visit(node as Record<string, unknown>, undefined, path);
        else if (step !== '[]') visit(node as Record<string, unknown>, step, path);
        return;
      }
      if (step === '[]') {
        if (Array.isArray(node)) node.forEach((item, i) => walk(item, tail, [...path, i]));
      } else if (step === '{}') {
        for (const [k, v] of Object.entries(node)) walk(v, tail, [...path, k]);
      } else walk((node as Record<string, unknown>)[step], tail, [...path, step]);
    };
    walk(tree, pattern, []);
  }
}

export interface MinorKeyProblem {
  path: (string | number)[];
  message: string;
}

/**
 * `price_minor: 95000` is read as `price` in minor units. Giving both `price` and `price_minor` is a problem (which
 * one was meant?). Returns the problems; rewrites `raw` in place.
 */
export function readMinorKeys(raw: unknown): MinorKeyProblem[] {
  const problems: MinorKeyProblem[] = [];
  eachMoneyHolder(raw, (holder, key, path) => {
    const keys =
      key === undefined
        ? Object.keys(holder)
            .filter((k) => k.endsWith('_minor'))
            .map((k) => k.slice(0, -6))
        : [key];
    for (const k of keys) {
      if (!Object.prototype.hasOwnProperty.call(holder, `${k}_minor`)) continue;
      if (Object.prototype.hasOwnProperty.call(holder, k)) {
        problems.push({ path: [...path, k], message: `give either ${k} or ${k}_minor, not both` });
        delete holder[`${k}_minor`];
        continue;
      }
      holder[k] = new MinorUnits(holder[`${k}_minor`]);
      delete holder[`${k}_minor`];
    }
  });
  return problems;
}

/** Amounts held as minor units (the database's form) written as the blueprint's text, `95000` -> `"950.00"`. */
export function moneyAsText<T>(tree: T, currency: string): T {
  const copy = structuredClone(tree);
  eachMoneyHolder(copy, (holder, key) => {
    for (const k of key === undefined ? Object.keys(holder) : [key]) {
      const value = holder[k];
      if (typeof value === 'number' && Number.isInteger(value)) holder[k] = minorToDecimal(value, currency);
    }
  });
  return copy;
}
