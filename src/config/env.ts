import { variableNames, type VariableName } from './variables.js';

export type RawEnv = Partial<Record<VariableName, string>>;

/**
 * The only place the process environment is read. Empty values count as unset,
 * so `FOO=` in a compose file behaves like leaving FOO out.
 */
export function readEnv(source: NodeJS.ProcessEnv): RawEnv {
  const raw: RawEnv = {};
  for (const name of variableNames) {
    const value = source[name];
    if (value !== undefined && value.trim() !== '') raw[name] = value.trim();
  }
  return raw;
}
