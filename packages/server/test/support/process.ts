import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;
const CLI = `${ROOT}packages/server/src/cli/index.ts`;

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `majlis <args>` from the TypeScript sources as a real child process. */
export function runCli(args: string[], env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `majlis serve` as a child process; resolves once /healthz answers. */
export async function startServeProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string; exited: Promise<number | null> }> {
  const port = String(20000 + Math.floor(Math.random() * 20000));
  const child = spawn(TSX, [CLI, 'serve'], { env: { ...process.env, HOST: '127.0.0.1', PORT: port, ...env }, cwd: ROOT });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) {
      throw new Error(`server exited early: ${output}`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) {
        return { child, url, output: () => output, exited };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start: ${output}`);
}
