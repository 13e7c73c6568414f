// The analysis' load generator inside the cluster (issue 31, finding 2): tools/load/traffic.mjs run
// as a Job in the namespace it loads, from the load image (tools/load/Dockerfile), its output
// streamed back here through the Kubernetes API. A hosted runner reaches the API server, never a
// ClusterIP or a pod IP; the deploy's load hook (release/analysis/load-hook.ts) reads the same
// per-second lines either way.
//   node tools/load/in-cluster.mjs --context C --namespace NS [--image REF] [--image-from NS[,NS]] [--seconds N] -- <traffic.mjs arguments>
// The image: --image, else $LOAD_IMAGE, else dist/load/image.json (`nx run load:docker-build -c push`),
// else the one recorded in the ConfigMap load-generator of a namespace --image-from names (a
// production promotion builds nothing: it runs the image staging ran). Each run records its image
// in its own namespace's ConfigMap.
// It gives the Job a service account that may list the namespace's pods (for --pods) and nothing
// else. SIGTERM (the analysis ended) deletes the Job: traffic.mjs prints its summary, streamed here,
// and this exits. The Job ends by itself after --seconds (and 2 minutes), and is gone 5 minutes later.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export const ACCOUNT = 'load-traffic';
/** The ConfigMap each run records its image in, for a later run that built none. */
export const RECORD = 'load-generator';

/** The service account, its Role (read pods) and binding: applied before each run, idempotent. */
export function accountManifests(namespace) {
  const meta = { name: ACCOUNT, namespace, labels: { 'app.kubernetes.io/name': ACCOUNT, 'app.kubernetes.io/managed-by': 'trading-nx-plugin' } };
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: meta,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ACCOUNT },
        subjects: [{ kind: 'ServiceAccount', name: ACCOUNT, namespace }],
      },
    ],
  };
}

/** The Job that runs traffic.mjs with `args` in `namespace` for at most `seconds` (and 2 minutes). */
export function trafficJob({ name, namespace, image, seconds, args }) {
  const labels = { 'app.kubernetes.io/name': ACCOUNT, 'app.kubernetes.io/component': 'load-generator', 'app.kubernetes.io/managed-by': 'trading-nx-plugin' };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: seconds + 120,
      ttlSecondsAfterFinished: 300,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: ACCOUNT,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 10,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'traffic',
              image,
              command: ['node', '/app/traffic.mjs', '--in-cluster', '--namespace', namespace, '--seconds', String(seconds), ...args],
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}

/** The ConfigMap that records the image a run used (applied in its namespace). */
export const imageRecord = (namespace, image) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: RECORD, namespace, labels: { 'app.kubernetes.io/name': ACCOUNT, 'app.kubernetes.io/managed-by': 'trading-nx-plugin' } },
  data: { image },
});

/**
 * The load image by digest: the option, $LOAD_IMAGE, the record in dist/load/image.json, or
 * `recorded()`, the image an earlier run recorded in the cluster (null: none).
 */
