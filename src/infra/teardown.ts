import type { Logger } from './logging/logger.js';

/**
 * Resources in the order they were built; `run` closes them in reverse, each
 * one even when an earlier close failed, so nothing is left open.
 */
export class Teardown {
  private readonly steps: { name: string; close: () => Promise<void> | void }[] = [];

  add(name: string, close: () => Promise<void> | void): void {
    this.steps.push({ name, close });
  }

  async run(logger: Logger): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.close();
        logger.debug({ resource: step.name }, 'closed');
      } catch (error) {
        logger.error({ resource: step.name, err: error }, 'failed to close');
      }
    }
  }
}
