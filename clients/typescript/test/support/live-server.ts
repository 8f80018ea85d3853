/**
 * A live taskstream server for the conformance test, started as tests/conformance/README.md says: the
 * repository's virtualenv runs `taskstreamd serve` on port 0 with a fresh data directory, the first JSON
 * line of its stdout says where it listens, and SIGTERM stops it.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

/** The repository root: the nearest directory above this file that holds the conformance scenario. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "tests", "conformance", "scenario.json"))) {
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error("tests/conformance/scenario.json not found above " + fileURLToPath(import.meta.url));
    }
    dir = parent;
  }
  return dir;
}

export interface LiveServer {
  /** The gRPC address, "127.0.0.1:PORT". */
  readonly address: string;
  /** Sends SIGTERM and waits for the process to exit; removes the data directory. */
  stop(): Promise<void>;
}

export async function startLiveServer(): Promise<LiveServer> {
  const root = repositoryRoot();
  const python = join(root, ".venv", "bin", "python");
  if (!existsSync(python)) {
    throw new Error(`${python} not found: run \`make venv\` first`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), "taskstream-ts-conformance-"));
  const args = ["-m", "taskstreamd", "--log-level", "WARNING", "serve", "--listen", "127.0.0.1:0"];
  args.push("--http", "127.0.0.1:0", "--data-dir", dataDir, "--workers", "2");
  args.push("--tasks", "tests.support.tasks", "--grace-period", "1");
  const child = spawn(python, args, {
    cwd: root,
    env: { ...process.env, PYTHONPATH: root },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // Should this process end without calling stop(), the server goes with it.
  const killOnExit = (): void => void child.kill("SIGKILL");
  process.once("exit", killOnExit);
  try {
    const address = await readyAddress(child, exited, () => stderr);
    child.stdout?.resume(); // keep draining stdout, so the server never blocks on a full pipe
    return {
      address,
      async stop() {
        process.removeListener("exit", killOnExit);
        child.kill("SIGTERM");
        const code = await withTimeout(exited, STOP_TIMEOUT_MS).catch(() => {
          child.kill("SIGKILL");
          return exited;
        });
        await rm(dataDir, { recursive: true, force: true });
        if (code !== 0) {
          throw new Error(`taskstreamd exited with ${code} after SIGTERM:\n${stderr}`);
        }
      },
    };
  } catch (error) {
    process.removeListener("exit", killOnExit);
    child.kill("SIGKILL");
    await exited;
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The gRPC address from the ready line: the first line of stdout that starts with "{". */
async function readyAddress(
  child: ChildProcess,
  exited: Promise<number | null>,
  stderr: () => string,
): Promise<string> {
  const stdout = child.stdout;
  if (stdout === null) {
    throw new Error("taskstreamd has no stdout");
  }
  const lines = createInterface({ input: stdout });
  const ready = (async () => {
    for await (const line of lines) {
      if (line.startsWith("{")) {
        const message = JSON.parse(line) as { event?: string; grpc?: string };
        if (message.event === "ready" && message.grpc) {
          return message.grpc;
        }
        throw new Error(`unexpected first JSON line from taskstreamd: ${line}`);
      }
    }
    throw new Error("taskstreamd closed its stdout before it was ready");
  })();
  const died = exited.then((code) => {
    throw new Error(`taskstreamd exited with ${code} before it was ready:\n${stderr()}`);
  });
  try {
    return await withTimeout(Promise.race([ready, died]), START_TIMEOUT_MS);
  } catch (error) {
    lines.close();
    throw error instanceof Error && stderr() ? new Error(`${error.message}\n${stderr()}`) : error;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
