import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadDotEnv } from '../config/load.js';
import { AppError } from '../http/problem.js';
import { serve } from '../main.js';
import { errorsDoc } from './errors-doc.js';
import { apiKeyCreate, apiKeyList, apiKeyRevoke, configTable, createAdmin, migrate, openapi, UsageError } from './commands.js';

const USAGE = `Usage: majlis <command>

  serve                                   start the server (the default)
  migrate                                 bring the database schema to the newest version
  create-admin --username U --email E --password P [--full-name N]
                                          create an admin, or promote an existing user (by email or username)
  api-key create --name N                 create an application API key (shown once)
  api-key list                            list API keys
  api-key revoke <id>                     revoke an API key
  config doc                              print the configuration table (Markdown)
  errors doc                              print the error-code table (Markdown)
  openapi [--out FILE]                    print or write the OpenAPI document

Configuration comes from the environment (and ./.env); see \`majlis config doc\`.`;

const out = (line: string) => process.stdout.write(`${line}\n`);

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      username: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      'full-name': { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command = 'serve', sub, arg] = positionals;
  if (values.help || command === 'help') {
    out(USAGE);
    return 0;
  }
  if (command === 'config' && sub === 'doc') {
    configTable(out);
    return 0;
  }
  if (command === 'errors' && sub === 'doc') {
    process.stdout.write(errorsDoc());
    return 0;
  }
  if (command === 'openapi') {
    await openapi(values.out, out);
    return 0;
  }
  loadDotEnv();
  if (command === 'serve') {
    await serve();
    return -1; // keeps running
  }
  const config = loadConfig();
  switch (command) {
    case 'migrate':
      await migrate(config, out);
      return 0;
    case 'create-admin':
      await createAdmin(
        config,
        {
          ...(values.username ? { username: values.username } : {}),
          ...(values.email ? { email: values.email } : {}),
          ...(values.password ? { password: values.password } : {}),
          ...(values['full-name'] ? { fullName: values['full-name'] } : {}),
        },
        out,
      );
      return 0;
    case 'api-key':
      if (sub === 'create' && values.name) {
        await apiKeyCreate(config, values.name, out);
        return 0;
      }
      if (sub === 'list') {
        await apiKeyList(config, out);
        return 0;
      }
      if (sub === 'revoke' && arg) {
        await apiKeyRevoke(config, arg, out);
        return 0;
      }
      throw new UsageError('api-key needs: create --name N | list | revoke <id>');
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) {
      process.exit(code);
    }
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`majlis: ${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof AppError) {
      process.stderr.write(`majlis: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`majlis: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
