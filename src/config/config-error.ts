/** A configuration problem; its message is the one line printed before the process stops. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`configuration error: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}