export function loadImage(option, env = process.env, record = 'dist/load/image.json', recorded = () => null) {
  const image = option || env.LOAD_IMAGE;
  if (image) return image;
  const hint = 'run `npx nx run load:docker-build -c push`, or pass --image / set LOAD_IMAGE';
  if (!existsSync(record)) {
    const earlier = recorded();
    if (earlier) return earlier;
    throw new Error(`no load image: ${record} is missing and no namespace --image-from names recorded one; ${hint}`);
  }
  const reference = JSON.parse(readFileSync(record, 'utf8')).reference;
  if (typeof reference !== 'string' || !/@sha256:[0-9a-f]{64}$/.test(reference)) throw new Error(`${record} names no pushed image digest; ${hint}`);
  return reference;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const separator = process.argv.indexOf('--');
  const own = separator < 0 ? process.argv.slice(2) : process.argv.slice(2, separator);
  const traffic = separator < 0 ? [] : process.argv.slice(separator + 1);
  const { values } = parseArgs({
    args: own,
    options: {
      context: { type: 'string' },
      namespace: { type: 'string' },
      image: { type: 'string' },
      'image-from': { type: 'string', default: '' },
      seconds: { type: 'string', default: '300' },
    },
  });
  const fail = (why) => {
    console.error(`in-cluster load: ${why}`);
    process.exit(2);
  };
  if (!values.context || !values.namespace || traffic.length === 0)
    fail('usage: node tools/load/in-cluster.mjs --context C --namespace NS [--image REF] [--image-from NS[,NS]] [--seconds N] -- <traffic.mjs arguments>');
  const kubectlArgs = ['--context', values.context, '-n', values.namespace];
  const recorded = () => {
    for (const namespace of values['image-from'].split(',').filter(Boolean)) {
      try {
        const image = execFileSync('kubectl', ['--context', values.context, '-n', namespace, 'get', 'configmap', RECORD, '-o', 'jsonpath={.data.image}'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }).trim();
        if (image) {
          console.error(`in-cluster load: the image ${namespace} recorded`);
          return image;
        }
      } catch {
        /* none there */
      }
    }
    return null;
  };
  let image;
  try {
    image = loadImage(values.image, process.env, 'dist/load/image.json', recorded);
  } catch (error) {
    fail(error.message);
  }
  const kubectl = (args, input) => execFileSync('kubectl', [...kubectlArgs, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  /** kubectl without blocking: a SIGTERM meanwhile still deletes the Job at once. */
  const kubectlAsync = (args) =>
    new Promise((resolve, reject) =>
      execFile('kubectl', [...kubectlArgs, ...args], { encoding: 'utf8' }, (error, stdout, stderr) =>
        error ? reject(new Error(String(stderr || error.message).trim())) : resolve(stdout),
      ),
    );
  const name = `traffic-${randomBytes(4).toString('hex')}`;
  const seconds = Number(values.seconds);
  try {
    kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ ...accountManifests(values.namespace), items: [...accountManifests(values.namespace).items, imageRecord(values.namespace, image)] }),
    );
    kubectl(['create', '-f', '-'], JSON.stringify(trafficJob({ name, namespace: values.namespace, image, seconds, args: traffic })));
  } catch (error) {
    fail(`could not start the load Job in ${values.namespace} (${values.context}): ${String(error.stderr || error.message).trim()}`);
  }
  console.error(`in-cluster load: Job ${name} in ${values.namespace}, image ${image}`);
  let stopping = false;
  let logs;
  const stop = (code) => {
    if (stopping) return;
    stopping = true;
    // Deleting the Job stops its pod (SIGTERM): traffic.mjs prints its summary, the log stream ends.
    execFile('kubectl', [...kubectlArgs, 'delete', 'job', name, '--cascade=foreground', '--wait=false'], () => {
      if (!logs || logs.exitCode !== null) process.exit(code);
    });
    setTimeout(() => process.exit(code), 4000).unref();
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  const parent = process.ppid; // started as a deploy's load hook: end with that deploy
  setInterval(() => process.ppid !== parent && stop(0), 1000).unref();
  // The pod's output: wait for it to run, then follow it; if the stream drops, follow again from
  // there on (--tail=0: a second lost, never one counted twice).
  const follow = async (first) => {
    try {
      await kubectlAsync(['wait', '--for=condition=Ready', 'pod', '-l', `job-name=${name}`, '--timeout=90s']);
    } catch (error) {
      if (stopping) return;
      const state = await kubectlAsync(['get', 'pods', '-l', `job-name=${name}`, '-o', 'jsonpath={.items[*].status.containerStatuses[*].state}']).catch(
        () => '',
      );
      console.error(`in-cluster load: the Job's pod is not running (${error.message} ${state})`);
      return stop(1);
    }
    if (stopping) return;
    logs = spawn('kubectl', [...kubectlArgs, 'logs', '-f', ...(first ? [] : ['--tail=0']), `job/${name}`], { stdio: ['ignore', 'inherit', 'inherit'] });
    logs.on('exit', async () => {
      if (stopping) return process.exit(0);
      const done = await kubectlAsync(['get', 'job', name, '-o', 'jsonpath={.status.succeeded}{.status.failed}']).catch(() => 'gone');
      if (done.trim()) process.exit(0);
      setTimeout(() => follow(false), 1000);
    });
  };
  follow(true);
}
