import { Ajv, type ErrorObject } from 'ajv';
import { ConfigError } from './config-error.js';
import type { RawEnv } from './env.js';
import { variables, type VariableName, type VariableSpec } from './variables.js';

export type TypedEnv = { [K in VariableName]?: string | number | boolean };

const schema = {
  type: 'object',
  properties: Object.fromEntries(Object.entries(variables).map(([name, spec]) => [name, spec.schema])),
  additionalProperties: false,
};

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: false });
const validate = ajv.compile(schema);

function describe(error: ErrorObject, raw: RawEnv): string {
  const name = error.instancePath.replace(/^\//, '') as VariableName;
  const spec = variables[name] as VariableSpec | undefined;
  const shown = spec?.secret ? '' : ` (got ${JSON.stringify(raw[name])})`;
  return `${name} ${error.message ?? 'is invalid'}${shown}`;
}

/** Checks every set variable against its schema, coercing numbers and booleans, then applies defaults. */
export function validateEnv(raw: RawEnv): TypedEnv {
  const typed: Record<string, unknown> = { ...raw };
  if (!validate(typed)) {
    throw new ConfigError((validate.errors ?? []).map((error) => describe(error, raw)));
  }
  for (const [name, spec] of Object.entries(variables) as [VariableName, VariableSpec][]) {
    if (typed[name] === undefined && spec.default !== undefined) typed[name] = spec.default;
  }
  return typed as TypedEnv;
}
