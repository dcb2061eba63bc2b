import { pathToFileURL } from 'node:url';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, loadDotEnv } from './config/load.js';
import type { Config } from './config/schema.js';
import { onShutdownSignal } from './lib/shutdown.js';

/** Loads config, builds the app, listens, and drains on SIGTERM/SIGINT. */
export async function serve(): Promise<void> {
  loadDotEnv();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const { app } = await buildApp(config);
  onShutdownSignal(async () => {
    await app.close();
  }, (msg) => app.log.info(msg));
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  const shown = config.HOST === '0.0.0.0' || config.HOST === '::' ? `http://localhost:${config.PORT}` : address;
  app.log.info(`Majlis is serving on ${shown} (API docs: ${shown}/docs)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  serve().catch((error: unknown) => {
    process.stderr.write(`Majlis failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
