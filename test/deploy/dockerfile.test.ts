// deploy/Dockerfile, checked without a Docker engine: the Docker language service's validator finds
// nothing wrong in it, and the files its final stage copies, laid out as the image would hold them,
// run the CLI and the demo mesh (so nothing the code reads at run time is left out of the image).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { IMAGE_ENV } from '../../cli/image-env.js';
import { packageRoot } from '../../proto/paths.js';

const dockerfilePath = join(packageRoot, 'deploy', 'Dockerfile');
const content = readFileSync(dockerfilePath, 'utf8');

/** The final stage: its WORKDIR, what it copies from where, and its ENTRYPOINT. */
function finalStage() {
  const dockerfile = DockerfileParser.parse(content);
  const lastFrom = dockerfile.getFROMs().at(-1)?.getRange().start;
  const stage = lastFrom === undefined ? null : dockerfile.getContainingImage(lastFrom);
  assert.ok(stage, 'the Dockerfile has a final stage');
  return {
    workdir:
      stage
        .getInstructions()
        .findLast((instruction) => instruction.getKeyword() === 'WORKDIR')
        ?.getArgumentsContent() ?? '/',
    copies: stage.getCOPYs().map((copy) => {
      const [source, destination] = copy.getArguments().map((arg) => arg.getValue()) as [string, string];
      return { from: copy.getFromFlag()?.getValue() ?? undefined, source, destination };
    }),
    entrypoint: JSON.parse(stage.getENTRYPOINTs().at(-1)?.getArgumentsContent() ?? '[]') as string[],
    env: new Map(
      stage
        .getENVs()
        .flatMap((env) => env.getProperties().map((property) => [property.getName(), property.getValue()] as const)),
    ),
  };
}

function run(command: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((done) =>
    execFile(command[0] as string, command.slice(1), { cwd, timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    ),
  );
}

describe('deploy/Dockerfile', () => {
  it('has no problem the Docker language service reports', () => {
    const problems = validate(content).map((problem) => `line ${problem.range.start.line + 1}: ${problem.message}`);
    assert.deepEqual(problems, []);
  });

  it('sets the malloc and young-generation tuning the control-plane benchmark measures', () => {
    const { env } = finalStage();
    for (const [name, value] of Object.entries(IMAGE_ENV)) assert.equal(env.get(name), value, `ENV ${name}`);
  });

  it('builds and runs on Node.js 24 LTS, the native addon built for the Node.js that loads it', () => {
    const bases = DockerfileParser.parse(content)
      .getFROMs()
      .map((from) => `${from.getImageName()}:${from.getImageTag()}`);
    assert.deepEqual(bases, ['node:24-bookworm-slim', 'node:24-bookworm-slim']);
  });

  it("holds what the CLI and the demo read at run time: the image's files run `pilotfish demo`", async () => {
    const { workdir, copies, entrypoint } = finalStage();
    assert.deepEqual(entrypoint.slice(0, 1), ['node']);
    const image = mkdtempSync(join(tmpdir(), 'pilotfish-image-'));
    try {
      const root = join(image, workdir);
      for (const { from, source, destination } of copies) {
        assert.equal(from, 'build', `the final stage copies only from the build stage (${source})`);
        assert.ok(source.startsWith('/src/'), `${source} comes from the build stage's /src, the repository`);
        const relativeSource = source.slice('/src/'.length);
        const target = join(root, destination, destination.endsWith('/') ? basename(relativeSource) : '');
        mkdirSync(dirname(target), { recursive: true });
        // node_modules after `npm prune --omit=dev`: linked rather than copied, dev packages included.
        if (relativeSource === 'node_modules') symlinkSync(join(packageRoot, relativeSource), target);
        else cpSync(join(packageRoot, relativeSource), target, { recursive: true });
      }
      const command = [process.execPath, ...entrypoint.slice(1)];
      const help = await run([...command, '--help'], root);
      assert.equal(help.code, 0, help.output);
      assert.match(help.output, /demo/);
      const demo = await run([...command, 'demo', '--duration', '3', '--rate', '5'], root);
      assert.equal(demo.code, 0, demo.output);
      assert.match(demo.output, /pilotfish demo: a mesh on loopback/);
      assert.match(demo.output, /^stopped$/m);
    } finally {
      rmSync(image, { recursive: true, force: true });
    }
  });
});
