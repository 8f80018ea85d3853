/**
 * The package as another project gets it, following the README's "Use it from your own project": `npm
 * pack` builds the tarball; a project in a temporary directory outside the repository installs it (its
 * dependencies come from the npm registry, through npm's cache when it has them), compiles the README's
 * main.ts with the README's tsconfig.json against the published declarations, and runs it against a
 * live server.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { repositoryRoot, startLiveServer, type LiveServer } from "./support/live-server.js";

const run = promisify(execFile);

/** clients/typescript: the package's own directory. */
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface PackedFile {
  readonly path: string;
}

interface Packed {
  readonly filename: string;
  readonly files: readonly PackedFile[];
}

/** The first fenced block of `language` in the README section under `heading`. */
function fencedBlock(readme: string, heading: string, language: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `the README has no section ${heading}`);
  const rest = readme.slice(start + heading.length + 2);
  const next = rest.search(/\n#{1,4} /);
  const section = next < 0 ? rest : rest.slice(0, next);
  const block = new RegExp("```" + language + "\\n([\\s\\S]*?)```").exec(section);
  assert.ok(block?.[1], `the README's ${heading} has no ${language} block`);
  return block[1];
}

let server: LiveServer | undefined;
let work: string | undefined;

before(async () => {
  server = await startLiveServer();
  work = await mkdtemp(join(tmpdir(), "taskstream-ts-consumer-"));
});

after(async () => {
  await server?.stop();
  if (work) {
    await rm(work, { recursive: true, force: true });
  }
});

test("a project outside the repository installs the packed package, compiles against it and runs it", async () => {
  assert.ok(server && work);
  const root = repositoryRoot();
  assert.ok(relative(root, work).startsWith(".."), `${work} is inside the repository`);
  const own = JSON.parse(await readFile(join(PACKAGE_DIR, "package.json"), "utf8")) as {
    name: string;
    version: string;
    private?: boolean;
    devDependencies: Record<string, string>;
  };
  assert.equal(own.private, undefined, "a private package cannot be published");

  // npm pack runs prepack, which builds dist/.
  const { stdout: packJson } = await run("npm", ["pack", "--json", "--pack-destination", work], {
    cwd: PACKAGE_DIR,
  });
  const [packed] = JSON.parse(packJson) as [Packed];
  const files = packed.files.map((f) => f.path);
  for (const needed of ["package.json", "dist/index.js", "dist/index.d.ts", "dist/client.d.ts"]) {
    assert.ok(files.includes(needed), `the tarball lacks ${needed}`);
  }
  const stray = files.filter((f) => !f.startsWith("dist/") && !["package.json", "README.md"].includes(f));
  assert.deepEqual(stray, [], "the tarball holds only dist/ and package.json");
  assert.ok(!files.some((f) => f.includes("test")), "no test is published");

  const app = join(work, "app");
  const npm = (...args: string[]) => run("npm", [...args, "--no-audit", "--no-fund"], { cwd: app });
  await mkdir(app);
  await npm("init", "-y");
  await npm("pkg", "set", "type=module");
  await npm("install", "--prefer-offline", join(work, packed.filename));
  const dev = ["typescript", "@types/node"].map((name) => `${name}@${own.devDependencies[name]}`);
  await npm("install", "--prefer-offline", "--save-dev", ...dev);

  const readme = await readFile(join(root, "README.md"), "utf8");
  const heading = "#### Use it from your own project";
  await writeFile(join(app, "tsconfig.json"), fencedBlock(readme, heading, "json"));
  await writeFile(join(app, "main.ts"), fencedBlock(readme, heading, "ts"));
  const installed = JSON.parse(
    await readFile(join(app, "node_modules", ...own.name.split("/"), "package.json"), "utf8"),
  ) as { version: string };
  assert.equal(installed.version, own.version);

  await run(join(app, "node_modules", ".bin", "tsc"), ["-p", "."], { cwd: app });
  const { stdout } = await run(process.execPath, ["main.js"], {
    cwd: app,
    env: { ...process.env, TASKSTREAM_SERVER: server.address },
  });
  const lines = stdout.trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 3), ["sepallength name", '[5.1,"Iris-setosa"]', '[4.9,"Iris-setosa"]']);
  assert.equal(lines.length, 4, stdout);
  assert.match(lines[3]!, /^AnonymousSQLTask failed: .*no such table: no_such_table/);
});
